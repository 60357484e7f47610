// Running the spikemesh CLI from tests: in-process through main() with its output captured, and
// the built CLI (bin/spikemesh.js over dist/) in a real process for exit codes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
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

/** Builds dist/ when dist/cli.js is missing or older than one of these src/cli/commands modules. */
export function buildCliIfStale(commands: string[]): void {
  const cliJs = join(ROOT, 'dist', 'cli.js');
  const sources = commands.map((c) => join(ROOT, 'src', 'cli', 'commands', `${c}.ts`));
  if (!existsSync(cliJs) || sources.some((f) => statSync(f).mtimeMs > statSync(cliJs).mtimeMs)) {
    const b = spawnSync('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`vite build failed: ${b.stderr}`);
  }
}

/** `spikemesh ...args` through the built CLI in a child process (env: this process's by default). */
export function runBuiltCli(args: string[], env?: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync('node', [join(ROOT, 'bin', 'spikemesh.js'), ...args], { encoding: 'utf8', env });
}
