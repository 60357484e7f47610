// `spikemesh eval <model> --data mnist`: accuracy, confusion matrix, per-layer spike statistics
// and throughput of a model on a dataset, streamed in batches. The model is a spikemesh model
// (.json + .bin), or a tfjs LayersModel converted on the fly (float models quantized with
// --wq/--aq/--iq first); then the float, quantized and spiking accuracies are printed side by
// side. --output writes one JSON line per sample (atomically).
import type { Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import type { Classifier, DatasetEvaluation, ImageBatch, ImageDataset, Model, ModelOptions, Specialization } from '../../index.js';
import { testPause } from '../child.js';
import { UsageError, needsGpu } from '../main.js';
import { progressBar } from '../progress.js';
import { checkDataArg, checkOutputFile } from './paths.js';
import { addQuantizeOptions, addScalingOptions, alignmentLine, bnFoldFrom, quantizationFrom, quietTfjs, scalingFrom, type TfjsModelOpts } from './tfjs-options.js';
import { loadSource, modelFileKind } from './model-file.js';

interface EvalFlags extends TfjsModelOpts {
  data: string;
  labels?: string;
  limit?: string;
  batch: string;
  backend: string;
  specialize?: string;
  json?: boolean;
  output?: string;
}

function int(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} ${v}: expected an integer >= ${min}`);
  return n;
}

/**
 * From this many samples eval compiles the weights into the conv shaders by default: on
 * SwiftShader the 4 to 5 s of compilation pay off after about 9,000 samples of the MNIST model
 * (1,560 vs 12,000 samples/s, bench/RESULTS.md); the 10,000 test digits take 7.1 s instead of 8.0.
 */
export const SPECIALIZE_FROM = 10_000;

/** --specialize when not given: by the number of samples the run evaluates. */
export const defaultSpecialization = (samples: number): Specialization => (samples >= SPECIALIZE_FROM ? 'auto' : 'never');


async function openData(f: EvalFlags): Promise<ImageDataset> {
  const data = await import('../../index.js');
  if (f.labels === undefined) return data.openDataset(f.data);
  const fs = await import('node:fs/promises');
  const stat = await fs.stat(f.data).catch(() => undefined);
  if (!stat?.isFile()) throw new UsageError(`--labels ${f.labels}: --data must then be an IDX images file, not '${f.data}'`);
  return data.idxDataset({ images: f.data, labels: f.labels });
}

interface Loaded {
  model: Model;
  kind: 'spikemesh' | 'tfjs';
  /** tfjs classifiers judged beside the spiking model (float and/or quantized) */
  compare: Record<string, Classifier>;
  notes: string[];
}

/** A spikemesh model, or a tfjs model converted on the fly with its tfjs classifiers. */
async function loadForEval(path: string, f: EvalFlags, options: ModelOptions): Promise<Loaded> {
  const kind = await modelFileKind(path);
  const { Model } = await import('../../index.js');
  const quantization = quantizationFrom(f);
  if (kind === 'spikemesh') {
    if (quantization) throw new UsageError(`--wq/--aq/--iq quantize a tfjs model; ${path} is a spikemesh model (already integer)`);
    if (f.scale !== '1' || f.shift !== '0') throw new UsageError(`--scale/--shift apply to tfjs models; a spikemesh model keeps its input scaling`);
    if (f.bnFold !== undefined) throw new UsageError(`--bn-fold applies to tfjs models; ${path} is a spikemesh model (already integer)`);
    return { model: await Model.load(path, options), kind: 'spikemesh', compare: {}, notes: [] };
  }
  const inputScaling = scalingFrom(f);
  const bnFold = bnFoldFrom(f);
  await quietTfjs();
  const tfjs = await import('@tensorflow/tfjs');
  await tfjs.setBackend('cpu');
  const cv = await import('../../convert.js');
  const source = await loadSource(path);
  const isQuantized = source.layers.some((l) => cv.isQuantizedLayer(l));
  if (!isQuantized && !quantization) {
    throw new UsageError(`${path} is a float tfjs model: give --wq and --aq (and --iq for the first layer) to quantize it on the fly`);
  }
  const quantized = quantization ? cv.quantize(source, quantization) : source;
  const alignment = f.align ? await cv.alignThresholds(quantized, { inputScaling, ...(bnFold && { bnFold }) }) : null;
  const result = await cv.analyze(quantized, { inputScaling, ...(bnFold && { bnFold }) });
  if (!result.spec) throw new cv.ConversionError(result.issues);
  const classifier = (m: tf.LayersModel): Classifier => (b: ImageBatch) => {
    const x = cv.imagesToTensor(b.images, b.n, b.shape, inputScaling);
    try {
      return cv.predictClasses(m, x);
    } finally {
      x.dispose();
    }
  };
  const compare: Record<string, Classifier> = {};
  if (!isQuantized) compare.float = classifier(source);
  compare.quantized = classifier(quantized);
  const notes = [...result.notes];
  for (const l of alignment?.layers ?? []) notes.push(alignmentLine(l));
  if (isQuantized && quantization) notes.push('the tfjs model was already quantized: re-quantized with the given bits, so "quantized" is the re-quantized model');
  return { model: new Model(result.spec, options), kind: 'tfjs', compare, notes };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

function formatText(r: DatasetEvaluation, info: { path: string; kind: string; backend: string; specialize: string; setupSeconds: number; adapter?: string; batch: number; classes?: readonly string[]; model: Model; notes: string[] }): string {
  const out: string[] = [];
  const spec = info.model.spec;
  out.push(`model: ${info.path} (${spec.name ?? 'unnamed'}, ${spec.layers.length} layers${info.kind === 'tfjs' ? ', converted from tfjs' : ''})`);
  out.push(`backend: ${info.backend}${info.adapter ? ` (${info.adapter})` : ''}, batch ${info.batch}${info.specialize !== 'never' && info.backend === 'webgpu' ? `, specialize ${info.specialize}` : ''}`);
  out.push(`data: ${r.dataset}, ${r.n} samples`);
  for (const n of info.notes) out.push(`note: ${n}`);
  out.push('');
  const names = Object.keys(r.compared);
  if (!r.labelled) {
    out.push('accuracy: - (the dataset has no labels)');
  } else if (names.length === 0) {
    out.push(`accuracy: ${pct(r.accuracy!)} (${r.correct} / ${r.n})`);
  } else {
    const label: Record<string, string> = { float: 'float (tfjs)', quantized: 'quantized (tfjs)' };
    out.push(`accuracy on ${r.n} samples:`);
    for (const k of names) {
      const c = r.compared[k]!;
      out.push(`  ${(label[k] ?? k).padEnd(22)} ${pct(c.accuracy!).padStart(7)}  (${c.correct} / ${r.n})`);
    }
    out.push(`  ${'spiking (spikemesh)'.padEnd(22)} ${pct(r.accuracy!).padStart(7)}  (${r.correct} / ${r.n})`);
    if (r.compared.quantized) out.push(`  spiking picks the quantized model's class on ${r.compared.quantized.sameAsModel} / ${r.n} samples`);
  }
  if (r.confusion) {
    out.push('', 'confusion matrix (rows: true class, columns: predicted class):', r.confusion.format(info.classes));
  }
  out.push('', `per-layer spike statistics (${r.n} samples):`);
  const rows = r.statistics.map((s) => [s.name, s.kind, String(s.outputs), s.spikesPerSample.toFixed(1), pct(s.sparsity)]);
  const head = ['layer', 'kind', 'outputs', 'spikes/sample', 'sparsity'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i < 2 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')}`;
  out.push(line(head), ...rows.map(line));
  const inside = info.backend === 'webgpu' ? 'upload, every layer, readback' : 'every layer';
  out.push('', `throughput: ${r.samplesPerSecond.toFixed(0)} samples/s on ${info.backend} (time inside forward: ${inside}; ${r.forwardSeconds.toFixed(2)} s)`);
  const extra = names.map((k) => `${k} tfjs ${r.compared[k]!.seconds.toFixed(1)} s`).join(', ');
  out.push(`wall time: ${r.seconds.toFixed(2)} s${extra ? ` (${extra}, on the tfjs CPU backend)` : ''}`
    + `${info.setupSeconds ? `; before it, ${info.setupSeconds.toFixed(2)} s of GPU setup (pipeline compilation)` : ''}`);
  return out.join('\n');
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('accuracy, confusion matrix, per-layer spike statistics and samples/s of a model on a dataset; '
      + 'a tfjs model is converted on the fly (--wq/--aq/--iq for a float one; --scale 255 if it was trained on pixel / 255)')
    .argument('<model>', 'a spikemesh model (.json with its .bin) or a tfjs LayersModel (model.json)')
    .requiredOption('--data <dataset>', "'mnist', 'fashion-mnist[:test|:train]', a PNG directory, or an IDX images file")
    .option('--labels <file>', 'IDX labels for an IDX images file --data (default: the matching ...-labels-idx1-ubyte file)')
    .option('--limit <n>', 'evaluate the first n samples (default: all)')
    .option('--batch <n>', 'samples per forward call (results do not depend on it)', '1000')
    .option('--backend <b>', 'webgpu or reference', 'webgpu')
    .option('--specialize <mode>', 'webgpu conv kernels with the weights compiled in: never, auto or always '
      + `(faster per sample, seconds of compilation per layer on CPU adapters; default: auto from ${SPECIALIZE_FROM} samples, never below)`)
    .option('--json', 'print the report as JSON')
    .option('--output <file>', 'write one JSON line per sample: index, label, predicted class, integer outputs');
  addScalingOptions(addQuantizeOptions(cmd)).action(async (path: string, f: EvalFlags) => {
    if (f.backend !== 'webgpu' && f.backend !== 'reference') throw new UsageError(`--backend ${f.backend}: expected webgpu or reference`);
    const backend: 'webgpu' | 'reference' = f.backend;
    if (f.specialize !== undefined && !['never', 'auto', 'always'].includes(f.specialize)) {
      throw new UsageError(`--specialize ${f.specialize}: expected never, auto or always`);
    }
    const batch = int('--batch', f.batch, 1);
    const limit = f.limit === undefined ? undefined : int('--limit', f.limit, 1);
    quantizationFrom(f); // usage errors before any work
    scalingFrom(f);
    if (f.labels === undefined) await checkDataArg('--data', f.data);
    // where the results go, before any work (exit 1: the run could not write them)
    if (f.output) await checkOutputFile('--output', f.output, 'per-sample output');
    if (backend === 'webgpu') needsGpu();
    await testPause('setup');

    const dataset = await openData(f);
    const total = Math.min(limit ?? dataset.count, dataset.count);
    const specialize = (f.specialize as Specialization | undefined) ?? (backend === 'webgpu' ? defaultSpecialization(total) : 'never');
    // the model is read and validated (sizes included) without the GPU; it takes the shared device when it first runs
    const loaded = await loadForEval(path, f, { backend, specialize });
    const { model } = loaded;
    // the dataset's shape against the model's, before any GPU work
    const want = model.inputShape;
    if (dataset.shape.some((d, i) => d !== want[i])) {
      throw new Error(`dataset '${dataset.name}' has images of shape [${dataset.shape}], the model expects [${want}]`);
    }
    let device;
    if (backend === 'webgpu') device = await (await import('../../index.js')).defaultDevice();
    // compile the pipelines before the clock starts, so samples/s is the steady rate
    let setupSeconds = 0;
    if (backend === 'webgpu') {
      const t0 = performance.now();
      const [h, w, c] = model.inputShape;
      await model.forward(new Uint8Array(h * w * c));
      setupSeconds = (performance.now() - t0) / 1000;
    }
    const { evaluateDataset, openJsonlWriter } = await import('../../index.js');
    const writer = f.output ? await openJsonlWriter(f.output) : undefined;
    const bar = await progressBar(total);
    let result: DatasetEvaluation;
    try {
      result = await evaluateDataset(model, dataset, {
        batchSize: batch,
        limit,
        compare: loaded.compare,
        onProgress: (done) => bar.update(done),
        onBatch: writer && (async (b) => {
          const size = b.output.data.length / b.n;
          for (let i = 0; i < b.n; i++) {
            const record: Record<string, unknown> = { index: b.start + i };
            if (b.labels) record.label = b.labels[i];
            record.predicted = b.predicted[i];
            for (const [k, cls] of Object.entries(b.compared)) record[k] = cls[i];
            record.output = Array.from(b.output.data.subarray(i * size, (i + 1) * size));
            await writer.write(record);
          }
        }),
      });
      bar.stop();
      if (writer) await testPause('commit');
      await writer?.commit();
    } catch (e) {
      bar.stop();
      await writer?.abort();
      throw e;
    } finally {
      await model.dispose();
    }
    const adapter = device ? `${device.info.description || device.info.device || device.info.vendor}${device.info.software ? ', software' : ''}` : undefined;
    if (f.json) {
      const json = {
        model: path,
        kind: loaded.kind,
        backend,
        specialize,
        adapter,
        data: f.data,
        dataset: result.dataset,
        batch,
        n: result.n,
        accuracy: result.accuracy ?? null,
        correct: result.correct ?? null,
        compared: result.compared,
        classes: dataset.classes ?? null,
        confusion: result.confusion?.rows() ?? null,
        statistics: result.statistics,
        samplesPerSecond: result.samplesPerSecond,
        forwardSeconds: result.forwardSeconds,
        seconds: result.seconds,
        setupSeconds,
        output: f.output ?? null,
        notes: loaded.notes,
      };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatText(result, { path, kind: loaded.kind, backend, specialize, setupSeconds, adapter, batch, classes: dataset.classes, model, notes: loaded.notes })}\n`);
      if (f.output) process.stdout.write(`wrote ${f.output} (${result.n} lines)\n`);
    }
  });
}
