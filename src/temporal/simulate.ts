// The temporal reference: plain TypeScript, one sample and one timestep at a time, in the order
// the dynamics are written (DESIGN.md section 4). It is the oracle of the time-parallel GPU
// pipeline (src/temporal/gpu.ts), which must match it bit for bit.
import { shapeSize } from '../ir/shapes.js';
import type { IntBatch } from '../ir/types.js';
import { convPotentials } from '../reference/conv.js';
import { poolAndActivate } from '../reference/pool.js';
import { maxPoolState, maxPoolStep } from './maxpool.js';
import { checkNet, normaliseCheckpoints, readoutUnits } from './net.js';
import { charge, current, fire, reset } from './neuron.js';
import { bernoulli, spikeProbability23, spikeRandom } from './rng.js';
import { fanOut, synapseMacs } from './synops.js';
import type {
  Readouts,
  RecordedStep,
  SpikingLayer,
  SpikingNet,
  TemporalOptions,
  TemporalRecording,
  TemporalRecordOptions,
  TemporalResult,
  TemporalStats,
} from './types.js';

/** The synaptic input of a layer for one frame of input spikes (or values): the integer convolution of src/reference. */
export function synapticInput(layer: SpikingLayer, x: Int32Array): Int32Array {
  const s = layer.synapse;
  const p = convPotentials(x, { input: layer.input, kernel: s.kernel, stride: s.stride, padding: s.padding }, s.weights, s.filters, s.flipped).data;
  // Akida average pooling sums potentials: with no activation, poolAndActivate returns the window sums.
  return layer.sumPool ? poolAndActivate(p, layer.potential, layer.sumPool, null) : p;
}

/** Checks a batch against the net's input: shape, length, non-negative integers. */
export function checkInput(net: SpikingNet, input: IntBatch): void {
  if (input.shape.join() !== net.input.shape.join()) {
    throw new RangeError(`input shape [${input.shape}] does not match the spiking net's input [${net.input.shape}]`);
  }
  const size = shapeSize(net.input.shape);
  if (input.data.length !== input.n * size) throw new RangeError(`input holds ${input.data.length} values, expected ${input.n} x ${size}`);
  for (let i = 0; i < input.data.length; i++) {
    const v = input.data[i]!;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v))) {
      throw new RangeError(`input value ${v} at index ${i} (sample ${Math.floor(i / size)}) is not an integer in 0..255`);
    }
  }
}

export function emptyStats(net: SpikingNet, timesteps: number, constant: boolean): TemporalStats {
  const layer = (name: string, neurons: number) => ({ name, neurons, spikes: new Float64Array(timesteps), synops: new Float64Array(timesteps) });
  return {
    input: layer('input', shapeSize(net.input.shape)),
    layers: net.layers.map((l) => layer(l.name, shapeSize(l.neuronShape))),
    inputMacs: constant ? synapseMacs(net.input.shape, net.layers[0]!.synapse) : 0,
  };
}

export function emptyReadouts(checkpoints: number[], n: number, units: number): Readouts[] {
  return checkpoints.map((t) => ({
    t,
    count: new Int32Array(n * units),
    charge: new Int32Array(n * units),
    firstSpike: new Int32Array(n * units).fill(-1),
  }));
}

/** Fan-out tables: of the input into layer 0, and of each layer's output into the next (zeros after the last). */
export function fanOuts(net: SpikingNet): { input: Uint32Array; layers: Uint32Array[] } {
  const L = net.layers;
  return {
    input: fanOut(net.input.shape, L[0]!.synapse),
    layers: L.map((l, k) => (k + 1 < L.length ? fanOut(l.output, L[k + 1]!.synapse) : new Uint32Array(l.output[0] * l.output[1]))),
  };
}

/** Checks TemporalOptions.record against the net; the recorded neuron indices. */
export function recordedNeurons(net: SpikingNet, record: TemporalRecordOptions): Int32Array {
  const L = net.layers.length;
  if (!Number.isInteger(record.layer) || record.layer < 0 || record.layer >= L) {
    throw new RangeError(`record.layer is ${record.layer}, expected a layer index 0..${L - 1}`);
  }
  const size = shapeSize(net.layers[record.layer]!.neuronShape);
  const neurons = record.neurons ?? Array.from({ length: size }, (_, i) => i);
  for (const j of neurons) {
    if (!Number.isInteger(j) || j < 0 || j >= size) {
      throw new RangeError(`record.neurons holds ${j}, expected neuron indices 0..${size - 1} of layer '${net.layers[record.layer]!.name}'`);
    }
  }
  return Int32Array.from(neurons);
}

/** An empty recording of `timesteps` steps of n samples (firstSpike -1). */
export function emptyRecording(layer: number, neurons: Int32Array, timesteps: number, n: number, units: number): TemporalRecording {
  const steps: RecordedStep[] = emptyReadouts(Array.from({ length: timesteps }, (_, t) => t + 1), n, units)
    .map((r) => ({ ...r, membrane: new Int32Array(n * units) }));
  return { layer, neurons, spikes: new Uint8Array(timesteps * n * neurons.length), steps };
}

