// `spikemesh sweep <model> --data mnist --timesteps 256`: the temporal (rate-coded integrate-and-
// fire) mode's accuracy and SynOps at every checkpoint from one simulation, next to the source
// network's accuracy and MACs. A float tfjs model is normalised on calibration images first
// (max, percentile or ECC); a spikemesh model runs as the integer variant.
import type { Command } from 'commander';
import { UsageError, needsGpu } from '../main.js';
import { checkDataArg, checkOutputFile, writeFileAtomic } from './paths.js';
import { addScalingOptions, quietTfjs, scalingFrom } from './tfjs-options.js';
import { loadSource, modelFileKind } from './model-file.js';

interface SweepFlags {
  data?: string;
  timesteps: string;
  checkpoints?: string;
  limit?: string;
  method: string;
  percentile: string;
  tre?: string;
  calibration: string;
  calibrationData?: string;
  encoding: string;
  seed: string;
  reset: string;
  readout: string;
  backend: string;
  batch: string;
  scale?: string;
  shift?: string;
  json?: boolean;
  csv?: boolean;
  svg?: string;
}

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${v}: expected an integer >= ${min}`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError(`${flag} ${v}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

/** Reads up to `limit` images (and labels) of a dataset into one batch. */
async function readImages(spec: string, limit: number | undefined, what: string) {
  const { openDataset } = await import('../../index.js');
  const ds = await openDataset(spec);
  const n = Math.min(limit ?? ds.count, ds.count);
  const size = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  let o = 0;
  let labelled = true;
  for await (const b of ds.batches({ limit: n, batchSize: 1000 })) {
    images.set(b.images, o * size);
    if (b.labels) labels.set(b.labels, o);
    else labelled = false;
    o += b.n;
  }
  if (!labelled && what === 'evaluation') throw new Error(`dataset '${spec}' has no labels: a sweep needs labelled images`);
  return { images, labels, n, shape: ds.shape };
}

