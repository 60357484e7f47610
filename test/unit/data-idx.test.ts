import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idxDataset, openDataset, readIdxHeader, openBytes, toIntBatch, type ImageDataset, type BatchOptions } from '../../src/data/index.js';

/** An IDX file: magic [0, 0, type, ndim], big-endian dims, data. */
function idx(dims: number[], data: Uint8Array, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out.set([0, 0, type, dims.length]);
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

const N = 5, H = 3, W = 4;
const pixels = Uint8Array.from({ length: N * H * W }, (_, i) => (i * 37 + 11) % 256);
const labels = Uint8Array.from([3, 1, 4, 1, 5]);

async function collect(ds: ImageDataset, opts?: BatchOptions) {
  const sizes: number[] = [];
  const images: number[] = [];
  const lbls: number[] = [];
  for await (const b of ds.batches(opts)) {
    sizes.push(b.n);
    expect(b.images.length).toBe(b.n * b.shape[0] * b.shape[1] * b.shape[2]);
    // a plain array of its own, not a Node Buffer or a view into the reader's chunks
    expect(Object.getPrototypeOf(b.images)).toBe(Uint8Array.prototype);
    expect(b.images.byteOffset).toBe(0);
    images.push(...b.images);
    if (b.labels) lbls.push(...b.labels);
  }
  return { sizes, images, labels: lbls };
}

let dir: string;
const file = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikemesh-idx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('IDX reader', () => {
  it('streams raw idx3 images with idx1 labels in batches', async () => {
    const ds = await idxDataset({ images: file('a-images-idx3-ubyte', idx([N, H, W], pixels)), labels: file('a-labels-idx1-ubyte', idx([N], labels)) });
    expect(ds.count).toBe(N);
    expect(ds.shape).toEqual([H, W, 1]);
    const got = await collect(ds, { batchSize: 2 });
    expect(got.sizes).toEqual([2, 2, 1]);
    expect(got.images).toEqual([...pixels]);
    expect(got.labels).toEqual([...labels]);
  });

  it('reads gzipped files the same way and stops at limit', async () => {
    const ds = await idxDataset({ images: file('b-images.gz', gzipSync(idx([N, H, W], pixels))), labels: file('b-labels.gz', gzipSync(idx([N], labels))) });
    const got = await collect(ds, { batchSize: 2, limit: 3 });
    expect(got.sizes).toEqual([2, 1]);
    expect(got.images).toEqual([...pixels.subarray(0, 3 * H * W)]);
    expect(got.labels).toEqual([3, 1, 4]);
  });

  it('reads bytes in memory, raw and gzipped (DecompressionStream)', async () => {
    for (const images of [idx([N, H, W], pixels), gzipSync(idx([N, H, W], pixels))]) {
      const ds = await idxDataset({ images });
      const got = await collect(ds, { batchSize: 4 });
      expect(got.images).toEqual([...pixels]);
      expect(got.labels).toEqual([]);
    }
  });

  it('reads idx4 images as H x W x C', async () => {
    const data = Uint8Array.from({ length: 2 * 2 * 3 * 3 }, (_, i) => i);
    const ds = await idxDataset({ images: idx([2, 2, 3, 3], data) });
    expect(ds.shape).toEqual([2, 3, 3]);
    const batches = [];
    for await (const b of ds.batches({ batchSize: 1 })) batches.push(b);
    expect(batches.map((b) => [...b.images])).toEqual([[...data.subarray(0, 18)], [...data.subarray(18)]]);
    expect(toIntBatch(batches[1]!)).toEqual({ data: Int32Array.from(data.subarray(18)), n: 1, shape: [2, 3, 3] });
  });

  it('fetches gzipped files from a URL', async () => {
    const bodies: Record<string, Uint8Array> = {
      '/x-images-idx3-ubyte.gz': gzipSync(idx([N, H, W], pixels)),
      '/x-labels-idx1-ubyte': idx([N], labels),
    };
    const server: Server = createServer((req, res) => {
      const body = bodies[req.url ?? ''];
      res.writeHead(body ? 200 : 404).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const ds = await idxDataset({ images: `${base}/x-images-idx3-ubyte.gz`, labels: new URL(`${base}/x-labels-idx1-ubyte`) });
      const got = await collect(ds, { batchSize: 3 });
      expect(got.images).toEqual([...pixels]);
      expect(got.labels).toEqual([...labels]);
      await expect(idxDataset({ images: `${base}/missing` })).rejects.toThrow(/missing: HTTP 404/);
    } finally {
      server.close();
    }
  });

  it('rejects a bad magic number, naming the file', async () => {
    const bad = file('bad-magic', Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0]));
    // issue 15: the file's bytes are not quoted in the message
    await expect(idxDataset({ images: bad })).rejects.toThrow(`${bad}: not an IDX file (its first 4 bytes are not an IDX magic number; expected 0x00000803`);
    await expect(idxDataset({ images: bad })).rejects.not.toThrow(/12345678/);
    const labelsAsImages = file('labels-as-images', idx([N], labels));
    await expect(idxDataset({ images: labelsAsImages })).rejects.toThrow(/bad magic number 0x00000801: 1 dimensions, expected 0x00000803/);
    const floats = file('floats', idx([1, 1, 1], new Uint8Array(4), 0x0d));
    await expect(idxDataset({ images: floats })).rejects.toThrow(/type 0x0d \(float32\) is not supported/);
  });

  it('reports a truncated raw file with the expected size', async () => {
    const whole = idx([N, H, W], pixels);
    const cut = file('cut-images', whole.subarray(0, whole.length - 5));
    const expected = 16 + N * H * W;
    await expect(idxDataset({ images: cut })).rejects.toThrow(
      `${cut}: truncated file: expected ${expected} bytes (header 16 + 5 x 3 x 4), found ${expected - 5}`,
    );
    await expect(idxDataset({ images: file('short-header', whole.subarray(0, 10)) })).rejects.toThrow(/truncated file: expected 16 bytes \(the header\), found 10/);
    await expect(idxDataset({ images: file('long', Uint8Array.from([...whole, 1, 2])) })).rejects.toThrow(/2 bytes after the end of the IDX data/);
  });

  it('reports a truncated gzipped file when the dataset is opened, even when a run would read only its first images', async () => {
    const whole = idx([N, H, W], pixels);
    const short = file('short.gz', gzipSync(whole.subarray(0, whole.length - 7)));
    // issue 15: a .gz file is decompressed to its end when opened (before, `limit: 2` passed)
    await expect(idxDataset({ images: short })).rejects.toThrow(`${short}: truncated file: expected ${whole.length} bytes (header 16 + 5 x 3 x 4), found ${whole.length - 7}`);
    const gz = gzipSync(whole);
    const broken = file('broken.gz', gz.subarray(0, gz.length - 12));
    await expect(idxDataset({ images: broken })).rejects.toThrow(`${broken}: gzip data is corrupt or truncated`);
    // the stream's end (checksum and length) is verified too: only the 8-byte trailer cut
    const noTrailer = file('no-trailer.gz', gz.subarray(0, gz.length - 8));
    await expect(idxDataset({ images: noTrailer })).rejects.toThrow(`${noTrailer}: gzip data is corrupt or truncated`);
    const longer = file('longer.gz', gzipSync(Uint8Array.from([...whole, 9, 9, 9])));
    await expect(idxDataset({ images: longer })).rejects.toThrow(`${longer}: 3 bytes after the end of the IDX data`);
    // in memory the same (DecompressionStream)
    await expect(idxDataset({ images: gz.subarray(0, gz.length - 8) })).rejects.toThrow(/gzip data is corrupt or truncated/);
  });

  it('checks a fetched gzip stream at its end when it is read whole (a URL is not downloaded twice)', async () => {
    const whole = idx([N, H, W], pixels);
    const gz = gzipSync(whole);
    const server = createServer((req, res) => {
      if (req.url === '/cut.gz') res.end(gz.subarray(0, gz.length - 8));
      else res.writeHead(404).end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ds = await idxDataset({ images: `${base}/cut.gz` });
      expect((await collect(ds, { limit: 2 })).sizes).toEqual([2]);
      await expect(collect(ds, { batchSize: 2 })).rejects.toThrow(`${base}/cut.gz: gzip data is corrupt or truncated`);
    } finally {
      server.close();
    }
  });

  it('refuses file: and other non-HTTP URLs, and images beyond the size limits', async () => {
    const path = file('plain-images', idx([N, H, W], pixels));
    await expect(idxDataset({ images: `file://${path}` })).rejects.toThrow(`file://${path}: file: URLs are not read, only http: and https:`);
    await expect(idxDataset({ images: new URL(`file://${path}`) })).rejects.toThrow(/file: URLs are not read/);
    await expect(idxDataset({ images: 'data:application/octet-stream;base64,AAAIAw==' })).rejects.toThrow(/data: URLs are not read/);
    const huge = file('huge-images', idx([1, 20000, 20000], new Uint8Array(0)).subarray(0, 16));
    await expect(idxDataset({ images: huge })).rejects.toThrow(`${huge}: images of 20000 x 20000 x 1, above the limit of 16777216 pixels`);
    const zero = file('zero-images', idx([1, 0, 3], new Uint8Array(0)));
    await expect(idxDataset({ images: zero })).rejects.toThrow(`${zero}: image dimension 1 is 0`);
  });

  it('rejects an image/label count mismatch and bad batch options', async () => {
    const images = file('m-images', idx([N, H, W], pixels));
    const four = file('m-labels', idx([4], labels.subarray(0, 4)));
    await expect(idxDataset({ images, labels: four })).rejects.toThrow(`image/label count mismatch: ${images} holds 5 images, ${four} holds 4 labels`);
    const ds = await idxDataset({ images });
    await expect(collect(ds, { batchSize: 0 })).rejects.toThrow(/batchSize must be a positive integer/);
    await expect(collect(ds, { limit: -1 })).rejects.toThrow(/limit must be a non-negative integer/);
  });

  it('names a missing file', async () => {
    await expect(idxDataset({ images: join(dir, 'nope') })).rejects.toThrow(`${join(dir, 'nope')}: no such file`);
  });

  it('reads the header of an open reader', async () => {
    const reader = await openBytes(gzipSync(idx([N], labels)));
    expect(await readIdxHeader(reader, 'labels')).toEqual({ type: 8, dims: [N], headerBytes: 8, totalBytes: 8 + N });
    await reader.close();
  });

  it('opens an IDX images path with its labels file by name', async () => {
    const images = file('t-images-idx3-ubyte.gz', gzipSync(idx([N, H, W], pixels)));
    file('t-labels-idx1-ubyte.gz', gzipSync(idx([N], labels)));
    const got = await collect(await openDataset(images));
    expect(got.labels).toEqual([...labels]);
    const alone = file('u-images-idx3-ubyte', idx([N, H, W], pixels));
    expect((await collect(await openDataset(alone))).labels).toEqual([]);
    await expect(openDataset(join(dir, 'nothing'))).rejects.toThrow(/unknown dataset .*nothing.*: not a file or directory/);
  });
});
