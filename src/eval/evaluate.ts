// Streaming evaluation of a Model over a dataset: one batch read, run and counted at a time
// (accuracy, confusion matrix, per-layer spike statistics, throughput), with hooks for progress,
// per-sample output and other classifiers judged on the same batches (e.g. the float tfjs model
// a spiking model was converted from).
import type { ImageBatch, ImageDataset } from '../data/batch.js';
import { toIntBatch } from '../data/batch.js';
import { shapeSize } from '../ir/shapes.js';
import type { IntBatch, LayerStatistics, Shape3 } from '../ir/types.js';

/** What evaluateDataset needs of a model (the package's Model is one). */
export interface EvaluatedModel {
  readonly inputShape: Shape3;
  readonly outputShape: Shape3;
  readonly statistics: LayerStatistics[];
  resetStatistics(): void;
  forward(batch: IntBatch): Promise<IntBatch>;
  classesOf(output: IntBatch): Int32Array;
}
import { ConfusionMatrix } from './confusion.js';

/** A classifier run beside the model on the same images: class per sample of the batch. */
export type Classifier = (batch: ImageBatch) => Int32Array | Promise<Int32Array>;

export interface EvaluatedBatch {
  /** index of the batch's first sample in the dataset */
  start: number;
  n: number;
  labels: Int32Array | undefined;
  /** the model's integer outputs (forward) */
  output: IntBatch;
  /** the model's class per sample (argmax of predict) */
  predicted: Int32Array;
  /** each compared classifier's class per sample */
  compared: Record<string, Int32Array>;
}

export interface DatasetEvaluationOptions {
  /** samples per forward call (default 1000); results do not depend on it */
  batchSize?: number;
  /** evaluate the first `limit` samples (default: all) */
  limit?: number;
  /** other classifiers to judge on the same samples, by name */
  compare?: Record<string, Classifier>;
  /** after every batch: samples done so far and the total */
  onProgress?: (done: number, total: number) => void;
  /** every batch's outputs (e.g. to write them out), awaited before the next batch */
  onBatch?: (batch: EvaluatedBatch) => void | Promise<void>;
}

export interface ComparedAccuracy {
  /** undefined when the dataset has no labels */
  accuracy?: number;
  correct?: number;
  /** samples on which it picks the same class as the model */
  sameAsModel: number;
  /** seconds spent in it */
  seconds: number;
}

export interface DatasetEvaluation {
  dataset: string;
  n: number;
  labelled: boolean;
  /** accuracy, correct and confusion exist when the dataset has labels */
  accuracy?: number;
  correct?: number;
  confusion?: ConfusionMatrix;
  /** the model's per-layer spike statistics over exactly these samples */
  statistics: LayerStatistics[];
  /** seconds inside model.forward (upload, every layer, readback) */
  forwardSeconds: number;
  /** n / forwardSeconds */
  samplesPerSecond: number;
  /** wall-clock seconds of the whole loop (reading, compared classifiers, hooks included) */
  seconds: number;
  compared: Record<string, ComparedAccuracy>;
}

/**
 * Runs `model` over the first `limit` samples of `dataset`, `batchSize` at a time. The model's
 * statistics are reset first, so they cover this evaluation only.
 */
export async function evaluateDataset(model: EvaluatedModel, dataset: ImageDataset, opts: DatasetEvaluationOptions = {}): Promise<DatasetEvaluation> {
  const want = model.inputShape;
  if (dataset.shape.some((d, i) => d !== want[i])) {
    throw new RangeError(`dataset '${dataset.name}' has images of shape [${dataset.shape}], the model expects [${want}]`);
  }
  const batchSize = opts.batchSize ?? 1000;
  const total = Math.min(opts.limit ?? dataset.count, dataset.count);
  const outputs = shapeSize(model.outputShape);
  const names = Object.keys(opts.compare ?? {});
  const compared = Object.fromEntries(names.map((k) => [k, { correct: 0, sameAsModel: 0, seconds: 0 }]));
  let confusion: ConfusionMatrix | undefined;
  let labelled = true;
  let done = 0;
  let forwardSeconds = 0;
  const t0 = performance.now();
  model.resetStatistics();
  for await (const batch of dataset.batches({ batchSize, limit: total })) {
    const t = performance.now();
    const output = await model.forward(toIntBatch(batch));
    forwardSeconds += (performance.now() - t) / 1000;
    const predicted = model.classesOf(output);
    const others: Record<string, Int32Array> = {};
    for (const name of names) {
      const tc = performance.now();
      const cls = await opts.compare![name]!(batch);
      compared[name]!.seconds += (performance.now() - tc) / 1000;
      if (cls.length !== batch.n) throw new Error(`classifier '${name}' returned ${cls.length} classes for ${batch.n} samples`);
      others[name] = cls;
      for (let i = 0; i < batch.n; i++) {
        if (cls[i] === predicted[i]) compared[name]!.sameAsModel++;
        if (batch.labels && cls[i] === batch.labels[i]) compared[name]!.correct++;
      }
    }
    if (batch.labels && labelled) {
      confusion ??= new ConfusionMatrix(Math.max(outputs, dataset.classes?.length ?? 0));
      for (let i = 0; i < batch.n; i++) confusion.add(batch.labels[i]!, predicted[i]!, `dataset '${dataset.name}', sample ${done + i}`);
    } else {
      labelled = false;
    }
    await opts.onBatch?.({ start: done, n: batch.n, labels: batch.labels, output, predicted, compared: others });
    done += batch.n;
    opts.onProgress?.(done, total);
  }
  if (!labelled) confusion = undefined;
  const result: DatasetEvaluation = {
    dataset: dataset.name,
    n: done,
    labelled: labelled && done > 0,
    statistics: model.statistics,
    forwardSeconds,
    samplesPerSecond: forwardSeconds > 0 ? done / forwardSeconds : 0,
    seconds: (performance.now() - t0) / 1000,
    compared: Object.fromEntries(names.map((k) => {
      const c = compared[k]!;
      return [k, confusion ? { accuracy: done ? c.correct / done : 0, correct: c.correct, sameAsModel: c.sameAsModel, seconds: c.seconds }
        : { sameAsModel: c.sameAsModel, seconds: c.seconds }];
    })),
  };
  if (confusion) {
    result.confusion = confusion;
    result.correct = confusion.correct;
    result.accuracy = confusion.accuracy;
  }
  return result;
}
