// Labelled digits of a dataset as one batch: the first N for the evaluation, the last K for the
// calibration (the protocol of `spikemesh sweep`, so the two sets are disjoint when N + K <= count).
import type { ImageDataset, Shape3 } from '../../src/index.js';

export interface Digits {
  /** n images, NHWC, 8-bit */
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  shape: Shape3;
}

/** Images start .. start + count - 1 of `dataset` (clipped to its size), read in batches. */
export async function readDigits(dataset: ImageDataset, start: number, count: number): Promise<Digits> {
  const from = Math.max(0, Math.min(start, dataset.count));
  const n = Math.min(count, dataset.count - from);
  const size = dataset.shape[0] * dataset.shape[1] * dataset.shape[2];
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  let at = 0; // position in the dataset of the next batch's first image
  for await (const b of dataset.batches({ limit: from + n, batchSize: 1000 })) {
    if (!b.labels) throw new Error(`dataset '${dataset.name}' has no labels: a sweep needs labelled digits`);
    // the part of this batch that falls in [from, from + n)
    const lo = Math.max(from, at), hi = Math.min(from + n, at + b.n);
    if (hi > lo) {
      images.set(b.images.subarray((lo - at) * size, (hi - at) * size), (lo - from) * size);
      labels.set(b.labels.subarray(lo - at, hi - at), lo - from);
    }
    at += b.n;
  }
  return { images, labels, n, shape: dataset.shape };
}
