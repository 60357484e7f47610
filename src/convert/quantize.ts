// quantize(): the cnn2snn quantize step. Rebuilds a serial tfjs model with the
// quantization-aware layers of qlayers.ts (same weights), ready to evaluate, fine-tune, convert.
// BatchNormalization can be folded into the float weights first, as cnn2snn 2.x does (bnFold
// 'weights', the default for float models), or kept for convert() to fold into thresholds and
// steps (bnFold 'threshold', cnn2snn 1.x). docs/akida-fidelity.md lists every rule and its source.
import * as tf from '@tensorflow/tfjs';
import type { ActBits, WeightBits } from '../ir/types.js';
import { ACT_BITS, WEIGHT_BITS } from '../ir/validate.js';
import { isNeural, type GraphLayer, type GraphLayerOf } from '../io/graph.js';
import { floatGraphFromTfjs, serialLayers } from '../io/tfjs.js';
import {
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
  stepWidth,
} from './qlayers.js';

export interface QuantizeOptions {
  /** weight bits of every neural layer but the first (cnn2snn -wq) */
  weightBits: WeightBits;
  /** activation bits (cnn2snn -aq) */
  activationBits: ActBits;
  /** weight bits of the first neural layer, which sees the 8-bit input (cnn2snn -iq); default weightBits */
  inputWeightBits?: WeightBits;
  /** per-output-channel weight scales (MaxPerAxis); default per tensor (MaxQuantizer) */
  perAxis?: boolean;
  /**
   * Sample inputs as the model sees them. When given, each activation's level width is chosen
   * to minimise the quantization error on them (layer by layer, through the quantized layers
   * before it); otherwise it follows the float ReLU's range (max value, or 6).
   */
  calibration?: tf.Tensor;
  /**
   * Where BatchNormalization goes. 'weights' (cnn2snn 2.x, `_compute_BN_folded_weights`): folded
   * into the float kernel and bias of the layer before it, `w * gamma/sigma` and
   * `beta + (b - mu) * gamma/sigma`, that layer then quantized per output channel, so the
   * quantized model has no BatchNorm. 'threshold' (cnn2snn 1.x): BatchNorm is kept and
   * convert() folds it into the integer thresholds and steps (fold.ts). Default: 'weights' for a
   * float model, 'threshold' for a model that already has quantized layers (its BatchNorms, and
   * their alignment, stay as they are).
   */
  bnFold?: BnFold;
}

/** Where BatchNormalization is folded: QuantizeOptions.bnFold. */
export type BnFold = 'weights' | 'threshold';

const levels = (bits: number) => 2 ** bits - 1;

function checkOptions(o: QuantizeOptions): void {
  for (const [name, v] of [['weightBits', o.weightBits], ['inputWeightBits', o.inputWeightBits ?? o.weightBits]] as const) {
    if (!WEIGHT_BITS.includes(v)) throw new RangeError(`quantize: ${name} is ${v}, expected 1, 2, 4 or 8`);
  }
  if (!ACT_BITS.includes(o.activationBits)) throw new RangeError(`quantize: activationBits is ${o.activationBits}, expected 1, 2 or 4`);
  if (o.bnFold !== undefined && o.bnFold !== 'weights' && o.bnFold !== 'threshold') {
    throw new RangeError(`quantize: bnFold is ${String(o.bnFold)}, expected 'weights' or 'threshold'`);
  }
}

/** The BatchNorm folded into a neural layer's weights: per output channel g = gamma/sigma. */
interface WeightFold {
  batchNorm: string;
  g: Float64Array;
  beta: Float64Array;
  mean: Float64Array;
}

const NEURAL_CLASS = /^(Quantized)?(Conv2D|SeparableConv2D|DepthwiseConv2D|Dense)$/;

/**
 * The bnFold a model gets when none is given: 'threshold' for now. cnn2snn 2.x's 'weights' fold
 * (per-channel 8-bit input weights) gives a first layer act_steps above 65535.9375 where the
 * threshold fold does not, and until such steps are clipped and compensated in the next layer
 * as cnn2snn does (issue 23), making it the default would refuse models that convert today.
 */
export function defaultBnFold(_model: tf.LayersModel): BnFold {
  return 'threshold';
}

/**
 * cnn2snn 2.x's BatchNorm fold (transforms/batch_normalization.py, `_compute_BN_folded_weights`):
 * which neural layer each BatchNormalization folds into, with g = gamma / sqrt(var + eps). A
 * BatchNorm after the activation is left in place (convert() reports it). Throws, naming the
 * layer and channel, on gamma = 0 (cnn2snn rejects it: the channel carries no signal), on a
 * negative gamma behind a max pooling (max and the decreasing normalisation do not commute:
 * cnn2snn's `invert_batchnorm_pooling` rejects gamma <= 0 there), and on a BatchNorm right after
 * a DepthwiseConv2D (its per-tensor quantizer cannot take per-channel factors).
 */
