// GPU work in a child process, and what happens when the command is interrupted.
//
// Dawn on SwiftShader can crash at process exit after all work is done (DESIGN.md section 6),
// so the parent decides the exit code from the child's report.
//
// Interruption (SIGINT, SIGTERM, SIGHUP; installSignalHandlers, called by the CLI's entry):
// - the parent forwards the signal to the GPU worker at once, and kills it (SIGKILL) when it
//   has not exited after GRACE_MS; a second signal kills it at once;
// - the worker, on the signal, removes the temporary files of the outputs it is writing (the
//   pending outputs of src/ir/files.ts, which every atomic writer registers) and exits without
//   renaming anything into place; it also tells the parent which temporary files it has open,
//   so the parent removes them when the worker had to be killed;
// - a process without a worker (commands that need no GPU, the reference backend) does the
//   same for itself;
// - one line on stderr says the run was interrupted; exit code 128 + the signal's number
//   (SIGHUP 129, SIGINT 130, SIGTERM 143).
// The worker also stops when its parent disappears (the IPC channel closes).
import { fork, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { stopAllProgress } from './progress.js';

const CHILD_FLAG = 'SPIKEMESH_GPU_CHILD';

/** The signals that interrupt a command, with their numbers (exit code 128 + n). */
export const INTERRUPTS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type Interrupt = keyof typeof INTERRUPTS;

/** How long the worker has to exit after a forwarded signal before it is killed. */
export const GRACE_MS = 2000;

export const interruptedExitCode = (signal: Interrupt): number => 128 + INTERRUPTS[signal];

export function isGpuChild(): boolean {
  return process.env[CHILD_FLAG] === '1';
}

/** In the child: report the command's exit code to the parent, then exit. */
export function reportToParent(code: number): void {
  if (process.send && process.connected) {
    process.send({ spikemeshExit: code }, () => process.exit(code));
  } else {
    process.exit(code);
  }
}

// ---- pending outputs (the registry of src/ir/files.ts, shared through globalThis) ----------

interface PendingOutputs {
  readonly paths: Set<string>;
  readonly listeners: Set<(paths: readonly string[]) => void>;
}

function pendingOutputs(): PendingOutputs {
  const g = globalThis as unknown as Record<symbol, PendingOutputs | undefined>;
  return (g[Symbol.for('spikemesh.pendingOutputs')] ??= { paths: new Set(), listeners: new Set() });
}

function removeFiles(paths: Iterable<string>): void {
  for (const p of [...paths]) {
    try {
      rmSync(p, { force: true });
    } catch {
      // a directory or a vanished parent: nothing of ours to remove
    }
  }
}

function interruptedLine(signal: Interrupt, why?: string): string {
  return `spikemesh: interrupted by ${signal}${why ? ` (${why})` : ''}: stopped; no output file was written or replaced\n`;
}

// ---- the worker, as seen from the parent ----------------------------------------------------

interface Worker {
  child: ChildProcess;
  /** the temporary files the worker reported last */
  pending: readonly string[];
  /** the signal this process received while the worker ran, and why when it was not a signal */
  interrupted?: Interrupt;
  why?: string;
  kill?: ReturnType<typeof setTimeout>;
}

let worker: Worker | undefined;
let exiting = false;

/** Another script to run in the child instead of this CLI (`spikemesh bench` runs bench/run.ts). */
export interface ChildScript {
  script: string;
  cwd?: string;
  env?: Record<string, string>;
}

const signalOfCode = (code: number | null): Interrupt | undefined =>
  (Object.keys(INTERRUPTS) as Interrupt[]).find((s) => code === interruptedExitCode(s));

/**
 * In the parent: re-runs this CLI with the same arguments in a child (stdio inherited), or
 * runs `other`, and resolves to the exit code the child reported, whatever happens to the
 * child afterwards. When the command is interrupted, resolves to 128 + the signal's number
 * once the child is gone (see the top of this file).
 */
export function runInChild(argv: string[], other?: ChildScript): Promise<number> {
  return new Promise((resolve) => {
    let reported: number | undefined;
    let childInterrupted: Interrupt | undefined;
    const child = fork(other?.script ?? process.argv[1]!, argv, {
      cwd: other?.cwd,
      env: { ...process.env, ...other?.env, [CHILD_FLAG]: '1' },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      execArgv: process.execArgv,
    });
    const w: Worker = { child, pending: [] };
    worker = w;
    child.on('message', (m: unknown) => {
      if (!m || typeof m !== 'object') return;
      const msg = m as { spikemeshExit?: number; spikemeshPending?: string[]; spikemeshInterrupted?: Interrupt };
      if (msg.spikemeshExit !== undefined) reported = Number(msg.spikemeshExit);
      if (Array.isArray(msg.spikemeshPending)) w.pending = msg.spikemeshPending.filter((p) => typeof p === 'string');
      if (msg.spikemeshInterrupted && msg.spikemeshInterrupted in INTERRUPTS) childInterrupted = msg.spikemeshInterrupted;
    });
    child.on('exit', (code, signal) => {
      if (worker === w) worker = undefined;
      clearTimeout(w.kill);
      if (reported !== undefined) return resolve(reported);
      // the worker did not finish: whatever it was writing goes (it may have been killed)
      removeFiles(w.pending);
      const interrupted = w.interrupted ?? childInterrupted ?? signalOfCode(code);
      if (interrupted) {
        process.stderr.write(interruptedLine(interrupted, w.interrupted ? w.why : undefined));
        return resolve(interruptedExitCode(interrupted));
      }
      if (code === 0 && !signal) return resolve(0);
      process.stderr.write(`spikemesh: the GPU worker process ended before reporting (exit ${code ?? signal})\n`);
      resolve(code && code !== 0 ? code : 70);
    });
  });
}

// ---- signal handling ------------------------------------------------------------------------

function onInterrupt(signal: Interrupt, why?: string): void {
  if (isGpuChild()) {
    // the worker: tell the parent, remove what is being written, go (nothing is renamed)
    if (exiting) return;
    exiting = true;
    try {
      if (process.connected) process.send?.({ spikemeshInterrupted: signal });
    } catch {
      // the parent is gone
    }
    removeFiles(pendingOutputs().paths);
    stopAllProgress();
    process.exit(interruptedExitCode(signal));
  }
  const w = worker;
  if (w) {
    if (w.interrupted) {
      w.child.kill('SIGKILL'); // a second signal: no more waiting
      return;
    }
    w.interrupted = signal;
    w.why = why;
    w.child.kill(signal);
    w.kill = setTimeout(() => w.child.kill('SIGKILL'), GRACE_MS);
    return; // runInChild's exit handler prints the line and resolves
  }
  if (exiting) return;
  exiting = true;
  removeFiles(pendingOutputs().paths);
  stopAllProgress();
  process.stderr.write(interruptedLine(signal, why));
  process.exit(interruptedExitCode(signal));
}

/**
 * Installs the CLI's handlers for SIGINT, SIGTERM and SIGHUP (the real CLI only: tests that
 * call main() in process keep the default behaviour). In the worker, also: its temporary files
 * are reported to the parent as they come and go, and the worker stops when the parent is gone.
 */
export function installSignalHandlers(): void {
  for (const s of Object.keys(INTERRUPTS) as Interrupt[]) process.on(s, () => onInterrupt(s));
  if (isGpuChild()) {
    pendingOutputs().listeners.add((paths) => {
      try {
        if (process.connected) process.send?.({ spikemeshPending: paths });
      } catch {
        // the parent is gone: the disconnect handler below ends this process
      }
    });
    process.on('disconnect', () => {
      if (!exiting) onInterrupt('SIGHUP');
    });
    return;
  }
  // Under npm (npx, npm run), a shell stands between npm and this process and does not pass
  // on the signals npm forwards: when that shell is gone, this process is orphaned. Stop then.
  if (process.env.npm_lifecycle_event) {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) onInterrupt('SIGHUP', 'the npm process that started it ended');
    }, 250).unref();
  }
}

/**
 * A test hook: with SPIKEMESH_TEST_PAUSE_AT=<stage>, the command stops at that stage (after
 * writing one line to stderr) until it is killed; '<stage>-busy' blocks the event loop there
 * instead, so the process cannot handle a signal (the parent's SIGKILL after the grace period).
 */
export async function testPause(stage: string): Promise<void> {
  const at = process.env.SPIKEMESH_TEST_PAUSE_AT;
  if (at !== stage && at !== `${stage}-busy`) return;
  process.stderr.write(`spikemesh: test pause at ${at}\n`);
  if (at.endsWith('-busy')) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
    return;
  }
  await new Promise<void>(() => setInterval(() => {}, 1 << 30));
}
