// What the commands check before any work: output paths (-o, --output, --svg) and --data names;
// and the atomic file write of outputs the library does not write itself (sweep --svg).
// Exit codes: an unusable output path is a failure (exit 1, like an unreadable input file); an
// unknown dataset name is bad usage (exit 2, UsageError).
import { constants } from 'node:fs';
import { access, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../main.js';

type Stat = Awaited<ReturnType<typeof stat>>;
const statOf = (path: string): Promise<Stat | undefined> => stat(path).catch(() => undefined);

function why(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code ?? (e as Error).message;
}

/** A directory that exists and that this process may write in; `fail` otherwise. */
async function writableDirectory(dir: string, fail: (why: string) => never): Promise<void> {
  const d = await statOf(dir);
  if (!d) fail(`the directory ${dir} does not exist`);
  if (!d.isDirectory()) fail(`${dir} is not a directory`);
  await access(dir, constants.W_OK).catch((e) => fail(`the directory ${dir} is not writable (${why(e)})`));
}

const failer = (option: string, path: string, what: string) => (reason: string): never => {
  throw new Error(`${option} ${path}: cannot write the ${what} there: ${reason}`);
};

/**
 * An output file, checked before any work: its directory exists and is writable, and the path
 * is not a directory. `also` are files written beside it (a model's .bin), checked the same way.
 */
export async function checkOutputFile(option: string, path: string, what: string, also: string[] = []): Promise<void> {
  const fail = failer(option, path, what);
  for (const target of [path, ...also]) {
    if ((await statOf(target))?.isDirectory()) fail(`${target} is a directory`);
  }
  await writableDirectory(dirname(resolve(path)), fail);
}

/**
 * An output directory (created when missing), checked before any work: it is a writable
 * directory, or its nearest existing parent is; `files` inside it must not be directories.
 */
export async function checkOutputDirectory(option: string, dir: string, what: string, files: string[]): Promise<void> {
  const fail = failer(option, dir, what);
  const s = await statOf(dir);
  if (s) {
    if (!s.isDirectory()) fail(`${dir} exists and is not a directory`);
    await writableDirectory(dir, fail);
    for (const f of files) if ((await statOf(join(dir, f)))?.isDirectory()) fail(`${join(dir, f)} is a directory`);
    return;
  }
  let parent = dirname(resolve(dir));
  while (!(await statOf(parent)) && dirname(parent) !== parent) parent = dirname(parent);
  await writableDirectory(parent, fail);
}

const DATASET_NAMES = /^(mnist|fashion-mnist(:(test|train))?)$/;
const DATASETS = "'mnist', 'fashion-mnist[:test|:train]', a directory of PNGs or an IDX images file";

/**
 * --data: a dataset name or a path. A word that is neither a known name nor an existing file
 * is bad usage (exit 2); a path that does not exist is left to the dataset reader, which fails
 * naming it (exit 1, like a missing model file).
 */
export async function checkDataArg(option: string, spec: string): Promise<void> {
  if (DATASET_NAMES.test(spec) || (await statOf(spec))) return;
  if (/[\\/]/.test(spec)) return;
  throw new UsageError(`${option} ${spec}: unknown dataset; expected ${DATASETS}`);
}

/**
 * Writes a file through a temporary name beside it, registered as a pending output (an
 * interrupted run removes it): the target is replaced whole or not at all.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${path.split(/[\\/]/).pop()}.${process.pid}.${Date.now()}.tmp`);
  const g = globalThis as unknown as Record<symbol, { paths: Set<string>; listeners: Set<(p: readonly string[]) => void> } | undefined>;
  const pending = (g[Symbol.for('spikemesh.pendingOutputs')] ??= { paths: new Set(), listeners: new Set() });
  const changed = () => pending.listeners.forEach((l) => l([...pending.paths]));
  pending.paths.add(temp);
  changed();
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, path);
  } catch (e) {
    await rm(temp, { force: true });
    throw new Error(`${path}: cannot write the file (${why(e)})`);
  } finally {
    pending.paths.delete(temp);
    changed();
  }
}

/** "cannot read <path> (not found)": why a file could not be read, never its contents. */
export function cannotRead(path: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  const reason = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'it is a directory' : why(e);
  return new Error(`cannot read ${path} (${reason})`);
}
