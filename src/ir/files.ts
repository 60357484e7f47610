// Saving and loading models: files in Node, URLs in the browser. The format itself lives in
// io.ts; node:fs is imported on demand so this module bundles for the browser.
import { deserializeModel, parseModelJson, serializeModel } from './io.js';
import type { ModelSpec } from './types.js';
import { ModelError } from './validate.js';

// A variable specifier keeps browser bundlers from resolving (and warning about) node:fs;
// Node resolves it at run time, only when a file function is called.
const FS_MODULE = 'node:fs/promises';
function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import(/* @vite-ignore */ FS_MODULE);
}

/** The path of `name` in the directory of `path` ('/' or '\\' separated). */
function besideFile(path: string, name: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1) + name;
}

/** 'dir/model.json' -> 'model.bin' (the .bin name recorded in the JSON, beside it). */
export function binNameFor(jsonPath: string): string {
  const base = jsonPath.split(/[\\/]/).pop()!;
  return `${base.endsWith('.json') ? base.slice(0, -'.json'.length) : base}.bin`;
}

/** The weights file named in a model JSON must sit beside it: no directories, no '..'. */
function checkWeightsFile(name: unknown, source: string): string {
  if (typeof name !== 'string' || name === '' || /[\\/]/.test(name) || name === '.' || name === '..') {
    const found = typeof name === 'string' ? JSON.stringify(name) : String(name);
    throw new ModelError(`${source}: weightsFile is ${found}, expected a file name beside the JSON`, {
      source,
      field: 'weightsFile',
    });
  }
  return name;
}

/**
 * Writes `path` (the JSON) and its .bin beside it. Both are written to temporary names first
 * and then renamed into place, the .bin first: a failure (bad spec, full disk, unwritable
 * target) leaves no partial file, and a new JSON never appears without its .bin.
 */
export async function saveModel(spec: ModelSpec, path: string): Promise<{ json: string; bin: string }> {
  if (!path.endsWith('.json')) throw new ModelError(`${path}: a model path must end in .json`, { source: path });
  const weightsFile = binNameFor(path);
  const { json, bin } = serializeModel(spec, { weightsFile });
  const fs = await nodeFs();
  const binPath = besideFile(path, weightsFile);
  const tag = `.tmp-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const temps: string[] = [];
  try {
    for (const [target, data] of [
      [binPath, bin],
      [path, `${JSON.stringify(json, null, 1)}\n`],
    ] as const) {
      const temp = target + tag;
      temps.push(temp);
      await fs.writeFile(temp, data);
    }
    await fs.rename(binPath + tag, binPath);
    await fs.rename(path + tag, path);
  } catch (e) {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    throw new ModelError(`${path}: could not save the model (${(e as Error).message})`, { source: path });
  }
  return { json: path, bin: binPath };
}

/** Reads a model saved by saveModel (or written by hand with inline arrays) and validates it. */
export async function loadModel(path: string): Promise<ModelSpec> {
  const fs = await nodeFs();
  const text = await readOrFail(() => fs.readFile(path, 'utf8'), path, path);
  const json = parseModelJson(text, path);
  const bin = await binOf(json, path, (name) => readOrFail(() => fs.readFile(besideFile(path, name)), path, name));
  return deserializeModel(json, bin, path);
}

/** Fetches a model JSON and the .bin it names (resolved against the JSON's URL). */
export async function fetchModel(url: string | URL): Promise<ModelSpec> {
  const source = String(url);
  const res = await fetchOrFail(url, source, source);
  const json = parseModelJson(await res.text(), source);
  const bin = await binOf(json, source, async (name) => {
    const r = await fetchOrFail(new URL(name, new URL(source, globalThis.location?.href)), source, name);
    return new Uint8Array(await r.arrayBuffer());
  });
  return deserializeModel(json, bin, source);
}

/** The .bin a JSON needs: none when it has no manifest entries (all arrays inline). */
async function binOf(
  json: unknown,
  source: string,
  read: (name: string) => Promise<Uint8Array>,
): Promise<Uint8Array | undefined> {
  const j = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const entries = Array.isArray(j.weightsManifest) ? j.weightsManifest.length : 0;
  if (entries === 0) return undefined;
  return read(checkWeightsFile(j.weightsFile, source));
}

async function readOrFail<T>(read: () => Promise<T>, source: string, file: string): Promise<T> {
  try {
    return await read();
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'ENOENT' ? 'not found' : (e as Error).message;
    throw new ModelError(`${source}: cannot read ${file === source ? 'the file' : file} (${why})`, { source });
  }
}

async function fetchOrFail(url: string | URL, source: string, name: string): Promise<Response> {
  const file = name === source ? 'the file' : name;
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new ModelError(`${source}: cannot fetch ${file} (${(e as Error).message})`, { source });
  }
  if (!res.ok) throw new ModelError(`${source}: cannot fetch ${file} (HTTP ${res.status} ${res.statusText})`, { source });
  return res;
}
