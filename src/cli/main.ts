// The `spikemesh` command. Each subcommand lives in src/cli/commands/<name>.ts and exports a
// `register(program)` function; add it to COMMANDS below. Commands only use the public API.
import { Command, CommanderError } from 'commander';
import { installSignalHandlers, isGpuChild, reportToParent, runInChild } from './child.js';
import { COMMANDS } from './commands/index.js';

export class UsageError extends Error {}

/** Builds the program; `gpu` commands call ctx.needsGpu() before touching WebGPU. */
export function buildProgram(): Command {
  const program = new Command('spikemesh')
    .description('Convert quantized TensorFlow.js models to Akida-style spiking networks and simulate them with WebGPU')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

/**
 * Runs the CLI and returns the exit code. Commands that use the GPU call needsGpu(); in the
 * parent process they are re-run in a child (child.ts).
 *
 * Exit codes (README, "Exit codes"): 0 success; 1 the work failed (a bad model, bad data, an
 * unusable output path, a GPU error); 2 bad usage (an unknown command or option, a missing or
 * malformed option, an unknown dataset name: UsageError and commander's own errors);
 * 128 + n interrupted by signal n (SIGHUP 129, SIGINT 130, SIGTERM 143; child.ts).
 */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof NeedsGpuProcess) return runInChild(argv);
    // --help and --version exit 0; every other commander error is a usage error
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`spikemesh: ${msg}\n`);
    if (process.env.SPIKEMESH_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}

/** Thrown in the parent by needsGpu(): the command is re-run in a child process. */
export class NeedsGpuProcess extends Error {}

/** Call at the start of a command action that will use WebGPU. */
export function needsGpu(): void {
  if (!isGpuChild() && !process.env.SPIKEMESH_IN_PROCESS) throw new NeedsGpuProcess('gpu');
}

const isEntry = import.meta.url === `file://${process.argv[1]}` || process.env.SPIKEMESH_CLI_ENTRY === '1';
if (isEntry) {
  installSignalHandlers();
  main(process.argv.slice(2)).then((code) => {
    if (isGpuChild()) reportToParent(code);
    else process.exit(code);
  });
}
