// The engine benchmark: a 4-layer MNIST-sized spiking network (InputConvolutional 3x3x16 +
// max pool, Convolutional 3x3x32 + max pool, Convolutional 3x3x64, FullyConnected 10; 4-bit
// weights and activations), random weights with thresholds calibrated on real digits so that
// activations are sparse, run on the WebGPU engine and on the reference in the same process.
import { mnistDataset } from '../src/data/mnist.js';
import { toIntBatch } from '../src/data/batch.js';
import type { GpuRunner } from '../src/gpu/runner.js';
import { convPotentials, densePotentials, referenceForward } from '../src/reference/index.js';
import { GpuModel, type KernelTiming } from '../src/engine/run.js';
import type { Specialization } from '../src/engine/specialize.js';
import { inferShapes, shapeSize } from '../src/ir/shapes.js';
import type { Activation, IntBatch, Layer, ModelSpec, Pooling } from '../src/ir/types.js';
import { validateModel } from '../src/ir/validate.js';
import { mulberry32, randomWeights } from '../test/helpers/random-model.js';

/** Real MNIST digits as 8-bit input (the `mnist` package, interleaved classes). */
export async function mnistBatch(n: number): Promise<IntBatch> {
  const ds = await mnistDataset();
  for await (const b of ds.batches({ batchSize: n, limit: n })) return toIntBatch(b);
  throw new Error('mnist: no images');
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Per channel: threshold at the `fire` quantile of the potentials seen on `calib`, and a step
 * that spreads the rest over the activation levels (Akida: out = ceil((p - T) / step)).
 */
function calibrate(potentials: Int32Array, channels: number, bits: 1 | 2 | 4, fire: number): Activation {
  const per = potentials.length / channels;
  const threshold = new Int32Array(channels);
  const actStep16 = new Uint32Array(channels);
  const levels = (1 << bits) - 1;
  for (let c = 0; c < channels; c++) {
    const v = new Float64Array(per);
    for (let i = 0; i < per; i++) v[i] = potentials[i * channels + c]!;
    v.sort();
    const t = Math.round(quantile(v, 1 - fire));
    const top = quantile(v, 0.999);
    threshold[c] = t;
    actStep16[c] = Math.max(1, Math.min(65535, Math.round((16 * Math.max(top - t, 1)) / levels)));
  }
  return { bits, threshold, actStep16 };
}

export interface BenchModelOptions {
  seed?: number;
  /** share of potentials above threshold, per layer, before pooling (default 0.1) */
  fire?: number;
  /** third layer separable instead of a full conv */
  separable?: boolean;
}

/**
 * The benchmark network. Thresholds are calibrated layer by layer on `calib`: the layer is
 * run without activation to get its potentials, then its threshold is put at a quantile.
 */
export function mnistBenchModel(calib: IntBatch, opts: BenchModelOptions = {}): ModelSpec {
  const rng = mulberry32(opts.seed ?? 7);
  const fire = opts.fire ?? 0.1;
  const pool: Pooling = { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' };
  const none: Pooling = { type: 'none' };
  const conv = (name: string, cin: number, filters: number, pooling: Pooling): Layer => ({
    name, kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters, weightBits: 4,
    weights: randomWeights(rng, 9 * cin * filters, 4), pooling, activation: null,
  });
  const layers: Layer[] = [
    {
      name: 'conv1', kind: 'InputConvolutional', inputShape: [28, 28, 1], inputBits: 8, kernel: [3, 3], stride: 1,
      padding: 'same', filters: 16, weightBits: 4, weights: randomWeights(rng, 9 * 16, 4), pooling: pool, activation: null,
    },
    conv('conv2', 16, 32, pool),
    opts.separable
      ? {
          name: 'sep3', kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 64, weightBits: 4,
          depthwise: randomWeights(rng, 9 * 32, 4), pointwise: randomWeights(rng, 32 * 64, 4), pooling: none, activation: null,
        }
      : conv('conv3', 32, 64, none),
    { name: 'fc', kind: 'FullyConnected', units: 10, weightBits: 4, weights: randomWeights(rng, 7 * 7 * 64 * 10, 4), activation: null },
  ];
  // Calibrate each hidden layer on the previous layers' outputs.
  let x = calib;
  const shapes = inferShapes(layers);
  for (let k = 0; k < layers.length - 1; k++) {
    const layer = layers[k] as Exclude<Layer, { kind: 'InputData' }> & { activation: Activation | null };
    const input = shapes.inputs[k]!;
    const size = shapeSize(input);
    const pots: Int32Array[] = [];
    for (let s = 0; s < x.n; s++) {
      const xs = x.data.subarray(s * size, (s + 1) * size);
      if (layer.kind === 'SeparableConvolutional') {
        // potentials of the separable layer = its output without activation or pooling
        const probe = { ...layer, pooling: none, activation: null };
        pots.push(referenceForward({ version: 1, layers: [{ name: 'in', kind: 'InputData', inputShape: input, inputBits: 8 }, probe] },
          { data: xs.map((v) => Math.min(v, 255)), n: 1, shape: input }).output.data);
      } else if (layer.kind === 'FullyConnected') {
        pots.push(densePotentials(xs, layer.weights, layer.units));
      } else {
        pots.push(convPotentials(xs, { input, kernel: layer.kernel, stride: layer.stride, padding: layer.padding },
          layer.weights, layer.filters, layer.kind === 'Convolutional').data);
      }
    }
    const all = new Int32Array(pots.reduce((s, p) => s + p.length, 0));
    pots.reduce((o, p) => (all.set(p, o), o + p.length), 0);
    const channels = layer.kind === 'FullyConnected' ? layer.units : layer.filters;
    layer.activation = calibrate(all, channels, 4, fire);
    x = referenceForward({ version: 1, layers: layers.slice(0, k + 1) }, calib).output;
  }
  return validateModel({ version: 1, name: 'mnist-bench', layers }, 'mnistBenchModel');
}

export interface EngineBenchOptions {
  batch?: number;
  /** timed runs of each engine after a warm-up (default 3; the best is kept) */
  runs?: number;
  /** samples the reference is timed on (default min(batch, 200)); its rate is per sample */
  referenceSamples?: number;
  separable?: boolean;
  fire?: number;
  /** conv kernels with the weights compiled in (GpuModelOptions.specialize; default 'never') */
  specialize?: Specialization;
}

export interface EngineBenchResult {
  batch: number;
  /** non-zero outputs per layer / outputs per layer, over the batch */
  density: number[];
  /** setupSeconds: GpuModel.create and a first one-sample forward (pipeline compilation) */
  webgpu: { samplesPerSecond: number; bestSeconds: number; runs: number; chunks: number; setupSeconds: number };
  reference: { samplesPerSecond: number; bestSeconds: number; samples: number };
  ratio: number;
  /** identical outputs and spike counts on the samples both ran */
  identical: boolean;
  profile?: KernelTiming[];
}

/** Times the GPU engine and the reference on the bench network and real digits. */
export async function benchEngine(runner: GpuRunner, opts: EngineBenchOptions = {}): Promise<EngineBenchResult> {
  const batch = opts.batch ?? 1000;
  const input = await mnistBatch(batch);
  const calib = { ...input, n: Math.min(64, batch), data: input.data.subarray(0, Math.min(64, batch) * 784) };
  const spec = mnistBenchModel(calib, { separable: opts.separable, fire: opts.fire });
  return timeEngines(runner, spec, input, opts);
}

/**
 * Times any model on the GPU engine (one untimed warm-up, best of `runs`; per dispatch, the least of `runs` profiled passes)
 * and on the reference (per sample, on the first `referenceSamples`), in this process.
 */
export async function timeEngines(runner: GpuRunner, spec: ModelSpec, input: IntBatch, opts: Omit<EngineBenchOptions, 'batch' | 'separable' | 'fire'> = {}): Promise<EngineBenchResult> {
  const batch = input.n;
  const size = shapeSize(input.shape);
  const t0 = performance.now();
  const model = await GpuModel.create(runner, spec, { specialize: opts.specialize });
  try {
    await model.forward({ ...input, n: Math.min(1, batch), data: input.data.subarray(0, Math.min(1, batch) * size) });
    const setupSeconds = (performance.now() - t0) / 1000;
    // Warm-up: fills the buffer pool.
    const first = await model.forward(input);
    const refN = Math.min(batch, opts.referenceSamples ?? 200);
    const refInput = { ...input, n: refN, data: input.data.subarray(0, refN * size) };
    referenceForward(spec, { ...input, n: Math.min(5, batch), data: input.data.subarray(0, Math.min(5, batch) * size) });
    // Timed runs alternate between the engines, so a change of load on the shared machine
    // hits both; the best run of each counts.
    let best = Infinity;
    let refSeconds = Infinity;
    let ref = referenceForward(spec, { ...input, n: 0, data: new Int32Array(0) });
    const runs = opts.runs ?? 3;
    for (let r = 0; r < runs; r++) {
      let t0 = performance.now();
      await model.forward(input);
      best = Math.min(best, (performance.now() - t0) / 1000);
      t0 = performance.now();
      ref = referenceForward(spec, refInput);
      refSeconds = Math.min(refSeconds, (performance.now() - t0) / 1000);
    }
    // per dispatch, the least GPU time of `runs` profiled forwards (as the timed runs: best of)
    const profile = new Map<string, number>();
    for (let r = 0; r < runs; r++) {
      for (const k of (await model.forward(input, { profile: true })).profile ?? []) profile.set(k.label, Math.min(profile.get(k.label) ?? Infinity, k.ns));
    }
    const profiled = { profile: profile.size > 0 ? [...profile].map(([label, ns]) => ({ label, ns })) : undefined };
    const gpuPart = await model.forward(refInput);
    const identical = gpuPart.output.data.every((v, i) => v === ref.output.data[i]) && gpuPart.spikes.join() === ref.spikes.join();

    const sizes = inferShapes(spec.layers);
    const density = first.spikes.map((s, k) => s / (batch * shapeSize(sizes.inputs[k + 1] ?? sizes.output)));
    const webgpu = { samplesPerSecond: batch / best, bestSeconds: best, runs, chunks: first.chunks, setupSeconds };
    const reference = { samplesPerSecond: refN / refSeconds, bestSeconds: refSeconds, samples: refN };
    return { batch, density, webgpu, reference, ratio: webgpu.samplesPerSecond / reference.samplesPerSecond, identical, profile: profiled.profile };
  } finally {
    model.dispose();
  }
}
