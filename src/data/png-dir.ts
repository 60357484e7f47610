// A directory of PNG images (Node). With sub-directories, each one is a class: labels are the
// indices of the sub-directory names in sorted order. Without, the images are unlabelled.
// Files are read in sorted order, one batch at a time; all images must share one size.
import type { Shape3 } from '../ir/types.js';
import { batchPlan, type BatchOptions, type ImageBatch, type ImageDataset } from './batch.js';
import { readFailure } from '../ir/files.js';
import { MODEL_LIMITS } from '../ir/validate.js';
import { nodeFiles } from './node-file.js';

export interface PngDirectoryOptions {
  /**
   * 1 (grey) or 3 (RGB). Default: 1 when the first image is a grey PNG, else 3.
   * Colour images read as grey use the ITU-R BT.601 luma, round(0.299 R + 0.587 G + 0.114 B).
   * Alpha is ignored.
   */
  channels?: 1 | 3;
}

type PngModule = typeof import('pngjs');

async function loadPng(): Promise<PngModule> {
  const name = 'pngjs'; // Node-only (it uses zlib streams): keep bundlers away from it
  const mod = (await import(/* @vite-ignore */ name)) as PngModule & { default?: PngModule };
  return mod.PNG ? mod : mod.default!;
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const isPng = (f: string) => f.toLowerCase().endsWith('.png');

export async function pngDirectoryDataset(dir: string, opts: PngDirectoryOptions = {}): Promise<ImageDataset> {
  const { fsp, path } = await nodeFiles(`reading the PNG directory '${dir}': directories`);
  const entries = await fsp.readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${dir}: no such directory` : `${dir}: ${err.message}`);
  });
  const classDirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byName);
  const topFiles = entries.filter((e) => e.isFile() && isPng(e.name)).map((e) => e.name).sort(byName);
  if (classDirs.length && topFiles.length) {
    throw new Error(`${dir}: holds both .png files and sub-directories; use one sub-directory per class, or only files`);
  }
  const files: string[] = [];
  const labelOf: number[] = [];
  if (classDirs.length) {
    for (const [label, cls] of classDirs.entries()) {
      const names = (await fsp.readdir(path.join(dir, cls))).filter(isPng).sort(byName);
      for (const f of names) {
        files.push(path.join(dir, cls, f));
        labelOf.push(label);
      }
    }
  } else {
    files.push(...topFiles.map((f) => path.join(dir, f)));
  }
  if (!files.length) throw new Error(`${dir}: no .png files found${classDirs.length ? ' in its sub-directories' : ''}`);

  const { PNG } = await loadPng();
  const decode = async (file: string) => {
    const bytes = await fsp.readFile(file).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`${file}: cannot read the file (${readFailure(err)})`);
    });
    checkPngHeader(file, bytes);
    try {
      return PNG.sync.read(bytes);
    } catch (err) {
      throw new Error(`${file}: cannot decode PNG: ${(err as Error).message}`);
    }
  };
  const first = await decode(files[0]!);
  const channels = opts.channels ?? (first.colorType === 0 || first.colorType === 4 ? 1 : 3);
  if (channels !== 1 && channels !== 3) throw new RangeError(`channels must be 1 or 3, got ${channels}`);
  const shape: Shape3 = [first.height, first.width, channels];
  const pixels = first.height * first.width;

  return {
    name: dir,
    count: files.length,
    shape,
    classes: classDirs.length ? classDirs : undefined,
    async *batches(o?: BatchOptions) {
      const { batchSize, total } = batchPlan(files.length, o);
      for (let start = 0; start < total; start += batchSize) {
        const n = Math.min(batchSize, total - start);
        const images = new Uint8Array(n * pixels * channels);
        for (let i = 0; i < n; i++) {
          const file = files[start + i]!;
          const png = await decode(file);
          if (png.width !== shape[1] || png.height !== shape[0]) {
            throw new Error(`${file}: image is ${png.width} x ${png.height}, expected ${shape[1]} x ${shape[0]} like ${files[0]}`);
          }
          writePixels(png.data, images.subarray(i * pixels * channels, (i + 1) * pixels * channels), channels);
        }
        const labels = classDirs.length ? Int32Array.from(labelOf.slice(start, start + n)) : undefined;
        const batch: ImageBatch = { images, labels, n, shape: [...shape] };
        yield batch;
      }
    },
  };
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The signature and the IHDR chunk's size, checked before pngjs decodes (and allocates
 * width x height x 4 bytes for) the image: a damaged header fails with a message, not with an
 * allocation of gigabytes.
 */
function checkPngHeader(file: string, b: Uint8Array): void {
  if (b.length < 24 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) throw new Error(`${file}: cannot decode PNG: no PNG signature (not a PNG file)`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ihdr = String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!);
  if (ihdr !== 'IHDR' || view.getUint32(8) !== 13) throw new Error(`${file}: cannot decode PNG: the first chunk is not a 13-byte IHDR`);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  if (width < 1 || height < 1 || width * height > MODEL_LIMITS.maxInputPixels) {
    throw new Error(`${file}: PNG of ${width} x ${height} pixels, expected 1 to ${MODEL_LIMITS.maxInputPixels} pixels (4096 x 4096)`);
  }
}

/** RGBA (what pngjs decodes every PNG to) into grey or RGB, HWC. */
function writePixels(rgba: Uint8Array, out: Uint8Array, channels: 1 | 3): void {
  const pixels = rgba.length / 4;
  for (let p = 0; p < pixels; p++) {
    const r = rgba[4 * p]!, g = rgba[4 * p + 1]!, b = rgba[4 * p + 2]!;
    if (channels === 3) {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    } else {
      out[p] = r === g && g === b ? r : Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
}
