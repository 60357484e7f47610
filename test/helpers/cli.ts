// Running the spikemesh CLI from tests: in-process through main() with its output captured, and
// the built CLI (bin/spikemesh.js over dist/) in a real process for exit codes.
import { spawn, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** `spikemesh ...argv` in this process: the exit code and what it wrote to stdout and stderr. */
export async function cli(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    return { code: await main(argv), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined; // `check` sets it; it must not leak into the test process
  }
}

/** The files `vite build` makes that bin/spikemesh.js and the package entry load. */
export const BUILT_ENTRIES = ['dist/cli.js', 'dist/index.js'];
/** What the build reads: folders (walked recursively) and files, relative to the repository. */
export const BUILD_INPUTS = ['src', 'shaders', 'bin', 'package.json', 'vite.config.ts', 'tsconfig.build.json'];

/** The newest modification time (ms) of a file, or of any file under a folder; 0 when absent. */
export function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = 0;
  for (const e of readdirSync(path, { withFileTypes: true })) newest = Math.max(newest, newestMtime(join(path, e.name)));
  return newest;
}

/** Why dist/ must be rebuilt (a built entry missing or older than an input), or undefined when it is current. */
export function staleBuild(root = ROOT): string | undefined {
  const inputs = BUILD_INPUTS.map((p) => ({ p, t: newestMtime(join(root, p)) }));
  const newest = inputs.reduce((a, b) => (b.t > a.t ? b : a));
  for (const entry of BUILT_ENTRIES) {
    const path = join(root, entry);
    if (!existsSync(path)) return `${entry} is missing`;
    if (statSync(path).mtimeMs < newest.t) return `${entry} is older than ${newest.p}`;
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `body` holding a lock folder (test files run in parallel processes; a lock older than 5 min is stale). */
async function withLock<T>(lock: string, body: () => Promise<T>): Promise<T> {
  for (const start = Date.now(); ;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() - start > 600_000) throw new Error(`waited 10 minutes for ${lock}`);
      await sleep(200);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Old hashed chunks of earlier builds: gone once no CLI started before could still load them. */
const OLD_CHUNK = /-[\w-]{8}\.js(\.map)?$/;

/** `vite build` into a folder of its own, then its files moved into dist/, entries last. */
async function build(): Promise<void> {
  const started = new Date();
  const tmp = join(ROOT, 'node_modules', '.cache', `spikemesh-build-${process.pid}`);
  try {
    const b = await run('npx', ['vite', 'build', '--outDir', tmp, '--emptyOutDir', '--logLevel', 'error'], { cwd: ROOT });
    if (b.status !== 0) throw new Error(`vite build failed (${b.status ?? b.signal}): ${b.stderr}`);
    const dist = join(ROOT, 'dist');
    mkdirSync(dist, { recursive: true });
    const files = readdirSync(tmp).filter((f) => statSync(join(tmp, f)).isFile());
    const entries = BUILT_ENTRIES.map((e) => e.slice('dist/'.length));
    const missing = entries.filter((e) => !files.includes(e));
    if (missing.length > 0) throw new Error(`vite build made no ${missing.join(', ')}`);
    for (const f of [...files.filter((f) => !entries.includes(f)), ...entries]) {
      // copy beside, then rename: a reader sees the old file or the new one, never half of one
      const part = join(dist, `.${f}.${process.pid}`);
      copyFileSync(join(tmp, f), part);
      renameSync(part, join(dist, f));
    }
    // the build's start time: a source saved while it ran is newer than the entries
    for (const e of BUILT_ENTRIES) utimesSync(join(ROOT, e), started, started);
    for (const f of readdirSync(dist)) {
      const path = join(dist, f);
      if (!files.includes(f) && OLD_CHUNK.test(f) && Date.now() - statSync(path).mtimeMs > 600_000) rmSync(path, { force: true });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * Builds dist/ (`vite build`) when a built entry is missing or older than any file of the build's
 * inputs (BUILD_INPUTS), so the built CLI is never older than the sources. Test files run in
 * parallel processes: one builds, the others wait for it; a CLI that another process runs
 * meanwhile sees a whole build (the files are moved in, entries last).
 */
export async function buildCliIfStale(): Promise<void> {
  if (!staleBuild()) return;
  await withLock(join(ROOT, 'node_modules', '.spikemesh-build.lock'), async () => {
    // a source saved during a build makes it stale again: build again (sources edited nonstop fail)
    for (let tries = 0; staleBuild(); tries++) {
      if (tries === 3) throw new Error(`dist/ is still stale after ${tries} builds: ${staleBuild()}`);
      await build();
    }
  });
}

/** What a finished process gave: as spawnSync's result. */
export type RunResult = Pick<SpawnSyncReturns<string>, 'status' | 'signal' | 'stdout' | 'stderr'>;

/**
 * A process run to its end without blocking this one (a test worker must keep answering
 * vitest while a long command runs).
 */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** `spikemesh ...args` through the built CLI in a child process (env: this process's by default). */
export function runBuiltCli(args: string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run('node', [join(ROOT, 'bin', 'spikemesh.js'), ...args], { env });
}