export function planWeightFolds(graph: readonly GraphLayer[]): Map<string, WeightFold> {
  const folds = new Map<string, WeightFold>();
  let neural: GraphLayer | undefined;
  let afterActivation = false;
  let maxPool: string | undefined;
  for (const rec of graph) {
    if (isNeural(rec)) {
      neural = rec;
      afterActivation = rec.activation !== 'linear';
      maxPool = undefined;
      continue;
    }
    if (rec.kind === 'relu' || rec.kind === 'quantized-relu' || rec.kind === 'activation') afterActivation = true;
    if (rec.kind === 'flatten') neural = undefined;
    if (rec.kind === 'pool' && rec.type === 'max') maxPool = rec.name;
    if (rec.kind !== 'batchnorm' || !neural || afterActivation || folds.has(neural.name)) continue;
    if (neural.kind === 'depthwise') {
      throw new Error(`BatchNormalization '${rec.name}' follows DepthwiseConv2D '${neural.name}' directly: its per-tensor ` +
        'weight quantizer cannot take a factor per channel; move the BatchNorm after the pointwise convolution, or use bnFold \'threshold\'');
    }
    const n = rec.mean.length;
    const g = new Float64Array(n);
    for (let o = 0; o < n; o++) {
      const gamma = rec.gamma ? rec.gamma[o]! : 1;
      g[o] = gamma / Math.sqrt(rec.variance[o]! + rec.epsilon);
      if (gamma === 0 || !Number.isFinite(g[o]!)) {
        throw new Error(`BatchNormalization '${rec.name}', channel ${o}: gamma is ${gamma} (gamma/sigma = ${g[o]}), the channel carries ` +
          `no signal and cannot be folded into the weights of '${neural.name}' (cnn2snn 2.x rejects gamma = 0); retrain or prune the channel`);
      }
      if (g[o]! < 0 && maxPool) {
        throw new Error(`BatchNormalization '${rec.name}', channel ${o}: gamma ${gamma} is negative behind the max pooling '${maxPool}': ` +
          'max and the decreasing normalisation do not commute (cnn2snn rejects gamma <= 0 there); move the pooling after the activation');
      }
    }
    folds.set(neural.name, {
      batchNorm: rec.name,
      g,
      beta: rec.beta ? Float64Array.from(rec.beta) : new Float64Array(n),
      mean: Float64Array.from(rec.mean),
    });
  }
  return folds;
}

/**
 * A layer's weights ([kernels..., bias?]) with a BatchNorm folded in: the last kernel's output
 * channels (its last axis) times g, the bias beta + (b - mean) * g.
 */
function foldedWeights(weights: tf.Tensor[], hasBias: boolean, fold: WeightFold): tf.Tensor[] {
  const kernels = hasBias ? weights.slice(0, -1) : weights.slice();
  const last = kernels.pop()!;
  const g = Float32Array.from(fold.g);
  const b = hasBias ? weights.at(-1)!.dataSync() : new Float32Array(g.length);
  const bias = Float32Array.from(g, (gi, o) => fold.beta[o]! + (b[o]! - fold.mean[o]!) * gi);
  // only these two are new: getWeights() hands out the source layer's own variables
  return [...kernels, tf.tidy(() => last.mul(tf.tensor1d(g))), tf.tensor1d(bias)];
}

/** The float range [0, max] a ReLU-like layer covers, which the quantized activation keeps. */
function reluRange(layer: GraphLayerOf<'relu' | 'quantized-relu'>, bits: number): number {
  if (layer.kind === 'quantized-relu') return stepWidth(layer.step, layer.bits) * levels(layer.bits);
  return layer.maxValue ?? Math.min(levels(bits), 6); // cnn2snn's default for an unbounded ReLU
}

function quantizedRelu(name: string, bits: number, range: number): QuantizedReLU {
  const width = range / levels(bits);
  return new QuantizedReLU({ name, bits, step: width * 2 ** (bits - 4) });
}

/**
 * Returns a new model where Conv2D, DepthwiseConv2D, SeparableConv2D and Dense are their
 * Quantized* versions and ReLUs are QuantizedReLU. Already quantized layers are re-quantized
 * with the new bits. Other layers are copied. The input model is not modified.
 */
