// IDX files (the MNIST format): a 4-byte magic number [0, 0, type, ndim], ndim big-endian
// uint32 dimensions, then the data in row-major order. spikemesh reads unsigned-byte files:
// idx3 images (N x H x W), idx4 images (N x H x W x C) and idx1 labels (N).
import type { Shape3 } from '../ir/types.js';
import { batchPlan, type BatchOptions, type ImageBatch, type ImageDataset } from './batch.js';
import { MODEL_LIMITS } from '../ir/validate.js';
import { drain, sourceName, type ByteReader, type ByteSource } from './bytes.js';
import { openBytes } from './source.js';

export interface IdxHeader {
  /** the IDX type code: 0x08 unsigned byte (the only one read here), 0x09 signed byte, ... */
  type: number;
  dims: number[];
  /** bytes before the data: 4 + 4 * ndim */
  headerBytes: number;
  /** bytes of the whole file: header + product of dims (1 byte per value) */
  totalBytes: number;
}

const TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64',
};

const hex = (v: number, digits: number) => `0x${v.toString(16).padStart(digits, '0')}`;

/** Reads and checks the header; `expect` names the file's role in messages. */
export async function readIdxHeader(reader: ByteReader, expect: 'images' | 'labels'): Promise<IdxHeader> {
  const name = reader.name;
  const magic = await reader.read(4);
  if (magic.length < 4) truncated(name, 4, magic.length, 'the 4-byte magic number');
  const m = ((magic[0]! << 24) | (magic[1]! << 16) | (magic[2]! << 8) | magic[3]!) >>> 0;
  const [z0, z1, type, ndim] = magic as unknown as [number, number, number, number];
  const wanted = expect === 'labels' ? '0x00000801 (idx1 unsigned-byte labels)' : '0x00000803 (idx3 unsigned-byte images) or 0x00000804';
  // the bytes themselves are not quoted: error messages never echo a file's contents
  if (z0 !== 0 || z1 !== 0 || !(type in TYPE_NAMES)) {
    throw new Error(`${name}: not an IDX file (its first 4 bytes are not an IDX magic number; expected ${wanted})`);
  }
  if (type !== 0x08) {
    throw new Error(`${name}: IDX data type ${hex(type, 2)} (${TYPE_NAMES[type]}) is not supported: spikemesh reads unsigned-byte files (type 0x08)`);
  }
  const ndimOk = expect === 'labels' ? ndim === 1 : ndim === 3 || ndim === 4;
  if (!ndimOk) {
    throw new Error(`${name}: bad magic number ${hex(m, 8)}: ${ndim} dimensions, expected ${wanted}`);
  }
  const dimBytes = await reader.read(4 * ndim);
  if (dimBytes.length < 4 * ndim) truncated(name, 4 + 4 * ndim, 4 + dimBytes.length, 'the header');
  const view = new DataView(dimBytes.buffer, dimBytes.byteOffset, dimBytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 * i, false));
  const headerBytes = 4 + 4 * ndim;
  if (expect === 'images') {
    const zero = dims.findIndex((d, i) => i > 0 && d === 0);
    if (zero >= 0) throw new Error(`${name}: image dimension ${zero} is 0 (dimensions ${dims.join(' x ')})`);
    const [, h, w, c = 1] = dims as [number, number, number, number?];
    if (h * w > MODEL_LIMITS.maxInputPixels || h * w * c > MODEL_LIMITS.maxValuesPerSample) {
      throw new Error(`${name}: images of ${h} x ${w} x ${c}, above the limit of ${MODEL_LIMITS.maxInputPixels} pixels `
        + `(4096 x 4096) and ${MODEL_LIMITS.maxValuesPerSample} values per image`);
    }
  }
  const totalBytes = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (reader.size !== undefined && reader.size !== totalBytes) {
    const what = `header ${headerBytes} + ${dims.join(' x ')}`;
    if (reader.size < totalBytes) truncated(name, totalBytes, reader.size, what);
    throw new Error(`${name}: ${reader.size - totalBytes} bytes after the end of the IDX data (expected ${totalBytes} bytes: ${what})`);
  }
  return { type, dims, headerBytes, totalBytes };
}

function truncated(name: string, expected: number, found: number, what: string): never {
  throw new Error(`${name}: truncated file: expected ${expected} bytes (${what}), found ${found}`);
}

