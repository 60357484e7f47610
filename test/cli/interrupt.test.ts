// Interrupting the built CLI (issue 15): SIGINT, SIGTERM and SIGHUP to `spikemesh eval --output`
// at several moments (before setup, during setup, mid-run while the output streams to its
// temporary file, at the commit), directly, through `timeout` and through `npx`; and the GPU
// worker killed alone, or stuck so that the parent must SIGKILL it. Each time: the exit code
// (128 + the signal's number), one "interrupted" line on stderr, the previous output file
// untouched, no temporary file left, and no process of the run left (found through /proc).
// The runs are concurrent: a run reaches its moment in 2 to 10 s on SwiftShader.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCliIfStale } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = join(ROOT, 'bin', 'spikemesh.js');
const MODEL = join(ROOT, 'models', 'mnist-cnn-q4.akida.json');
const dir = useTempDir('spikemesh-interrupt-');

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete e.SPIKEMESH_IN_PROCESS;
  delete e.SPIKEMESH_GPU_CHILD;
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  for (const t0 = Date.now(); !cond(); await sleep(25)) {
    if (Date.now() - t0 > ms) throw new Error(`waited ${ms} ms for ${what}`);
  }
}

/** pid -> parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return map;
}

/** Every descendant of `pid` now. */
function descendants(pid: number): number[] {
  const map = parents();
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    for (const [c, pp] of map) if (pp === p) (out.push(c), todo.push(c));
  }
  return out;
}

