// Activation statistics on a calibration set, the input of data-based normalisation:
// per layer the maximum activation and chosen percentiles of the non-zero activations
// (Rueckauer et al. 2017), and the largest input value.
import * as tf from '@tensorflow/tfjs';
import { floatForward, floatInput } from './float-forward.js';
import type { FloatNet } from './float-net.js';

export interface Calibration {
  /** images used */
  n: number;
  /** the largest integer input value seen (rate coding: a spike stands for it) */
  maxInput: number;
  /** per layer: max activation (the last layer: max of its positive outputs) */
  max: Float64Array;
  /** per requested percentile p: per layer the p-th percentile of the non-zero (positive) activations */
  percentiles: Map<number, Float64Array>;
}

/** The q-th percentile (0..100) of values sorted ascending, nearest rank. */
function percentileOf(sorted: Float32Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((q / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function calibrateActivations(
  net: FloatNet,
  images: Uint8Array | Int32Array,
  n: number,
  inputScale: number,
  opts: { percentiles?: number[]; batchSize?: number } = {},
): Calibration {
  if (n < 1) throw new RangeError('calibration needs at least one image');
  const size = net.input[0] * net.input[1] * net.input[2];
  if (images.length < n * size) throw new RangeError(`calibration images hold ${images.length} values, expected ${n} x ${size}`);
  const qs = opts.percentiles ?? [];
  for (const q of qs) if (!(q > 0 && q <= 100)) throw new RangeError(`percentile ${q} is outside (0, 100]`);
  const batch = opts.batchSize ?? 100;
  const L = net.layers.length;
  const max = new Float64Array(L);
  const positives: Float32Array[][] = net.layers.map(() => []);
  let maxInput = 0;
  for (let i = 0; i < n * size; i++) maxInput = Math.max(maxInput, images[i]!);
  if (maxInput < 1) throw new RangeError('calibration images are all zero');
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const pixels = images.subarray(s * size, (s + m) * size);
    tf.tidy(() => {
      floatForward(net, floatInput(pixels, m, net, inputScale), (k, a) => {
        const v = a.dataSync() as Float32Array;
        let mx = max[k]!;
        let count = 0;
        for (let i = 0; i < v.length; i++) {
          if (v[i]! > 0) {
            count++;
            if (v[i]! > mx) mx = v[i]!;
          }
        }
        max[k] = mx;
        if (qs.length) {
          const pos = new Float32Array(count);
          let j = 0;
          for (let i = 0; i < v.length; i++) if (v[i]! > 0) pos[j++] = v[i]!;
          positives[k]!.push(pos);
        }
      });
    });
  }
  const percentiles = new Map<number, Float64Array>();
  if (qs.length) {
    const sorted = positives.map((chunks) => {
      const all = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      return all.sort();
    });
    for (const q of qs) percentiles.set(q, Float64Array.from(sorted, (s) => percentileOf(s, q)));
  }
  return { n, maxInput, max, percentiles };
}