export interface IdxSources {
  images: ByteSource;
  /** idx1 labels with as many entries as there are images */
  labels?: ByteSource;
  /** dataset name (default: the images file) */
  name?: string;
  classes?: readonly string[];
}

/**
 * An IDX image file (with optional labels) as a dataset. Headers are read and checked here;
 * `batches()` streams the data, holding one batch at a time.
 */
export async function idxDataset(src: IdxSources): Promise<ImageDataset> {
  const images = await headerOf(src.images, 'images');
  const labels = src.labels === undefined ? undefined : await headerOf(src.labels, 'labels');
  const [count, h, w, c = 1] = images.dims as [number, number, number, number?];
  if (labels && labels.dims[0] !== count) {
    throw new Error(
      `image/label count mismatch: ${sourceName(src.images)} holds ${count} images, ${sourceName(src.labels!)} holds ${labels.dims[0]} labels`,
    );
  }
  const shape: Shape3 = [h, w, c];
  const imageBytes = h * w * c;
  return {
    name: src.name ?? sourceName(src.images),
    count,
    shape,
    classes: src.classes,
    async *batches(opts?: BatchOptions) {
      const { batchSize, total } = batchPlan(count, opts);
      const imgReader = await openBytes(src.images);
      const lblReader = src.labels === undefined ? undefined : await openBytes(src.labels);
      try {
        const imgHeader = await readIdxHeader(imgReader, 'images');
        const lblHeader = lblReader && (await readIdxHeader(lblReader, 'labels'));
        for (let start = 0; start < total; start += batchSize) {
          const n = Math.min(batchSize, total - start);
          const pixels = await readRecords(imgReader, imgHeader, start, n, imageBytes);
          const labelBytes = lblReader && lblHeader ? await readRecords(lblReader, lblHeader, start, n, 1) : undefined;
          // read whole: the streams must end here (a gzip stream's checksum is verified at its end)
          if (start + n === count) {
            await checkEnd(imgReader, imgHeader);
            if (lblReader && lblHeader) await checkEnd(lblReader, lblHeader);
          }
          const batch: ImageBatch = { images: pixels, labels: undefined, n, shape: [...shape] };
          if (labelBytes) batch.labels = Int32Array.from(labelBytes);
          yield batch;
        }
      } finally {
        await imgReader.close();
        await lblReader?.close();
      }
    },
  };
}

/**
 * Reads and checks a source's header. A file or bytes in memory whose size is unknown (gzip)
 * are decompressed to their end once here, one chunk at a time, so that a truncated or damaged
 * file fails when the dataset is opened, even when a run reads only its first images. (A URL
 * is not downloaded twice: its stream is checked at its end when it is read whole.)
 */
async function headerOf(source: ByteSource, expect: 'images' | 'labels'): Promise<IdxHeader> {
  const reader = await openBytes(source);
  try {
    const header = await readIdxHeader(reader, expect);
    const isUrl = source instanceof URL || (typeof source === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(source));
    if (reader.size === undefined && !isUrl) {
      const found = header.headerBytes + (await drain(reader));
      checkSize(reader.name, header, found);
    }
    return header;
  } finally {
    await reader.close();
  }
}

function checkSize(name: string, header: IdxHeader, found: number): void {
  if (found === header.totalBytes) return;
  const what = `header ${header.headerBytes} + ${header.dims.join(' x ')}`;
  if (found < header.totalBytes) truncated(name, header.totalBytes, found, what);
  throw new Error(`${name}: ${found - header.totalBytes} bytes after the end of the IDX data (expected ${header.totalBytes} bytes: ${what})`);
}

/** After the last record: the reader must be at its end (no extra bytes; a gzip stream verified). */
async function checkEnd(reader: ByteReader, header: IdxHeader): Promise<void> {
  const extra = await drain(reader);
  if (extra > 0) checkSize(reader.name, header, header.totalBytes + extra);
}

/** Records [start, start + n) of `bytes` each; the reader is positioned at `start`. */
async function readRecords(reader: ByteReader, header: IdxHeader, start: number, n: number, bytes: number): Promise<Uint8Array> {
  const data = await reader.read(n * bytes);
  if (data.length < n * bytes) {
    const what = `header ${header.headerBytes} + ${header.dims.join(' x ')}`;
    truncated(reader.name, header.totalBytes, header.headerBytes + start * bytes + data.length, what);
  }
  return data;
}
