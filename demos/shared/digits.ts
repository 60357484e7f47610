// The MNIST test digits as an ImageDataset, fetched relative to the page from
// demos/data/mnist-test.bin (written by demos/vite-plugin.ts: the digits of the `mnist`
// package in mnistDataset()'s order, 784 pixels each, then the labels), with the download's
// progress. Loaded once per page.
import type { ImageBatch, ImageDataset } from '../../src/index.js';

const SIDE = 28;
const PIXELS = SIDE * SIDE;

export interface DownloadProgress {
  loaded: number;
  /** bytes expected (0 when the server sent no Content-Length) */
  total: number;
}

/** Fetches `url` with a callback per chunk received. */
export async function download(url: URL, onProgress?: (p: DownloadProgress) => void): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot download ${url.pathname}: HTTP ${res.status}`);
  const total = Number(res.headers.get('Content-Length') ?? 0);
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

let cached: Promise<ImageDataset> | undefined;

/** The test digits (10,000); the first call downloads them (7.85 MB). */
export function mnistDigits(onProgress?: (p: DownloadProgress) => void): Promise<ImageDataset> {
  cached ??= (async () => {
    const bytes = await download(new URL('../data/mnist-test.bin', location.href), onProgress);
    const count = bytes.length / (PIXELS + 1);
    if (!Number.isInteger(count) || count === 0) throw new Error(`the digits file holds ${bytes.length} bytes, not whole digits`);
    const images = bytes.subarray(0, count * PIXELS);
    const labels = Int32Array.from(bytes.subarray(count * PIXELS));
    const dataset: ImageDataset = {
      name: 'mnist',
      count,
      shape: [SIDE, SIDE, 1],
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      async *batches(opts) {
        const total = Math.min(count, opts?.limit ?? count);
        const size = opts?.batchSize ?? 256;
        for (let start = 0; start < total; start += size) {
          const n = Math.min(size, total - start);
          const batch: ImageBatch = {
            images: images.slice(start * PIXELS, (start + n) * PIXELS),
            labels: labels.slice(start, start + n),
            n,
            shape: [SIDE, SIDE, 1],
          };
          yield batch;
        }
      },
    };
    return dataset;
  })().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** "3.1 / 7.9 MB" */
export function megabytes(p: DownloadProgress): string {
  const mb = (b: number) => (b / 1e6).toFixed(1);
  return p.total ? `${mb(p.loaded)} / ${mb(p.total)} MB` : `${mb(p.loaded)} MB`;
}
