// One model, four engines, one adapter, one process: (a) spikemesh on WebGPU (generic conv
// kernels, and kernels with the weights compiled in, GpuModelOptions.specialize), (b) the integer
// reference, (c) tfjs-backend-webgpu running the float model on the same GPUDevice, (d) the tfjs
// CPU backend; then where spikemesh's GPU time goes and how its conv kernels compare with the
// adapter's integer multiply-add peak. The committed MNIST models are used when present; else
// the synthetic network of bench/engine.ts and a float twin of the same shapes.
import { existsSync } from 'node:fs';
import type * as tf from '@tensorflow/tfjs';
import { loadTfjsModel } from '../src/convert/tfjs-io.js';
import type { AcquiredDevice } from '../src/gpu/device.js';
import type { GpuRunner } from '../src/gpu/runner.js';
import { loadModel } from '../src/ir/files.js';
import type { InputScaling, IntBatch, ModelSpec } from '../src/ir/types.js';
import type { Specialization } from '../src/engine/specialize.js';
import { GpuModel } from '../src/engine/run.js';
import { mnistBatch, mnistBenchModel, timeEngines, type EngineBenchResult } from './engine.js';
import { efficiency, total, usefulMacs, type LayerEfficiency } from './macs.js';
import type { PeakResult } from './peak.js';
import { benchFloatTwin, shareDeviceWithTfjs, timeTfjs, type TfjsTiming } from './tfjs.js';

const ROOT = new URL('../', import.meta.url).pathname;
export const COMMITTED_MODEL = `${ROOT}models/mnist-cnn-q4.akida.json`;
export const COMMITTED_FLOAT = `${ROOT}models/mnist-cnn/model.json`;

export interface CompareOptions {
  /** spikemesh batch (default 1000) */
  batch?: number;
  /** samples tfjs-backend-webgpu is timed on (default 100: it is slow on CPU adapters) */
  tfjsSamples?: number;
  /** samples the tfjs CPU backend is timed on (default 200) */
  cpuSamples?: number;
  /** samples the reference is timed on (default 200) */
  referenceSamples?: number;
  /** a spikemesh model and the float tfjs model.json it came from (default: the committed ones) */
  model?: string;
  float?: string;
}

export interface ComparedModel {
  source: 'committed' | 'given' | 'synthetic';
  name: string;
  spikemesh?: string;
  float?: string;
  note?: string;
}

/** spikemesh on WebGPU with one kind of conv kernels. */
export interface EngineVariant {
  specialize: Specialization;
  engines: EngineBenchResult;
  ratios: { vsTfjsWebgpu: number; vsReference: number; vsTfjsCpu: number };
  layers: LayerEfficiency[];
  /** the conv-kind layers (InputConvolutional, Convolutional, SeparableConvolutional) together */
  conv: ReturnType<typeof total>;
}

export interface CompareResult {
  model: ComparedModel;
  /** generic kernels ('never') and weight-specialised kernels ('auto') */
  variants: EngineVariant[];
  /** the best reference rate of the variants' alternated runs */
  reference: EngineBenchResult['reference'];
  tfjsWebgpu: TfjsTiming;
  tfjsCpu: TfjsTiming;
}

async function pickModel(opts: CompareOptions, input: IntBatch): Promise<{ spec: ModelSpec; float: () => Promise<tf.LayersModel> | tf.LayersModel; scaling: InputScaling; info: ComparedModel }> {
  if ((opts.model === undefined) !== (opts.float === undefined)) {
    throw new Error('the comparison needs both a spikemesh model and its float tfjs model (BENCH_MODEL and BENCH_FLOAT, or --model and --float)');
  }
  const given = opts.model !== undefined;
  const spikemesh = opts.model ?? COMMITTED_MODEL;
  const float = opts.float ?? COMMITTED_FLOAT;
  if (given || (existsSync(spikemesh) && existsSync(float))) {
    const spec = await loadModel(spikemesh);
    return {
      spec,
      float: () => loadTfjsModel(float),
      scaling: spec.inputScaling ?? { scale: 1, shift: 0 },
      info: { source: given ? 'given' : 'committed', name: spec.name ?? spikemesh, spikemesh, float },
    };
  }
  const calib = { ...input, n: Math.min(64, input.n), data: input.data.subarray(0, Math.min(64, input.n) * 784) };
  return {
    spec: mnistBenchModel(calib),
    float: () => benchFloatTwin(false),
    scaling: { scale: 255, shift: 0 },
    info: {
      source: 'synthetic',
      name: 'mnist-bench (synthetic, random weights)',
      note: `no committed model (${COMMITTED_MODEL.slice(ROOT.length)} with ${COMMITTED_FLOAT.slice(ROOT.length)}): `
        + 'the synthetic 4-layer network of bench/engine.ts, and for tfjs a float network of the same shapes with random weights',
    },
  };
}

/** Runs the comparison; `peak` from bench/peak.ts measured in the same process. */
export async function compareEngines(acquired: AcquiredDevice, runner: GpuRunner, peak: PeakResult, opts: CompareOptions = {}): Promise<CompareResult> {
  const batch = opts.batch ?? 1000;
  const input = await mnistBatch(batch);
  const { spec, float, scaling, info } = await pickModel(opts, input);
  const timed = [];
  for (const specialize of ['never', 'auto'] as const) {
    timed.push({ specialize, engines: await timeEngines(runner, spec, input, { referenceSamples: opts.referenceSamples, specialize }) });
  }
  const reference = timed.map((t) => t.engines.reference).reduce((a, b) => (b.samplesPerSecond > a.samplesPerSecond ? b : a));

  // every layer's output once, for the event counts
  const model = await GpuModel.create(runner, spec);
  let macs;
  try {
    const all = await model.forward(input, { keepAll: true });
    macs = usefulMacs(spec, input, all.layers!);
  } finally {
    model.dispose();
  }

  const tfjsCpu = await timeTfjs(float, input, { backend: 'cpu', samples: opts.cpuSamples ?? 200, scaling });
  await shareDeviceWithTfjs(acquired);
  const tfjsWebgpu = await timeTfjs(float, input, { backend: 'webgpu', samples: opts.tfjsSamples ?? 100, scaling });
  const variants = timed.map(({ specialize, engines }): EngineVariant => {
    const layers = efficiency(macs, engines.profile ?? [], peak.macsPerSecond);
    const ours = engines.webgpu.samplesPerSecond;
    return {
      specialize,
      engines,
      ratios: {
        vsTfjsWebgpu: ours / tfjsWebgpu.samplesPerSecond,
        vsReference: ours / reference.samplesPerSecond,
        vsTfjsCpu: ours / tfjsCpu.samplesPerSecond,
      },
      layers,
      conv: total(layers.filter((l) => l.kind !== 'FullyConnected'), peak.macsPerSecond),
    };
  });
  return { model: info, variants, reference, tfjsWebgpu, tfjsCpu };
}
