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

// ---- outputs being written -------------------------------------------------------------
// Every atomic writer (model pairs here, tfjs models, JSON-lines files, the CLI's plots)
// registers the temporary paths it creates until they are renamed into place or removed. An
// interrupted process (the CLI's signal handlers, src/cli/child.ts) removes the registered paths
// before it exits. The registry lives on globalThis under a registered symbol, so every copy
// of this module (bundled entries) and the CLI share one.

/** The temporary paths being written, and who wants to hear when they change. */
export interface PendingOutputs {
  readonly paths: Set<string>;
  readonly listeners: Set<(paths: readonly string[]) => void>;
}

const PENDING_KEY = Symbol.for('spikemesh.pendingOutputs');

export function pendingOutputs(): PendingOutputs {
  const g = globalThis as unknown as Record<symbol, PendingOutputs | undefined>;
  return (g[PENDING_KEY] ??= { paths: new Set(), listeners: new Set() });
}

function notifyPending(p: PendingOutputs): void {
  const list = [...p.paths];
  for (const l of p.listeners) l(list);
}

/** Registers a temporary path: an interrupted process removes it. */
export function addPendingOutput(path: string): void {
  const p = pendingOutputs();
  p.paths.add(path);
  notifyPending(p);
}

/** The path was renamed into place or removed: nothing to clean up any more. */
export function removePendingOutput(path: string): void {
  const p = pendingOutputs();
  if (p.paths.delete(path)) notifyPending(p);
}

// ---- a JSON file and its weights file, replaced as a pair ---------------------------------

/** The file operations writeFilePair uses (node:fs/promises; tests pass one that fails on cue). */
export interface PairFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string | Uint8Array, options?: { flag?: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
  stat(path: string): Promise<{ isDirectory(): boolean }>;
  access(path: string, mode?: number): Promise<void>;
}

export interface FilePair {
  /** the JSON's path */
  json: string;
  /** the weights file's usual name, beside the JSON ('model.bin', 'weights.bin') */
  binName: string;
  bin: Uint8Array;
  /** the JSON text that names `binName` as its weights file */
  jsonText(binName: string): string;
  /** the weights files an existing JSON names (undefined when it cannot tell) */
  binNamesOf(jsonText: string): string[] | undefined;
}

const dirOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
const randomTag = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0');

async function isDirectory(fs: PairFs, path: string): Promise<boolean> {
  return fs.stat(path).then((s) => s.isDirectory(), () => false);
}

/**
 * Writes a JSON file and the weights file it names so that, whatever fails or interrupts it,
 * the JSON on disk names a weights file that belongs to it: the old pair or the new pair,
 * never the new JSON with the old weights or the reverse.
 *
 * Without an old JSON: the weights go to a temporary name and are renamed to `binName`, then
 * the JSON likewise. Over an old pair, the old files are never touched until the new pair is
 * complete under other names:
 *   1. the new weights are written under a versioned name `<stem>.<tag>.bin`;
 *   2. a JSON naming that file replaces the old JSON (rename: the commit point);
 *   3. the weights are written again under `binName` (temporary name, then rename);
 *   4. a JSON naming `binName` replaces the JSON (rename);
 *   5. the versioned file is removed.
 * A failure before 2 removes what was written and leaves the old pair; after 2 the new pair is
 * on disk (under the versioned name until 4). Returns the weights file the JSON names.
 */
