// Image batches as the dataset readers hand them out, and the batch plan they share.
import type { IntBatch, Shape3 } from '../ir/types.js';

/** `n` images, NHWC row-major, 8-bit unsigned; labels are class indices when the dataset has them. */
export interface ImageBatch {
  images: Uint8Array;
  labels: Int32Array | undefined;
  n: number;
  shape: Shape3;
}

export interface BatchOptions {
  /** images per batch (default 256); the last batch may be smaller */
  batchSize?: number;
  /** read at most this many images from the start (default: all) */
  limit?: number;
}

/** A labelled (or unlabelled) image set read in batches; `batches()` can be iterated again. */
export interface ImageDataset {
  readonly name: string;
  /** images available */
  readonly count: number;
  readonly shape: Shape3;
  /** class names by label, when known */
  readonly classes?: readonly string[];
  batches(opts?: BatchOptions): AsyncGenerator<ImageBatch, void, undefined>;
}

export const DEFAULT_BATCH_SIZE = 256;

/** Validated batch size and number of images to read for a dataset of `count` images. */
export function batchPlan(count: number, opts: BatchOptions = {}): { batchSize: number; total: number } {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  }
  const limit = opts.limit ?? count;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  return { batchSize, total: Math.min(limit, count) };
}

/** The batch as the integer input of a model (referenceForward, GPU forward). */
export function toIntBatch(batch: ImageBatch): IntBatch {
  return { data: Int32Array.from(batch.images), n: batch.n, shape: [...batch.shape] };
}
