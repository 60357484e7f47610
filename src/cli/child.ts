// GPU work in a child process. Dawn on SwiftShader can crash at process exit after all work
// is done (DESIGN.md section 6), so the parent decides the exit code from the child's report.
import { fork } from 'node:child_process';

const CHILD_FLAG = 'SPIKEMESH_GPU_CHILD';

export function isGpuChild(): boolean {
  return process.env[CHILD_FLAG] === '1';
}

/** In the child: report the command's exit code to the parent, then exit. */
export function reportToParent(code: number): void {
  if (process.send) {
    process.send({ spikemeshExit: code }, () => process.exit(code));
  } else {
    process.exit(code);
  }
}

/** Another script to run in the child instead of this CLI (`spikemesh bench` runs bench/run.ts). */
export interface ChildScript {
  script: string;
  cwd?: string;
  env?: Record<string, string>;
}

/**
 * In the parent: re-runs this CLI with the same arguments in a child (stdio inherited), or
 * runs `other`, and resolves to the exit code the child reported, whatever happens to the
 * child afterwards.
 */
export function runInChild(argv: string[], other?: ChildScript): Promise<number> {
  return new Promise((resolve) => {
    let reported: number | undefined;
    const child = fork(other?.script ?? process.argv[1]!, argv, {
      cwd: other?.cwd,
      env: { ...process.env, ...other?.env, [CHILD_FLAG]: '1' },
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      execArgv: process.execArgv,
    });
    child.on('message', (m: unknown) => {
      if (m && typeof m === 'object' && 'spikemeshExit' in m) reported = Number((m as { spikemeshExit: number }).spikemeshExit);
    });
    child.on('exit', (code, signal) => {
      if (reported !== undefined) return resolve(reported);
      if (code === 0 && !signal) return resolve(0);
      process.stderr.write(`spikemesh: the GPU worker process ended before reporting (exit ${code ?? signal})\n`);
      resolve(code && code !== 0 ? code : 70);
    });
  });
}