export async function writeFilePair(pair: FilePair, fs: PairFs): Promise<string> {
  const dir = dirOf(pair.json);
  const binPath = dir + pair.binName;
  for (const target of [pair.json, binPath]) {
    if (await isDirectory(fs, target)) throw new Error(`${target} is a directory`);
  }
  const oldText = await fs.readFile(pair.json, 'utf8').catch(() => undefined);
  const tag = randomTag();
  const temps: string[] = [];
  const temp = (target: string) => {
    const t = `${target}.${tag}.tmp`;
    temps.push(t);
    addPendingOutput(t);
    return t;
  };
  const dropTemps = async () => {
    await Promise.all(temps.map((t) => fs.rm(t, { force: true })));
    temps.forEach(removePendingOutput);
    temps.length = 0;
  };
  const replace = async (target: string, data: string | Uint8Array) => {
    const t = temp(target);
    await fs.writeFile(t, data);
    await fs.rename(t, target);
    removePendingOutput(t);
    temps.splice(temps.indexOf(t), 1);
  };

  if (oldText === undefined) {
    const hadBin = await fs.stat(binPath).then(() => true, () => false);
    try {
      await replace(binPath, pair.bin);
      // until the JSON is in place, a new .bin alone is removed by an interruption
      if (!hadBin) addPendingOutput(binPath);
      await replace(pair.json, pair.jsonText(pair.binName));
      removePendingOutput(binPath);
    } catch (e) {
      await dropTemps();
      if (!hadBin) {
        await fs.rm(binPath, { force: true });
        removePendingOutput(binPath);
      }
      throw e;
    }
    return binPath;
  }

  // over an old pair
  const stem = pair.binName.replace(/\.bin$/, '');
  const versionedName = `${stem}.${tag}.bin`;
  const versioned = dir + versionedName;
  try {
    addPendingOutput(versioned);
    await fs.writeFile(versioned, pair.bin, { flag: 'wx' });
    await replace(pair.json, pair.jsonText(versionedName)); // the commit point
    removePendingOutput(versioned);
  } catch (e) {
    await dropTemps();
    await fs.rm(versioned, { force: true });
    removePendingOutput(versioned);
    throw e;
  }
  // the new pair is on disk: settle it under the usual name (a failure here keeps it as is)
  let named = versioned;
  try {
    await replace(binPath, pair.bin);
    await replace(pair.json, pair.jsonText(pair.binName));
    named = binPath;
    await fs.rm(versioned, { force: true });
  } catch {
    await dropTemps();
  }
  // weights of earlier interrupted saves that the old JSON named (only names of this scheme)
  const ours = new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.[0-9a-z]{8}\\.bin$`);
  for (const old of pair.binNamesOf(oldText) ?? []) {
    if (ours.test(old) && dir + old !== named) await fs.rm(dir + old, { force: true }).catch(() => {});
  }
  return named;
}

/**
 * Writes `path` (the JSON) and its .bin beside it, atomically as a pair (writeFilePair): a
 * failure or an interruption at any point leaves the previous pair or the new one, and no
 * partial or temporary file.
 */
export async function saveModel(spec: ModelSpec, path: string): Promise<{ json: string; bin: string }> {
  if (!path.endsWith('.json')) throw new ModelError(`${path}: a model path must end in .json`, { source: path });
  const weightsFile = binNameFor(path);
  const { json, bin } = serializeModel(spec, { weightsFile });
  const fs = await nodeFs();
  try {
    const binPath = await writeFilePair({
      json: path,
      binName: weightsFile,
      bin,
      jsonText: (name) => `${JSON.stringify({ ...json, weightsFile: name }, null, 1)}\n`,
      binNamesOf: (text) => {
        try {
          const name = (JSON.parse(text) as { weightsFile?: unknown }).weightsFile;
          return typeof name === 'string' ? [name] : undefined;
        } catch {
          return undefined;
        }
      },
    }, fs);
    return { json: path, bin: binPath };
  } catch (e) {
    throw new ModelError(`${path}: could not save the model (${(e as Error).message})`, { source: path });
  }
}

/** Reads a model saved by saveModel (or written by hand with inline arrays) and validates it. */
export async function loadModel(path: string): Promise<ModelSpec> {
  const fs = await nodeFs();
  const text = await readOrFail(() => fs.readFile(path, 'utf8'), path, path);
  const json = parseModelJson(text, path);
  const bin = await binOf(json, path, (name) => readOrFail(() => fs.readFile(besideFile(path, name)), path, name));
  return deserializeModel(json, bin, path);
}

/**
 * An http: or https: URL, resolved against the page's address in a browser. Other schemes
 * (file:, data:, blob:, ...) are refused: a page must not read the machine's files through a
 * model or dataset name.
 */
export function httpUrl(url: string | URL, source: string, base?: string | URL): URL {
  let u: URL;
  try {
    u = new URL(url, base ?? globalThis.location?.href);
  } catch {
    throw new ModelError(`${source}: '${String(url)}' is not a URL (fetch takes http: or https: URLs; use a file path with the Node loaders)`, { source });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new ModelError(`${source}: ${u.protocol} URLs are not fetched, only http: and https: (use a file path with the Node loaders)`, { source });
  }
  return u;
}

/** Fetches a model JSON and the .bin it names (resolved against the JSON's URL); http(s) only. */
export async function fetchModel(url: string | URL): Promise<ModelSpec> {
  const source = String(url);
  const at = httpUrl(url, source);
  const res = await fetchOrFail(at, source, source);
  const json = parseModelJson(await res.text(), source);
  const bin = await binOf(json, source, async (name) => {
    const r = await fetchOrFail(httpUrl(name, source, at), source, name);
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
    const why = readFailure(e);
    throw new ModelError(`${source}: cannot read ${file === source ? 'the file' : file} (${why})`, { source });
  }
}

/** Why a file could not be read, in words ('not found', 'it is a directory', ...), never its contents. */
export function readFailure(e: unknown): string {
  const code = (e as { code?: string }).code;
  switch (code) {
    case 'ENOENT': return 'not found';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'EACCES': case 'EPERM': return 'permission denied';
    default: return code ?? (e as Error).message;
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
