// Shared by the io-* tests: the committed model fixtures (scripts/make-fixtures.py) and the first
// Fashion-MNIST test images they were checked on.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fashionMnistDataset } from '../../src/data/fashion-mnist.js';

export const FIXTURES = new URL('../fixtures/models/', import.meta.url).pathname;
export const fixture = (name: string) => `${FIXTURES}${name}`;
export const fixtureBytes = (name: string) => new Uint8Array(readFileSync(fixture(name)));
export const fixtureJson = <T = Record<string, unknown>>(name: string): T => JSON.parse(readFileSync(fixture(name), 'utf8')) as T;

/** The first `n` Fashion-MNIST test images (8-bit, NHWC) and labels. */
export async function fashionTest(n: number): Promise<{ images: Uint8Array; labels: Int32Array; n: number }> {
  const ds = await fashionMnistDataset();
  const images = new Uint8Array(n * 784);
  const labels = new Int32Array(n);
  let at = 0;
  for await (const b of ds.batches({ batchSize: 1000, limit: n })) {
    images.set(b.images, at * 784);
    labels.set(b.labels!, at);
    at += b.n;
  }
  return { images, labels, n };
}

/** x / 255 as the models see it, NHWC. */
export const toInput = (images: Uint8Array, n: number) =>
  tf.tidy(() => tf.tensor4d(images, [n, 28, 28, 1], 'int32').toFloat().div(255) as tf.Tensor4D);

export function predictRows(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array).slice();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