export function register(program: Command): void {
  const cmd = program
    .command('sweep')
    .description('accuracy and SynOps versus timesteps of the temporal (integrate-and-fire) mode, from one simulation; '
      + 'a float model trained on pixel / 255 needs --scale 255')
    .argument('<model>', 'a float tfjs model (model.json) or a spikemesh model (.json with its .bin)')
    .requiredOption('--data <dataset>', "labelled images: 'mnist', 'fashion-mnist[:test|:train]', a PNG directory or an IDX file")
    .option('--timesteps <T>', 'steps to simulate', '256')
    .option('--checkpoints <list>', 'steps at which to read the accuracy, e.g. 1,2,4,8 (default: powers of two up to T, and T)')
    .option('--limit <n>', 'evaluate the first n images (default: all)')
    .option('--method <m>', 'float models: normalisation max, percentile or ecc (ECC current normalisation + TRE)', 'ecc')
    .option('--percentile <p>', "the percentile of --method percentile", '99.9')
    .option('--tre <fraction>', 'initial membrane as a fraction of the threshold (default 0.5 for ecc, else 0)')
    .option('--calibration <n>', 'float models: images used to measure the activations', '500')
    .option('--calibration-data <dataset>', 'where the calibration images come from (default: the last images of --data)')
    .option('--encoding <e>', 'input encoding: constant (current) or poisson (rate)', 'constant')
    .option('--seed <s>', 'seed of the poisson encoding', '1')
    .option('--reset <r>', 'reset after a spike: subtract or zero', 'subtract')
    .option('--readout <r>', 'class decision: count, potential or first-spike', 'count')
    .option('--backend <b>', 'webgpu or reference', 'webgpu')
    .option('--batch <n>', 'samples per simulation call', '500')
    .option('--json', 'print the report as JSON')
    .option('--csv', 'print the checkpoints as CSV')
    .option('--svg <file>', 'write a plot of accuracy and MOps versus T');
  addScalingOptions(cmd).action(async (modelPath: string, f: SweepFlags) => {
    const backend = oneOf('--backend', f.backend, ['webgpu', 'reference'] as const);
    const timesteps = int('--timesteps', f.timesteps, 1);
    const checkpoints = f.checkpoints?.split(',').map((s) => int('--checkpoints', s.trim(), 1));
    if (checkpoints?.some((c) => c > timesteps)) throw new UsageError(`--checkpoints ${f.checkpoints}: every checkpoint must be <= --timesteps ${timesteps}`);
    const method = oneOf('--method', f.method, ['max', 'percentile', 'ecc'] as const);
    const percentile = Number(f.percentile);
    if (!(percentile > 0 && percentile <= 100)) throw new UsageError(`--percentile ${f.percentile}: expected a number in (0, 100]`);
    const tre = f.tre === undefined ? undefined : Number(f.tre);
    if (tre !== undefined && !(tre >= 0 && tre < 1)) throw new UsageError(`--tre ${f.tre}: expected a fraction in [0, 1)`);
    const encodingKind = oneOf('--encoding', f.encoding, ['constant', 'poisson'] as const);
    const seed = int('--seed', f.seed, 0);
    const reset = oneOf('--reset', f.reset, ['subtract', 'zero'] as const);
    const readout = oneOf('--readout', f.readout, ['count', 'potential', 'first-spike'] as const);
    const calibrationCount = int('--calibration', f.calibration, 1);
    const batch = int('--batch', f.batch, 1);
    const limit = f.limit === undefined ? undefined : int('--limit', f.limit, 1);
    if (f.json && f.csv) throw new UsageError('--json and --csv: choose one');
    const scaling = scalingFrom(f);
    if (scaling.shift !== 0) throw new UsageError('--shift: the temporal mode supports a scale only (float input = integer input / scale)');
    await checkDataArg('--data', f.data!);
    if (f.calibrationData) await checkDataArg('--calibration-data', f.calibrationData);
    if (f.svg) await checkOutputFile('--svg', f.svg, 'plot');
    if (backend === 'webgpu') needsGpu();

    const t = await import('../../temporal.js');
    const isTfjs = (await modelFileKind(modelPath)) === 'source';
    // the model first, then the dataset's shape against it, before any image is read or simulated
    let floatNet;
    let spec;
    let want: readonly number[];
    if (isTfjs) {
      await quietTfjs();
      const cv = await import('../../convert.js');
      floatNet = cv.floatNetFromTfjs(await loadSource(modelPath));
      want = floatNet.input;
    } else {
      const { inferShapes, loadModel } = await import('../../index.js');
      spec = await loadModel(modelPath);
      want = inferShapes(spec.layers).inputs[0]!;
    }
    const { openDataset } = await import('../../index.js');
    for (const ds of [f.data!, f.calibrationData]) {
      if (ds === undefined || (ds === f.calibrationData && !isTfjs)) continue;
      const shape = (await openDataset(ds)).shape;
      if (shape.some((d, i) => d !== want[i])) throw new Error(`dataset '${ds}' has images of shape [${shape}], the model expects [${want}]`);
    }
    const data = await readImages(f.data!, limit, 'evaluation');
    let net;
    let sourceAccuracy: number;
    if (floatNet) {
      const cv = await import('../../convert.js');
      const inputScale = 1 / scaling.scale;
      // calibration images: --calibration-data, or the last images of the dataset
      const cal = f.calibrationData
        ? await readImages(f.calibrationData, calibrationCount, 'calibration')
        : await (async () => {
          const all = await readImages(f.data!, undefined, 'calibration');
          const n = Math.min(calibrationCount, all.n);
          const size = all.images.length / all.n;
          return { ...all, images: all.images.subarray((all.n - n) * size), n };
        })();
      const calibration = cv.calibrateActivations(floatNet, cal.images, cal.n, inputScale, { percentiles: method === 'percentile' ? [percentile] : [] });
      net = t.spikingNetFromFloat(floatNet, calibration, { method, percentile, tre, inputScale });
      const pred = cv.floatPredict(floatNet, data.images, data.n, inputScale);
      sourceAccuracy = t.readoutAccuracy(pred, data.labels).accuracy;
    } else {
      const { referenceClasses } = await import('../../convert.js');
      net = t.spikingNetFromModel(spec!);
      sourceAccuracy = t.readoutAccuracy(referenceClasses(spec!, data.images, data.n), data.labels).accuracy;
    }
    let runner;
    if (backend === 'webgpu') {
      const { defaultDevice, GpuRunner } = await import('../../index.js');
      runner = new GpuRunner((await defaultDevice()).device);
    }
    const report = await t.sweep(net, { data: Int32Array.from(data.images), n: data.n, shape: data.shape }, data.labels, {
      timesteps, checkpoints, encoding: encodingKind === 'poisson' ? { kind: 'poisson', seed } : { kind: 'constant' },
      reset, readout, backend, runner, batchSize: batch,
    }, sourceAccuracy);
    runner?.dispose();
    if (f.svg) await writeFileAtomic(f.svg, t.sweepSvg(report));
    process.stdout.write(f.json ? `${JSON.stringify(report, null, 2)}\n` : f.csv ? t.sweepCsv(report) : `${t.formatSweepTable(report)}\n`);
  });
}
