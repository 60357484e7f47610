// The test-set run: the first N digits of the `mnist` package through the model on the GPU in
// batches (evaluateDataset: accuracy, confusion matrix, samples/s), optionally beside the integer
// reference, collecting the misclassified digits so the page can show them.
import {
  evaluateDataset,
  toIntBatch,
  type ConfusionMatrix,
  type ImageBatch,
  type ImageDataset,
  type LayerStatistics,
  type Model,
} from '../../src/index.js';

export interface Misclassified {
  /** position in the dataset's order */
  index: number;
  label: number;
  predicted: number;
  pixels: Uint8Array;
}

export interface TestSetProgress {
  done: number;
  total: number;
  correct: number;
  /** samples per second so far (all but the reference's time) */
  samplesPerSecond: number;
  /** samples per second after the first batch (which pays for pipeline creation), once known */
  steadySamplesPerSecond?: number;
}

export interface TestSetRun {
  n: number;
  labels: number[];
  /** the GPU model's class per sample */
  predictions: number[];
  accuracy: number;
  correct: number;
  confusion: ConfusionMatrix;
  /** samples per second inside model.forward (upload, every layer, readback) */
  samplesPerSecond: number;
  seconds: number;
  /** the first batch, which pays for GPU pipeline creation and first uploads (wall clock) */
  warmup: { n: number; seconds: number };
  /** digits per second after the first batch (wall clock, the reference's time left out); null with one batch */
  steadySamplesPerSecond: number | null;
  /** the run was stopped before `limit` digits */
  stopped: boolean;
  misclassified: Misclassified[];
  /** the model's spikes per layer over exactly these digits */
  statistics: LayerStatistics[];
  /** present when the run was compared with the integer reference */
  reference?: {
    predictions: number[];
    /** samples whose integer outputs differ anywhere between GPU and reference */
    outputsDiffer: number;
    seconds: number;
  };
}

export interface TestSetOptions {
  limit: number;
  batchSize: number;
  /** a model with backend 'reference' to run on the same batches */
  reference?: Model;
  onProgress?: (p: TestSetProgress) => void;
  /** polled before each batch: true ends the run after the batches done so far */
  stop?: () => boolean;
}

/** The dataset with each batch it hands out kept, so the images of a batch's errors can be copied. */
function tapped(dataset: ImageDataset, stop: () => boolean, breathe: boolean): { dataset: ImageDataset; current: () => ImageBatch | undefined } {
  let current: ImageBatch | undefined;
  return {
    current: () => current,
    dataset: {
      name: dataset.name,
      count: dataset.count,
      shape: dataset.shape,
      classes: dataset.classes,
      async *batches(opts) {
        for await (const b of dataset.batches(opts)) {
          // the reference backend computes synchronously: let the page repaint and see Stop between batches
          if (breathe) await new Promise((r) => setTimeout(r, 0));
          if (stop()) return;
          current = b;
          yield b;
        }
      },
    },
  };
}

export async function runTestSet(model: Model, source: ImageDataset, opts: TestSetOptions): Promise<TestSetRun> {
  const { dataset, current } = tapped(source, opts.stop ?? (() => false), model.backend === 'reference');
  let warmup: { n: number; seconds: number; at: number } | undefined;
  let lastDone = 0;
  const labels: number[] = [];
  const predictions: number[] = [];
  const misclassified: Misclassified[] = [];
  const refPredictions: number[] = [];
  let refOutput: Int32Array | undefined;
  let outputsDiffer = 0;
  let correct = 0;
  let referenceMs = 0;
  const t0 = performance.now();
  const reference = opts.reference;
  const pixels = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  const result = await evaluateDataset(model, dataset, {
    batchSize: opts.batchSize,
    limit: opts.limit,
    compare: reference
      ? {
          reference: async (batch) => {
            const t = performance.now();
            const out = await reference.forward(toIntBatch(batch));
            refOutput = out.data;
            referenceMs += performance.now() - t;
            return reference.classesOf(out);
          },
        }
      : undefined,
    onBatch: (b) => {
      const images = current()!.images;
      const size = b.output.data.length / b.n;
      for (let i = 0; i < b.n; i++) {
        const label = b.labels![i]!;
        const predicted = b.predicted[i]!;
        labels.push(label);
        predictions.push(predicted);
        if (predicted === label) correct++;
        else misclassified.push({ index: b.start + i, label, predicted, pixels: images.slice(i * pixels, (i + 1) * pixels) });
        if (refOutput && refOutput.subarray(i * size, (i + 1) * size).some((v, j) => v !== b.output.data[i * size + j])) outputsDiffer++;
      }
      if (b.compared.reference) refPredictions.push(...b.compared.reference);
    },
    // while running, the rate counts everything but the reference (reading and counting included);
    // the final figure is the evaluation's, over model.forward only
    onProgress: (done, total) => {
      const ms = performance.now() - t0 - referenceMs;
      warmup ??= { n: done, seconds: ms / 1000, at: ms };
      lastDone = done;
      const steady = done > warmup.n && ms > warmup.at ? (1000 * (done - warmup.n)) / (ms - warmup.at) : undefined;
      opts.onProgress?.({ done, total, correct, samplesPerSecond: ms > 0 ? (1000 * done) / ms : 0, steadySamplesPerSecond: steady });
    },
  });
  return {
    n: result.n,
    labels,
    predictions,
    accuracy: result.accuracy ?? 0,
    correct: result.correct ?? 0,
    confusion: result.confusion!,
    samplesPerSecond: result.samplesPerSecond,
    seconds: result.seconds,
    warmup: { n: warmup?.n ?? 0, seconds: warmup?.seconds ?? 0 },
    steadySamplesPerSecond: warmup && lastDone > warmup.n
      ? (lastDone - warmup.n) / ((performance.now() - t0 - referenceMs) / 1000 - warmup.seconds)
      : null,
    stopped: result.n < opts.limit,
    misclassified,
    statistics: result.statistics,
    reference: reference ? { predictions: refPredictions, outputsDiffer, seconds: result.compared.reference!.seconds } : undefined,
  };
}
