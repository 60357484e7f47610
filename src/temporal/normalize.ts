// Data-based normalisation of a float network into integrate-and-fire layers (the float variant).
//
// With lambda_l the chosen activation scale of layer l on the calibration set (its maximum,
// or a percentile of its non-zero activations), a rate r_l = a_l / lambda_l in [0, 1] stands for
// the activation a_l. Layer l then receives per step, in units of its threshold,
//   I_l = W_l . r_{l-1} * lambda_{l-1} / lambda_l + b_l / lambda_l
// (weight normalisation, Diehl 2015 / Rueckauer 2017; ECC's current normalisation CN, which
// also bounds the current of the most active neuron by one threshold per step). Scaling the
// thresholds by lambda_l / lambda_{l-1} instead (threshold balancing) gives the same ratios
// current/threshold, so once currents are fixed point in units of the threshold both are this.
// The fixed point: weights, biases and the threshold are multiplied by alpha_l = 2^Q_l (ECC's
// amplification factor, a power of two here) and rounded; Q_l is the largest (at most 24) that
// keeps the worst-case current below 2^20, so membranes and the readout stay exact for at least
// 1,024 steps (neuron.ts saturates beyond). TRE (ECC) starts every membrane at tre * theta.
import type { Calibration } from './calibrate.js';
import type { FloatNet } from './float-net.js';
import { checkNet, spikingLayer } from './net.js';
import type { SpikingNet } from './types.js';

export type NormMethod = 'max' | 'percentile' | 'ecc';

export interface NormOptions {
  method: NormMethod;
  /** the percentile of 'percentile' (default 99.9) */
  percentile?: number;
  /** TRE: initial membrane as a fraction of the threshold; default 0.5 for 'ecc', else 0 */
  tre?: number;
  /** float input = inputScale * integer input (default 1/255) */
  inputScale?: number;
}

export const DEFAULT_PERCENTILE = 99.9;
/** worst-case |current| in fixed point: 2^20 leaves 10 bits of headroom for 1,024 steps */
export const CURRENT_BITS = 20;
export const MAX_FRACTION_BITS = 24;
export const MIN_FRACTION_BITS = 6;

/** The activation scales a method uses, one per layer. */
export function methodLambdas(net: FloatNet, cal: Calibration, opts: NormOptions): Float64Array {
  let lambdas: Float64Array;
  if (opts.method === 'percentile') {
    const q = opts.percentile ?? DEFAULT_PERCENTILE;
    const p = cal.percentiles.get(q);
    if (!p) throw new Error(`the calibration has no ${q}th percentile: calibrate with percentiles [${q}]`);
    lambdas = Float64Array.from(p);
  } else {
    lambdas = Float64Array.from(cal.max);
  }
  net.layers.forEach((l, k) => {
    if (!(lambdas[k]! > 0)) throw new Error(`layer '${l.name}': no positive activation on the ${cal.n} calibration images, cannot normalise`);
    if (l.reluMax !== null) lambdas[k] = Math.min(lambdas[k]!, l.reluMax);
  });
  return lambdas;
}

/** The float net as integer integrate-and-fire layers, normalised by `opts.method`. */
export function spikingNetFromFloat(net: FloatNet, cal: Calibration, opts: NormOptions): SpikingNet {
  const inputScale = opts.inputScale ?? 1 / 255;
  const tre = opts.tre ?? (opts.method === 'ecc' ? 0.5 : 0);
  if (!(tre >= 0 && tre < 1)) throw new RangeError(`tre is ${tre}, expected a fraction of the threshold in [0, 1)`);
  const lambdas = methodLambdas(net, cal, opts);
  const bits: number[] = [];
  const layers = net.layers.map((l, k) => {
    // weight per unit of input: an integer input value (layer 0) or a unit rate
    const wScale = (k === 0 ? inputScale : lambdas[k - 1]!) / lambdas[k]!;
    const inMax = k === 0 ? cal.maxInput : 1;
    const c = l.filters;
    const sums = new Float64Array(c);
    for (let i = 0; i < l.weights.length; i++) sums[i % c]! += Math.abs(l.weights[i]! * wScale) * inMax;
    let worst = 0;
    for (let o = 0; o < c; o++) worst = Math.max(worst, sums[o]! + Math.abs(l.bias[o]! / lambdas[k]!));
    const q = Math.min(MAX_FRACTION_BITS, Math.floor(Math.log2(2 ** CURRENT_BITS / worst)));
    if (q < MIN_FRACTION_BITS) {
      throw new Error(`layer '${l.name}': the normalised weights reach ${worst.toFixed(1)} thresholds per step; `
        + `fixed point would keep only ${q} fractional bits (at least ${MIN_FRACTION_BITS} needed)`);
    }
    bits.push(q);
    const alpha = 2 ** q;
    const weights = Int32Array.from(l.weights, (w) => Math.round(w * wScale * alpha));
    const bias = Int32Array.from(l.bias, (b) => Math.round((b / lambdas[k]!) * alpha));
    const neurons = { gain: 1, bias, theta: new Int32Array(c).fill(alpha), v0: new Int32Array(c).fill(Math.round(tre * alpha)) };
    const synapse = { kernel: l.kernel, stride: l.stride, padding: l.padding, filters: c, weights, flipped: false };
    return spikingLayer(l.name, l.input, synapse, null, neurons, l.maxPool);
  });
  const last = layers.length - 1;
  return checkNet({
    variant: 'float',
    name: net.name,
    input: { shape: net.input, maxInput: cal.maxInput },
    layers,
    // charge / t in thresholds, times lambda: the float layer's output
    readoutScale: new Float64Array(net.layers[last]!.filters).fill(lambdas[last]! / 2 ** bits[last]!),
    sourceMacs: net.layers.reduce((a, l) => a + l.macs, 0),
    metadata: {
      source: 'float tfjs model',
      method: opts.method,
      ...(opts.method === 'percentile' && { percentile: opts.percentile ?? DEFAULT_PERCENTILE }),
      tre,
      inputScale,
      lambdas: Array.from(lambdas),
      fractionBits: bits,
      calibrationImages: cal.n,
    },
  });
}
