// `spikemesh bench`: the benchmarks of bench/run.ts (the same as `npm run bench`) on this
// machine's adapter: spikemesh webgpu, the integer reference, tfjs-backend-webgpu on the same
// GPUDevice and tfjs CPU on the committed MNIST model, the integer peak and the conv kernels'
// share of it. The benchmarks are TypeScript in the source checkout (bench/), run by vite-node
// in a child process that reports its exit code (Dawn can crash at exit on SwiftShader).
import type { Command } from 'commander';
import { runInChild } from '../child.js';
import { UsageError } from '../main.js';

interface BenchFlags {
  batch: string;
  tfjsSamples: string;
  cpuSamples: string;
  model?: string;
  float?: string;
  engine: boolean;
}

function count(flag: string, v: string): string {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} ${v}: expected an integer >= 1`);
  return String(n);
}

/** The source checkout this CLI runs from: a directory above it with bench/run.ts and vite-node. */
async function checkout(): Promise<{ root: string; viteNode: string } | undefined> {
  const { existsSync } = await import('node:fs');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const viteNode = join(dir, 'node_modules', 'vite-node', 'vite-node.mjs');
    if (existsSync(join(dir, 'bench', 'run.ts')) && existsSync(viteNode)) return { root: dir, viteNode };
    if (dirname(dir) === dir) return undefined;
  }
}

export function register(program: Command): void {
  program
    .command('bench')
    .description('benchmarks on this adapter: spikemesh webgpu vs the integer reference, tfjs-backend-webgpu (same GPUDevice) and tfjs CPU '
      + 'on the committed MNIST model, the integer multiply-add peak and the conv kernels\' share of it (runs bench/run.ts of the source checkout)')
    .option('--batch <n>', 'spikemesh batch', '1000')
    .option('--tfjs-samples <n>', 'samples tfjs-backend-webgpu is timed on (slow on CPU adapters: a per-sample rate)', '100')
    .option('--cpu-samples <n>', 'samples the tfjs CPU backend is timed on', '200')
    .option('--model <file>', 'a spikemesh model to compare instead of the committed one (with --float)')
    .option('--float <model.json>', 'the float tfjs model it was converted from (with --model)')
    .option('--no-engine', 'skip the synthetic engine benchmark')
    .action(async (f: BenchFlags) => {
      const env: Record<string, string> = {
        BENCH_BATCH: count('--batch', f.batch),
        BENCH_TFJS_SAMPLES: count('--tfjs-samples', f.tfjsSamples),
        BENCH_CPU_SAMPLES: count('--cpu-samples', f.cpuSamples),
        BENCH_ENGINE: f.engine ? '1' : '0',
      };
      if ((f.model === undefined) !== (f.float === undefined)) throw new UsageError('--model and --float go together: a spikemesh model and the float tfjs model it came from');
      const { resolve } = await import('node:path');
      if (f.model && f.float) {
        env.BENCH_MODEL = resolve(f.model);
        env.BENCH_FLOAT = resolve(f.float);
      }
      const found = await checkout();
      if (!found) {
        throw new Error('spikemesh bench runs the TypeScript benchmarks in bench/ of a source checkout with its dev dependencies '
          + '(git clone, npm install); this installation has none');
      }
      const code = await runInChild([resolve(found.root, 'bench', 'run.ts')], { script: found.viteNode, cwd: found.root, env });
      if (code !== 0) process.exitCode = code;
    });
}
