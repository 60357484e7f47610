// loadFloatModel: one entry for every float (or quantization-aware) source model, in Node (file
// paths) and the browser (bytes, or http(s) URLs through fetch). The format is recognised by
// content (detect.ts); each reader builds a tfjs LayersModel with the same float weights in the
// engine's NHWC layout, which floatGraphFromTfjs (tfjs.ts) reads like any other.
import type * as tf from '@tensorflow/tfjs';
import { readFailure } from '../ir/files.js';
import { detectFormat, type SourceFormat } from './detect.js';
import { kerasFromH5, kerasFromZip } from './keras.js';
import { onnxToTfjs } from './onnx.js';

export type { SourceFormat } from './detect.js';

/** Reads a file that sits beside the model (a tfjs weight file, ONNX external data); undefined when missing. */
export type BesideReader = (name: string) => Promise<Uint8Array | undefined>;

/**
 * Builds a tfjs LayersModel from a parsed model.json and a reader of its weight files. io/ does
 * not build tfjs model.json files itself: the quantization-aware layers they may hold are
 * registered by convert/ (convert/tfjs-io.ts `modelFromArtifacts` has this signature).
 */
export type TfjsLoader = (json: unknown, read: (path: string) => Promise<ArrayBuffer | undefined>, source: string) => Promise<tf.LayersModel>;

export interface LoadOptions {
  /** the name errors use (default: the path or URL; 'model' for bytes) */
  name?: string;
  /** skip detection (a --format flag) */
  format?: SourceFormat;
  /** files beside the model when it is given as bytes (browser uploads): tfjs weights, ONNX external data */
  readBeside?: BesideReader;
  /** how to build a tfjs model.json (required for that format) */
  tfjs?: TfjsLoader;
}

export interface LoadedModel {
  model: tf.LayersModel;
  format: SourceFormat;
}

/** Largest model file read (a bigger one is not a CNN spikemesh can map). */
const MAX_FILE = 2 ** 31 - 1;

// A variable specifier keeps browser bundlers from resolving node:fs (as src/ir/files.ts).
const FS_MODULE = 'node:fs/promises';
const nodeFs = (): Promise<typeof import('node:fs/promises')> => import(/* @vite-ignore */ FS_MODULE);

const isUrl = (s: string | URL) => s instanceof URL || /^https?:\/\//i.test(s);

/** `name` beside `path` ('/' or '\\' separated), refusing names that leave its directory. */
function besidePath(path: string, name: string): string | undefined {
  if (name.startsWith('/') || name.includes('\\') || name.split('/').includes('..')) return undefined;
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1) + name;
}

async function readNode(path: string, source: string): Promise<Uint8Array> {
  const fs = await nodeFs();
  try {
    const st = await fs.stat(path);
    if (st.isDirectory()) {
      throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    }
    if (st.size > MAX_FILE) throw new Error(`${source}: the file has ${st.size} bytes, more than any model spikemesh reads`);
    return new Uint8Array(await fs.readFile(path));
  } catch (err) {
    if ((err as Error).message.startsWith(source)) throw err;
    throw new Error(`${source}: cannot read the model: ${readFailure(err)}`);
  }
}

async function fetchBytes(url: URL, source: string): Promise<Uint8Array | undefined> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`${source}: cannot fetch ${url.href}: ${(err as Error).message}`);
  }
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`${source}: cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads a source model: a file path (Node), an http(s) URL, or the file's bytes. Errors name the
 * file and what is wrong. The returned model is the caller's to dispose.
 */
export async function loadFloatModel(source: string | URL | Uint8Array | ArrayBuffer, options: LoadOptions = {}): Promise<LoadedModel> {
  let bytes: Uint8Array;
  let name: string;
  let beside: BesideReader | undefined = options.readBeside;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
    name = options.name ?? 'model';
  } else if (isUrl(source)) {
    const url = new URL(String(source));
    name = options.name ?? url.href;
    const got = await fetchBytes(url, name);
    if (!got) throw new Error(`${name}: cannot fetch the model: HTTP 404`);
    bytes = got;
    beside ??= async (file) => {
      if (file.startsWith('/') || file.split('/').includes('..')) return undefined;
      return fetchBytes(new URL(file, url), name);
    };
  } else {
    const path = String(source);
    name = options.name ?? path;
    bytes = await readNode(path, name);
    beside ??= async (file) => {
      const p = besidePath(path, file);
      if (!p) return undefined;
      const fs = await nodeFs();
      try {
        return new Uint8Array(await fs.readFile(p));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new Error(`${name}: cannot read '${file}' beside it: ${readFailure(err)}`);
      }
    };
  }
  try {
    return await read(bytes, name, options, beside);
  } catch (err) {
    // every failure names the file, whichever library raised it
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith(`${name}:`)) throw err;
    throw new Error(`${name}: ${message}`, { cause: err });
  }
}

async function read(bytes: Uint8Array, name: string, options: LoadOptions, beside: BesideReader | undefined): Promise<LoadedModel> {
  const format = options.format ?? detectFormat(bytes, name);
  switch (format) {
    case 'keras':
      return { model: await kerasFromZip(bytes, name), format };
    case 'h5':
      return { model: await kerasFromH5(bytes, name), format };
    case 'onnx':
      return { model: await onnxToTfjs(bytes, name, beside), format };
    case 'tfjs': {
      if (!options.tfjs) {
        throw new Error(`${name}: a tfjs model.json needs the tfjs loader (loadSourceModel in spikemesh/convert passes it)`);
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch (err) {
        throw new Error(`${name}: not valid JSON (${(err as Error).message})`);
      }
      const read = async (p: string) => {
        const b = beside ? await beside(p) : undefined;
        return b ? (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) : undefined;
      };
      return { model: await options.tfjs(json, read, name), format };
    }
    default:
      throw new Error(`${name}: unknown format '${String(format)}': expected one of tfjs, keras, h5, onnx`);
  }
}
