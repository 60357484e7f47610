// The integer variant: an Akida-quantized spikemesh IR model as integrate-and-fire layers.
//
// Akida's activation is out = clip(ceil(16 (p - T*A) / (s16*A)), 0, M) with M = 2^bits - 1.
// Rate coding represents out by the firing rate r = out / M of a neuron, and an input value x
// of the next layer by M_prev spikes per unit rate. With currents in units of 1/16:
//   I = 16 * M_prev * (W . s) - 16 * T * A   per step,   theta = s16 * A * M
// so that rate = I / theta -> 16 (p - T*A) / (s16 * A * M) = out / M when s carries rate r_prev.
// The first layer's input is the integer image: a constant current of x per step (M_prev = 1),
// or a rate-coded spike worth maxInput (the gain is multiplied by maxInput at run time).
// As T grows the rate approaches the unquantized activation (p - T*A) / (s*A) clipped to
// [0, M]; Akida's integer output is its ceiling.
import { inferShapes, poolArea, potentialShape } from '../ir/shapes.js';
import type { Layer, ModelSpec, Shape3 } from '../ir/types.js';
import { checkNet, spikingLayer } from './net.js';
import { synapseMacs } from './synops.js';
import type { MaxPool, SpikingLayer, SpikingNet, Synapse } from './types.js';
import { unknownKind } from '../ir/types.js';

/** Separable = depthwise then pointwise, both linear: one conv with w[i][j][c][o] = dw[i][j][c] * pw[c][o]. */
function composeSeparable(depthwise: Int8Array, pointwise: Int8Array, kernel: [number, number], cin: number, cout: number): Int32Array {
  const w = new Int32Array(kernel[0] * kernel[1] * cin * cout);
  for (let k = 0; k < kernel[0] * kernel[1]; k++) {
    for (let c = 0; c < cin; c++) {
      const d = depthwise[k * cin + c]!;
      for (let o = 0; o < cout; o++) w[(k * cin + c) * cout + o] = d * pointwise[c * cout + o]!;
    }
  }
  return w;
}

function synapseOf(layer: Exclude<Layer, { kind: 'InputData' }>, input: Shape3): Synapse {
  switch (layer.kind) {
    case 'InputConvolutional':
    case 'Convolutional':
      return {
        kernel: layer.kernel, stride: layer.stride, padding: layer.padding, filters: layer.filters,
        weights: layer.weights, flipped: layer.kind === 'Convolutional',
      };
    case 'SeparableConvolutional':
      return {
        kernel: layer.kernel, stride: layer.stride, padding: layer.padding, filters: layer.filters,
        weights: composeSeparable(layer.depthwise, layer.pointwise, layer.kernel, input[2], layer.filters), flipped: true,
      };
    case 'FullyConnected':
      // Dense over the NHWC-flattened input = a 'valid' cross-correlation whose kernel is the whole input.
      return { kernel: [input[0], input[1]], stride: 1, padding: 'valid', filters: layer.units, weights: layer.weights, flipped: false };
    default:
      return unknownKind(layer);
  }
}

/**
 * MACs of the source layer on one sample (padding excluded). A separable layer runs as one
 * composed convolution here, but the network it came from computes the depthwise taps and
 * then the pointwise products, which is what it costs.
 */
function sourceLayerMacs(layer: Exclude<Layer, { kind: 'InputData' }>, input: Shape3, synapse: Synapse): number {
  if (layer.kind !== 'SeparableConvolutional') return synapseMacs(input, synapse);
  const [oh, ow] = potentialShape(layer, input);
  return synapseMacs(input, { ...synapse, filters: 1 }) + oh * ow * input[2] * layer.filters;
}

/** The IR model as a spiking net (integer variant). */
export function spikingNetFromModel(spec: ModelSpec): SpikingNet {
  const shapes = inferShapes(spec.layers);
  const first = spec.layers[0]!;
  if (first.kind !== 'InputData' && first.kind !== 'InputConvolutional') throw new Error('model: the first layer must be InputData or InputConvolutional');
  const maxInput = 2 ** first.inputBits - 1;
  const layers: SpikingLayer[] = [];
  let readoutScale = new Float64Array(0);
  let sourceMacs = 0;
  // value carried by one spike of the previous layer: 1 for the integer input (constant current)
  let spikeValue = 1;
  spec.layers.forEach((layer, k) => {
    if (layer.kind === 'InputData') return;
    if (layer.kind === 'InputConvolutional' && layer.padding === 'same' && (layer.padValue ?? 0) !== 0) {
      throw new Error(`layer '${layer.name}': padValue ${layer.padValue} (the input shift on 'same' padding) has no temporal equivalent yet; convert with 'valid' padding or shift 0`);
    }
    const input = shapes.inputs[k]!;
    const synapse = synapseOf(layer, input);
    const pooling = layer.kind === 'FullyConnected' ? ({ type: 'none' } as const) : layer.pooling;
    const sumPool = pooling.type === 'average' || pooling.type === 'global_avg' ? pooling : null;
    const maxPool: MaxPool | null = pooling.type === 'max' ? { size: pooling.size, stride: pooling.stride, padding: pooling.padding } : null;
    const area = poolArea(pooling, potentialShape(layer, input));
    const c = synapse.filters;
    const act = layer.activation;
    const scale = act ?? layer.predictScale;
    const gain = 16 * spikeValue;
    const bias = int32s(layer.name, 'bias', Array.from({ length: c }, (_, ch) => (scale ? -16 * scale.threshold[ch]! * area : 0)));
    const theta = act ? int32s(layer.name, 'theta', Array.from(act.actStep16, (s16) => s16 * area * (2 ** act.bits - 1))) : null;
    if (!act && maxPool) {
      throw new Error(`layer '${layer.name}': max pooling of potentials (a layer without activation) has no spiking equivalent`);
    }
    layers.push(spikingLayer(layer.name, input, synapse, sumPool, { gain, bias, theta, v0: new Int32Array(c) }, maxPool));
    sourceMacs += sourceLayerMacs(layer, input, synapse);
    // charge / t -> (p - T*A) / (s*A) in activation units (or the raw potential without a scale)
    readoutScale = scale ? Float64Array.from(scale.actStep16, (s16) => 1 / (s16 * area)) : new Float64Array(c).fill(1 / 16);
    spikeValue = act ? 2 ** act.bits - 1 : 1;
  });
  if (layers.length === 0) throw new Error('model has no layer with weights: nothing to simulate');
  return checkNet({
    variant: 'integer',
    name: spec.name,
    input: { shape: shapes.inputs[0]!, maxInput },
    layers,
    readoutScale,
    sourceMacs,
    metadata: { source: 'spikemesh IR' },
  });
}

/** The values as an Int32Array, or an error naming the layer: Int32Array.from would wrap them. */
function int32s(layer: string, field: string, values: number[]): Int32Array {
  const ch = values.findIndex((v) => !(Math.abs(v) < 2 ** 31));
  if (ch >= 0) throw new Error(`layer '${layer}': neurons.${field}[${ch}] would be ${values[ch]}, beyond int32: the integer temporal mode cannot represent this layer`);
  return Int32Array.from(values);
}
