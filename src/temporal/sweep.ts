// Accuracy and energy versus timesteps from one simulation: the readouts are recorded at the
// checkpoints of a single run (a run of t steps is the first t steps of a longer one), and the
// SynOps are summed per step, so every checkpoint gets its accuracy and its cumulative SynOps.
import type { GpuRunner } from '../gpu/runner.js';
import type { IntBatch } from '../ir/types.js';
import { GpuSpikingNet, type GpuTemporalOptions } from './gpu.js';
import { normaliseCheckpoints, readoutUnits } from './net.js';
import { accuracy, predictions } from './readout.js';
import { simulate } from './simulate.js';
import type { Encoding, ReadoutKind, ResetMode, SpikingNet, TemporalResult } from './types.js';

export type TemporalBackend = 'webgpu' | 'reference';

export interface SweepOptions {
  timesteps: number;
  /** default: powers of two up to timesteps, and timesteps */
  checkpoints?: number[];
  encoding?: Encoding;
  reset?: ResetMode;
  readout?: ReadoutKind;
  backend?: TemporalBackend;
  /** required for 'webgpu' */
  runner?: GpuRunner;
  gpu?: GpuTemporalOptions;
  /** samples per simulation call (progress granularity), default 500 */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SweepRow {
  t: number;
  accuracy: number;
  correct: number;
  /** synaptic operations per sample in steps 0..t-1 */
  synops: number;
  /** synops plus the first layer's MACs on a constant input (done once per sample) */
  ops: number;
  /** spikes per sample in steps 0..t-1, all layers */
  spikes: number;
}

export interface LayerSummary {
  name: string;
  neurons: number;
  /** spikes per sample over the whole run */
  spikes: number;
  /** spikes per neuron per step */
  rate: number;
  /** SynOps per sample its spikes caused downstream */
  synops: number;
}

export interface SweepReport {
  model: string;
  variant: SpikingNet['variant'];
  metadata: Record<string, unknown>;
  n: number;
  timesteps: number;
  encoding: string;
  reset: ResetMode;
  readout: ReadoutKind;
  backend: TemporalBackend;
  /** MACs per sample of the source network */
  sourceMacs: number;
  /** accuracy of the source network on the same samples, when known */
  sourceAccuracy: number | null;
  rows: SweepRow[];
  layers: LayerSummary[];
  /** per sample, over the whole run */
  input: { spikes: number; synops: number; macs: number };
  /** per step t = 0..T-1, per sample: spikes, firing rate (spikes per neuron) and SynOps of each layer */
  perStep: Array<{ name: string; spikes: number[]; rate: number[]; synops: number[] }>;
  seconds: number;
}

/** 1, 2, 4, ... up to T, and T. */
export function defaultCheckpoints(timesteps: number): number[] {
  const out: number[] = [];
  for (let t = 1; t < timesteps; t *= 2) out.push(t);
  out.push(timesteps);
  return out;
}

function cumulative(per: Float64Array, t: number): number {
  let s = 0;
  for (let i = 0; i < t; i++) s += per[i]!;
  return s;
}

/** Runs the images through the spiking net once and reads accuracy and SynOps at every checkpoint. */
export async function sweep(net: SpikingNet, images: IntBatch, labels: ArrayLike<number>, opts: SweepOptions, sourceAccuracy: number | null = null): Promise<SweepReport> {
  const T = opts.timesteps;
  const checkpoints = normaliseCheckpoints(opts.checkpoints ?? defaultCheckpoints(T), T);
  const backend = opts.backend ?? 'webgpu';
  const readout = opts.readout ?? 'count';
  const encoding = opts.encoding ?? { kind: 'constant' };
  const reset = opts.reset ?? 'subtract';
  if (labels.length < images.n) throw new RangeError(`${images.n} images but ${labels.length} labels`);
  if (backend === 'webgpu' && !opts.runner) throw new Error("sweep: the 'webgpu' backend needs a GpuRunner");
  const units = readoutUnits(net);
  const size = images.data.length / images.n;
  const batch = opts.batchSize ?? 500;
  const correct = new Array<number>(checkpoints.length).fill(0);
  const L = net.layers.length;
  const spikes = Array.from({ length: L }, () => new Float64Array(T));
  const synops = Array.from({ length: L }, () => new Float64Array(T));
  const inSpikes = new Float64Array(T), inSynops = new Float64Array(T);
  let inputMacs = 0;
  const gpu = backend === 'webgpu' ? new GpuSpikingNet(opts.runner!, net, opts.gpu) : null;
  const start = Date.now();
  try {
    for (let s0 = 0; s0 < images.n; s0 += batch) {
      const m = Math.min(batch, images.n - s0);
      const part: IntBatch = { data: images.data.subarray(s0 * size, (s0 + m) * size), n: m, shape: images.shape };
      const runOpts = { timesteps: T, checkpoints, encoding, reset, sampleOffset: s0 };
      const r: TemporalResult = gpu
        ? await opts.runner!.checked('temporal sweep', () => gpu.run(part, runOpts))
        : simulate(net, part, runOpts);
      r.checkpoints.forEach((c, i) => {
        const pred = predictions(c, units, net.readoutScale, readout);
        correct[i]! += accuracy(pred, Array.from({ length: m }, (_, j) => labels[s0 + j]!)).correct;
      });
      r.stats.layers.forEach((l, k) => {
        for (let t = 0; t < T; t++) {
          spikes[k]![t]! += l.spikes[t]!;
          synops[k]![t]! += l.synops[t]!;
        }
      });
      for (let t = 0; t < T; t++) {
        inSpikes[t]! += r.stats.input.spikes[t]!;
        inSynops[t]! += r.stats.input.synops[t]!;
      }
      inputMacs = r.stats.inputMacs;
      opts.onProgress?.(s0 + m, images.n);
      // the reference backend computes synchronously: let a page repaint its progress between batches
      if (!gpu) await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    gpu?.dispose();
  }
  const n = images.n;
  const rows = checkpoints.map((t, i) => {
    const syn = (cumulative(inSynops, t) + synops.reduce((a, s) => a + cumulative(s, t), 0)) / n;
    return {
      t,
      accuracy: correct[i]! / n,
      correct: correct[i]!,
      synops: syn,
      ops: syn + inputMacs,
      spikes: spikes.reduce((a, s) => a + cumulative(s, t), 0) / n,
    };
  });
  return {
    model: net.name ?? 'model',
    variant: net.variant,
    metadata: net.metadata ?? {},
    n,
    timesteps: T,
    encoding: encoding.kind === 'poisson' ? `poisson (seed ${encoding.seed})` : 'constant',
    reset,
    readout,
    backend,
    sourceMacs: net.sourceMacs,
    sourceAccuracy,
    rows,
    layers: net.layers.map((l, k) => {
      const total = cumulative(spikes[k]!, T) / n;
      const neurons = l.neuronShape[0] * l.neuronShape[1] * l.neuronShape[2];
      return { name: l.name, neurons, spikes: total, rate: total / (neurons * T), synops: cumulative(synops[k]!, T) / n };
    }),
    input: { spikes: cumulative(inSpikes, T) / n, synops: cumulative(inSynops, T) / n, macs: inputMacs },
    perStep: [
      { name: 'input', neurons: images.data.length / n, spikes: inSpikes, synops: inSynops },
      ...net.layers.map((l, k) => ({ name: l.name, neurons: l.neuronShape[0] * l.neuronShape[1] * l.neuronShape[2], spikes: spikes[k]!, synops: synops[k]! })),
    ].map((l) => ({
      name: l.name,
      spikes: Array.from(l.spikes, (x) => x / n),
      rate: Array.from(l.spikes, (x) => x / (n * l.neurons)),
      synops: Array.from(l.synops, (x) => x / n),
    })),
    seconds: (Date.now() - start) / 1000,
  };
}
