// Building and checking a SpikingNet: shapes from src/ir/shapes.ts, bounds from neuron.ts.
import { convOutputShape, poolArea, poolOutputShape, shapeSize } from '../ir/shapes.js';
import type { Shape3 } from '../ir/types.js';
import { MAX_CURRENT, VMAX } from './neuron.js';
import type { MaxPool, Neurons, SpikingLayer, SpikingNet, Synapse } from './types.js';

/** A layer with its shapes inferred from the input shape and its parts. */
export function spikingLayer(
  name: string,
  input: Shape3,
  synapse: Synapse,
  sumPool: SpikingLayer['sumPool'],
  neurons: Neurons,
  maxPool: MaxPool | null,
): SpikingLayer {
  const potential = convOutputShape(input, synapse.kernel, synapse.stride, synapse.padding, synapse.filters);
  const neuronShape = sumPool ? poolOutputShape(potential, sumPool) : potential;
  const output = maxPool ? poolOutputShape(neuronShape, { type: 'max', ...maxPool }) : neuronShape;
  return { name, input, synapse, potential, sumPool, neuronShape, neurons, maxPool, output };
}

/** Neurons of the last layer per sample. */
export function readoutUnits(net: SpikingNet): number {
  return shapeSize(net.layers[net.layers.length - 1]!.neuronShape);
}

/** Per output channel, the largest |synaptic input| (sum of |w| over the fan-in, times the pooling area). */
export function maxSynaptic(layer: SpikingLayer, maxValue: number): Float64Array {
  const cout = layer.synapse.filters;
  const sums = new Float64Array(cout);
  const w = layer.synapse.weights;
  for (let i = 0; i < w.length; i++) sums[i % cout]! += Math.abs(w[i]!);
  const area = layer.sumPool ? poolArea(layer.sumPool, layer.potential) : 1;
  return sums.map((s) => s * maxValue * area);
}

function fail(net: SpikingNet, layer: SpikingLayer | undefined, msg: string): never {
  const where = layer ? `layer '${layer.name}'` : 'input';
  throw new Error(`spiking net${net.name ? ` '${net.name}'` : ''}: ${where}: ${msg}`);
}

/**
 * Checks shapes, array lengths and the integer bounds: every per-step current below 2^30 in
 * magnitude for the worst-case input (so the saturating integration never overflows int32),
 * thresholds in 1..VMAX. Throws an error naming the layer and the field.
 */
export function checkNet(net: SpikingNet): SpikingNet {
  const { shape, maxInput } = net.input;
  if (!Number.isInteger(maxInput) || maxInput < 1 || maxInput > 255) {
    fail(net, undefined, `maxInput is ${maxInput}, expected an integer in 1..255 (8-bit input)`);
  }
  if (net.layers.length === 0) fail(net, undefined, 'the net has no layers');
  let prev = shape;
  net.layers.forEach((layer, k) => {
    if (layer.input.join() !== prev.join()) fail(net, layer, `input shape [${layer.input}] does not follow the previous output [${prev}]`);
    const s = layer.synapse;
    const expected = s.kernel[0] * s.kernel[1] * layer.input[2] * s.filters;
    if (s.weights.length !== expected) {
      fail(net, layer, `synapse.weights has ${s.weights.length} values, expected ${s.kernel[0]}x${s.kernel[1]}x${layer.input[2]}x${s.filters} = ${expected}`);
    }
    const c = layer.neuronShape[2];
    const { gain, bias, theta, v0 } = layer.neurons;
    for (const [field, arr] of [['bias', bias], ['theta', theta], ['v0', v0]] as const) {
      if (arr && arr.length !== c) fail(net, layer, `neurons.${field} has ${arr.length} values, expected one per channel (${c})`);
    }
    if (!Number.isInteger(gain) || gain < 1) fail(net, layer, `neurons.gain is ${gain}, expected a positive integer`);
    theta?.forEach((t, ch) => {
      if (t < 1 || t > VMAX) fail(net, layer, `neurons.theta[${ch}] is ${t}, expected 1..${VMAX}`);
    });
    v0.forEach((v, ch) => {
      if (Math.abs(v) > VMAX) fail(net, layer, `neurons.v0[${ch}] is ${v}, expected |v0| <= ${VMAX}`);
    });
    // A rate-coded first layer sees spikes worth maxInput each: the same bound as the constant input.
    const maxSyn = maxSynaptic(layer, k === 0 ? maxInput : 1);
    maxSyn.forEach((m, ch) => {
      const worst = gain * m + Math.abs(bias[ch]!);
      if (worst >= MAX_CURRENT) {
        fail(net, layer, `channel ${ch} can receive a current of ${worst} per step (gain ${gain} x synaptic ${m} + |bias| ${Math.abs(bias[ch]!)}), expected below 2^30`);
      }
    });
    if (layer.maxPool && k === net.layers.length - 1) fail(net, layer, 'the readout (last) layer cannot have max pooling');
    if (layer.maxPool && !theta) fail(net, layer, 'a layer that never fires (theta null) cannot be max-pooled');
    if (!theta && k !== net.layers.length - 1) fail(net, layer, 'only the last layer may be a non-firing readout (theta null)');
    prev = layer.output;
  });
  const units = net.layers[net.layers.length - 1]!.neuronShape[2];
  if (net.readoutScale.length !== units) fail(net, net.layers[net.layers.length - 1], `readoutScale has ${net.readoutScale.length} values, expected ${units}`);
  return net;
}

/** Checkpoints sorted, unique, in 1..timesteps; default [timesteps]. */
export function normaliseCheckpoints(checkpoints: number[] | undefined, timesteps: number): number[] {
  if (!Number.isInteger(timesteps) || timesteps < 1) throw new RangeError(`timesteps is ${timesteps}, expected a positive integer`);
  const list = [...new Set(checkpoints ?? [timesteps])].sort((a, b) => a - b);
  for (const c of list) {
    if (!Number.isInteger(c) || c < 1 || c > timesteps) {
      throw new RangeError(`checkpoint ${c} is outside 1..${timesteps} (timesteps)`);
    }
  }
  return list;
}