/** True while the process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether `pid` has a handler for signal number n (SigCgt of /proc/<pid>/status). */
function catches(pid: number, n: number): boolean {
  try {
    const mask = BigInt(`0x${/^SigCgt:\s+([0-9a-f]+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]}`);
    return ((mask >> BigInt(n - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

interface Run {
  proc: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  out: string;
  work: string;
}

/** `spikemesh eval <mnist model> --data mnist --output <work>/x.jsonl`, x.jsonl holding "OLD". */
function start(name: string, extraEnv: Record<string, string> = {}, wrap: string[] = [], limit = '3000'): Run {
  const work = mkdtempSync(join(dir(), `${name}-`));
  const out = join(work, 'x.jsonl');
  writeFileSync(out, 'OLD\n');
  const cli = wrap[0] === 'npx' ? [] : ['node', BIN];
  const args = [...wrap, ...cli, 'eval', MODEL, '--data', 'mnist', '--limit', limit, '--batch', '100', '--output', out];
  const proc = spawn(args[0]!, args.slice(1), { cwd: ROOT, env: env(extraEnv), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return { proc, stderr: () => err, exit, out, work };
}

const temps = (work: string) => readdirSync(work).filter((f) => f !== 'x.jsonl');
const tempWithData = (work: string) => temps(work).some((f) => f.endsWith('.tmp') && statSync(join(work, f)).size > 0);

/** What must hold after every interrupted run: the old output, no temp file, no process left. */
async function expectClean(run: Run, pids: number[]): Promise<void> {
  expect(readFileSync(run.out, 'utf8'), 'the previous output').toBe('OLD\n');
  expect(temps(run.work), 'temporary files left').toEqual([]);
  // the parent waits for its worker: nothing may outlive it (a little slack for the kernel to reap)
  await waitFor(`processes ${pids.join(', ')} to go`, () => pids.every((p) => !alive(p)), 3000);
}

function expectInterrupted(run: Run, result: { code: number | null }, signal: string, code: number): void {
  expect(result.code, run.stderr()).toBe(code);
  const lines = run.stderr().split('\n').filter((l) => l.startsWith('spikemesh:') && !l.includes('test pause'));
  expect(lines).toEqual([`spikemesh: interrupted by ${signal}: stopped; no output file was written or replaced`]);
}

describe('an interrupted spikemesh eval --output stops its worker and leaves nothing behind', () => {
  beforeAll(() => buildCliIfStale(), 300_000);

  it.concurrent('SIGTERM as soon as the CLI handles signals, before any setup: exit 143', async () => {
    const run = start('early');
    const pid = run.proc.pid!;
    // Node catches SIGINT and SIGTERM itself from the start (to restore the terminal); the CLI's
    // handlers come with one for SIGHUP, which Node does not catch
    await waitFor("the CLI's signal handlers", () => catches(pid, 1), 10_000);
    const pids = [pid, ...descendants(pid)];
    run.proc.kill('SIGTERM');
    expectInterrupted(run, await run.exit, 'SIGTERM', 143);
    await expectClean(run, pids);
  });

  it.concurrent('SIGINT during setup (the worker started): exit 130, the worker gone', async () => {
    const run = start('setup', { SPIKEMESH_TEST_PAUSE_AT: 'setup' });
    await waitFor('the pause at setup', () => run.stderr().includes('test pause at setup'));
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    expect(pids.length, 'the GPU worker').toBeGreaterThan(1);
    run.proc.kill('SIGINT');
    expectInterrupted(run, await run.exit, 'SIGINT', 130);
    await expectClean(run, pids);
  });

  it.concurrent('SIGTERM mid-run, while the output streams to its temporary file: exit 143, the temp file removed', async () => {
    const run = start('midrun');
    await waitFor('a temporary file with data', () => tempWithData(run.work));
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    run.proc.kill('SIGTERM');
    expectInterrupted(run, await run.exit, 'SIGTERM', 143);
    await expectClean(run, pids);
  });

  it.concurrent('SIGHUP with the output complete in its temporary file, before the rename: exit 129, nothing renamed', async () => {
    const run = start('commit', { SPIKEMESH_TEST_PAUSE_AT: 'commit' }, [], '200');
    await waitFor('the pause at commit', () => run.stderr().includes('test pause at commit'));
    expect(tempWithData(run.work)).toBe(true);
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    run.proc.kill('SIGHUP');
    expectInterrupted(run, await run.exit, 'SIGHUP', 129);
    await expectClean(run, pids);
  });

  it.concurrent('a worker that cannot handle the signal is killed after the grace period; the parent removes its temp file', async () => {
    const run = start('stuck', { SPIKEMESH_TEST_PAUSE_AT: 'commit-busy' }, [], '200');
    await waitFor('the busy pause at commit', () => run.stderr().includes('test pause at commit-busy'));
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    const t0 = Date.now();
    run.proc.kill('SIGTERM');
    expectInterrupted(run, await run.exit, 'SIGTERM', 143);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await expectClean(run, pids);
  });

  it.concurrent('the GPU worker killed alone (SIGTERM to its pid): the CLI reports the interruption, exit 143', async () => {
    const run = start('worker');
    await waitFor('a temporary file with data', () => tempWithData(run.work));
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    const worker = descendants(run.proc.pid!).find((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('spikemesh'))!;
    process.kill(worker, 'SIGTERM');
    expectInterrupted(run, await run.exit, 'SIGTERM', 143);
    await expectClean(run, pids);
  });

  it.concurrent('through timeout(1) (it signals the process group): exit 130 with --preserve-status', async () => {
    const run = start('timeout', { SPIKEMESH_TEST_PAUSE_AT: 'commit' }, ['timeout', '--preserve-status', '-s', 'INT', '6'], '200');
    await waitFor('the CLI under timeout', () => descendants(run.proc.pid!).length >= 2);
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    expectInterrupted(run, await run.exit, 'SIGINT', 130);
    await expectClean(run, pids);
  });

  it.concurrent('through npx: npx forwards SIGTERM to a shell that does not pass it on; the orphaned CLI stops by itself', async () => {
    const run = start('npx', { SPIKEMESH_TEST_PAUSE_AT: 'commit' }, ['npx', 'spikemesh'], '200');
    await waitFor('the pause at commit', () => run.stderr().includes('test pause at commit'));
    const pids = [run.proc.pid!, ...descendants(run.proc.pid!)];
    run.proc.kill('SIGTERM');
    const npx = await run.exit; // npm re-raises the signal on itself: a shell sees 143
    expect(npx.signal === 'SIGTERM' || npx.code === 143, JSON.stringify(npx)).toBe(true);
    // the CLI notices within 250 ms that its parent shell is gone, and stops its worker
    await waitFor('every process of the run to go', () => pids.every((p) => !alive(p)), 8000);
    await expectClean(run, pids);
    expect(run.stderr()).toContain('spikemesh: interrupted by SIGHUP (the npm process that started it ended)');
  });
});