/** Runs the batch for `timesteps` steps and records the last layer at every checkpoint. */
export function simulate(net: SpikingNet, input: IntBatch, opts: TemporalOptions): TemporalResult {
  checkNet(net);
  checkInput(net, input);
  const T = opts.timesteps;
  const checkpoints = normaliseCheckpoints(opts.checkpoints, T);
  const encoding = opts.encoding ?? { kind: 'constant' };
  const resetMode = opts.reset ?? 'subtract';
  const sampleOffset = opts.sampleOffset ?? 0;
  const L = net.layers;
  const last = L.length - 1;
  const units = readoutUnits(net);
  const inSize = shapeSize(net.input.shape);
  const { maxInput } = net.input;
  const rate = encoding.kind === 'poisson';
  const records = emptyReadouts(checkpoints, input.n, units);
  const stats = emptyStats(net, T, !rate);
  const fans = fanOuts(net);
  const inputC = net.input.shape[2];
  const recNeurons = opts.record ? recordedNeurons(net, opts.record) : null;
  const recording = recNeurons ? emptyRecording(opts.record!.layer, recNeurons, T, input.n, units) : undefined;

  for (let s = 0; s < input.n; s++) {
    const x = input.data.subarray(s * inSize, (s + 1) * inSize);
    const v = L.map((l) => {
      const c = l.neuronShape[2];
      return Int32Array.from({ length: shapeSize(l.neuronShape) }, (_, j) => l.neurons.v0[j % c]!);
    });
    const pools = L.map((l) => (l.maxPool ? maxPoolState(l.neuronShape, l.output) : null));
    const count = new Int32Array(units);
    const chg = new Int32Array(units);
    const first = new Int32Array(units).fill(-1);
    // inputs are clipped to 0..maxInput (the rate encoding clips in spikeProbability23)
    const constantInput = rate ? null : synapticInput(L[0]!, Int32Array.from(x, (xi) => Math.min(xi, maxInput)));
    const p23 = rate ? Int32Array.from(x, (xi) => spikeProbability23(xi, maxInput)) : null;
    const frame = new Int32Array(inSize);
    let ci = 0;

    for (let t = 0; t < T; t++) {
      if (rate && encoding.kind === 'poisson') {
        let spikes = 0, synops = 0;
        for (let i = 0; i < inSize; i++) {
          const sp = bernoulli(spikeRandom(encoding.seed >>> 0, sampleOffset + s, t, i), p23![i]!) ? 1 : 0;
          frame[i] = sp;
          spikes += sp;
          if (sp) synops += fans.input[Math.floor(i / inputC)]!;
        }
        stats.input.spikes[t]! += spikes;
        stats.input.synops[t]! += synops;
      }
      let prev: Int32Array = frame;
      L.forEach((layer, k) => {
        const I = k === 0 && constantInput ? constantInput : synapticInput(layer, prev);
        const gain = k === 0 && rate ? layer.neurons.gain * maxInput : layer.neurons.gain;
        const { bias, theta } = layer.neurons;
        const c = layer.neuronShape[2];
        const vk = v[k]!;
        const sp = new Int32Array(vk.length);
        let spikes = 0;
        for (let j = 0; j < vk.length; j++) {
          const ch = j % c;
          const i = current(gain, I[j]!, bias[ch]!);
          let vj = charge(vk[j]!, i);
          if (k === last) chg[j] = charge(chg[j]!, i);
          if (theta && fire(vj, theta[ch]!)) {
            vj = reset(vj, theta[ch]!, resetMode);
            sp[j] = 1;
            spikes++;
            if (k === last) {
              count[j]!++;
              if (first[j]! < 0) first[j] = t;
            }
          }
          vk[j] = vj;
        }
        if (recording && k === recording.layer) {
          const J = recNeurons!.length;
          const at = (t * input.n + s) * J;
          for (let j = 0; j < J; j++) recording.spikes[at + j] = sp[recNeurons![j]!]!;
        }
        if (recording && k === last) {
          const step = recording.steps[t]!;
          step.count.set(count, s * units);
          step.charge.set(chg, s * units);
          step.firstSpike.set(first, s * units);
          step.membrane.set(vk, s * units);
        }
        let out = sp;
        if (layer.maxPool) {
          out = new Int32Array(shapeSize(layer.output));
          maxPoolStep(sp, layer.neuronShape, layer.maxPool, layer.output, pools[k]!, out);
        }
        const oc = layer.output[2];
        const fan = fans.layers[k]!;
        let synops = 0;
        for (let i = 0; i < out.length; i++) if (out[i]) synops += fan[Math.floor(i / oc)]!;
        stats.layers[k]!.spikes[t]! += spikes;
        stats.layers[k]!.synops[t]! += synops;
        prev = out;
      });
      if (ci < checkpoints.length && checkpoints[ci] === t + 1) {
        const r = records[ci]!;
        r.count.set(count, s * units);
        r.charge.set(chg, s * units);
        r.firstSpike.set(first, s * units);
        ci++;
      }
    }
  }
  return { n: input.n, units, checkpoints: records, stats, ...(recording && { recording }) };
}