export function quantize(model: tf.LayersModel, options: QuantizeOptions): tf.Sequential {
  checkOptions(options);
  const records = floatGraphFromTfjs(model).layers;
  const graph = new Map(records.map((l) => [l.name, l]));
  const weightFolds = (options.bnFold ?? defaultBnFold(model)) === 'weights' ? planWeightFolds(records) : new Map<string, WeightFold>();
  const foldedBatchNorms = new Set([...weightFolds.values()].map((f) => f.batchNorm));
  const wq = options.weightBits;
  const iq = options.inputWeightBits ?? wq;
  const aq = options.activationBits;
  const out = tf.sequential({ name: model.name });
  out.add(tf.layers.inputLayer({ inputShape: model.inputs[0]!.shape.slice(1) as number[], name: `${model.name}_input` }));
  const ranges = new Map<string, number>();
  let neuralSeen = false;
  let pairBits: WeightBits | undefined;

  for (const layer of serialLayers(model)) {
    const rec = graph.get(layer.name); // undefined: a training-only layer, copied
    if (rec?.kind === 'unsupported' && NEURAL_CLASS.test(rec.className)) {
      throw new Error(`layer '${layer.name}': ${rec.reason}`);
    }
    if (foldedBatchNorms.has(layer.name)) continue; // folded into the weights of the layer before it
    if (rec && isNeural(rec)) {
      const bits = pairBits ?? (neuralSeen ? wq : iq);
      pairBits = rec.kind === 'depthwise' ? bits : undefined;
      neuralSeen = true;
      const wf = weightFolds.get(rec.name);
      // a BatchNorm folded into the weights needs a bias, and a scale per output channel (cnn2snn: MaxPerAxis)
      const common = { name: rec.name, useBias: rec.bias !== null || wf !== undefined };
      const perAxis = (options.perAxis ?? false) || wf !== undefined;
      let q: tf.layers.Layer;
      if (rec.kind === 'dense') q = new QuantizedDense({ ...common, units: rec.units, bits, perAxis });
      else {
        const conv = { ...common, kernelSize: rec.kernel, strides: rec.strides, padding: rec.padding, bits };
        if (rec.kind !== 'conv2d' && rec.depthMultiplier !== 1) {
          throw new Error(`layer '${layer.name}': depth multiplier ${rec.depthMultiplier} is not supported`);
        }
        q =
          rec.kind === 'conv2d' ? new QuantizedConv2D({ ...conv, filters: rec.filters, perAxis })
          : rec.kind === 'separable' ? new QuantizedSeparableConv2D({ ...conv, filters: rec.filters, perAxis })
          : new QuantizedDepthwiseConv2D(conv);
      }
      out.add(q);
      if (wf) {
        const folded = foldedWeights(layer.getWeights(), rec.bias !== null, wf);
        q.setWeights(folded);
        tf.dispose(folded.slice(-2));
      } else {
        q.setWeights(layer.getWeights());
      }
      const act = rec.activation;
      if (act === 'relu' || act === 'relu6') {
        const r = quantizedRelu(`${layer.name}_relu`, aq, act === 'relu6' ? 6 : Math.min(levels(aq), 6));
        ranges.set(r.name, act === 'relu6' ? 6 : Infinity);
        out.add(r);
      } else if (act === 'softmax') {
        out.add(tf.layers.activation({ name: `${layer.name}_softmax`, activation: 'softmax' }));
      } else if (act !== 'linear') {
        throw new Error(`layer '${layer.name}': activation '${act}' cannot be quantized (use relu)`);
      }
      continue;
    }
    if (rec?.kind === 'relu' || rec?.kind === 'quantized-relu') {
      const range = reluRange(rec, aq);
      const r = quantizedRelu(layer.name, aq, range);
      ranges.set(r.name, rec.kind === 'relu' && rec.maxValue === null ? Infinity : range);
      out.add(r);
      continue;
    }
    const Ctor = layer.constructor as unknown as { fromConfig: (c: unknown, cfg: unknown) => tf.layers.Layer };
    const copy = Ctor.fromConfig(layer.constructor, layer.getConfig());
    out.add(copy);
    copy.setWeights(layer.getWeights());
  }
  if (options.calibration) calibrate(out, options.calibration, ranges);
  return out;
}

/**
 * Sets every QuantizedReLU's level width to minimise the squared quantization error of its
 * inputs, walking the model layer by layer so each choice sees the quantized layers before it.
 * `ranges` caps the width where the float ReLU was bounded (ReLU6 stays within [0, 6]).
 */
export function calibrate(model: tf.LayersModel, samples: tf.Tensor, ranges = new Map<string, number>()): void {
  let x = samples.clone();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    if (layer instanceof QuantizedReLU) {
      const width = bestWidth(x, layer.bits, ranges.get(layer.name) ?? Infinity);
      layer.step.write(tf.scalar(width * 2 ** (layer.bits - 4)));
    }
    const next = tf.tidy(() => layer.apply(x, { training: false }) as tf.Tensor);
    x.dispose();
    x = next;
  }
  x.dispose();
}

/** Level width minimising sum (v - q(v))^2 over the positive inputs (negative ones give 0 anyway). */
function bestWidth(x: tf.Tensor, bits: number, cap: number): number {
  const all = x.dataSync();
  const stride = Math.max(1, Math.floor(all.length / 200_000));
  const v: number[] = [];
  for (let i = 0; i < all.length; i += stride) if (all[i]! > 0) v.push(Math.min(all[i]!, cap));
  const L = levels(bits);
  const max = v.reduce((m, y) => Math.max(m, y), 0);
  if (max === 0) return stepWidth(6 / 15, 4);
  let best = max / L;
  let bestErr = Infinity;
  for (let k = 1; k <= 64; k++) {
    const w = (max / L) * (k / 64);
    let err = 0;
    for (const y of v) {
      const q = w * Math.min(Math.max(Math.ceil(y / w - 0.5), 0), L);
      err += (y - q) ** 2;
    }
    if (err < bestErr) {
      bestErr = err;
      best = w;
    }
  }
  return best;
}
