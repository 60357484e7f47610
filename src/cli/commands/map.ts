// `spikemesh map <model.json>`: maps a model on a virtual device and prints, per layer, the
// NPs and nodes used, sequence and pass, hardware or software, and program bytes.
import type { Command } from 'commander';
import { loadModel } from '../../index.js';
import {
  defineMesh,
  expectedStats,
  estimateCost,
  formatCost,
  formatMappedSummary,
  getDevice,
  mapModel,
  mappedSummary,
  type DeviceSpec,
  type MapMode,
} from '../../mesh.js';
import { UsageError } from '../main.js';

interface MapOpts {
  device: string;
  hwOnly?: boolean;
  json?: boolean;
  mode: string;
  density?: string;
}

/** A built-in device name, or a mesh description file (.json). */
async function deviceFrom(arg: string): Promise<DeviceSpec> {
  if (!arg.endsWith('.json')) {
    try {
      return getDevice(arg);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(arg, 'utf8');
  } catch (e) {
    throw new UsageError(`--device ${arg}: cannot read the mesh description (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // the parser's message quotes the text: say where, not what
    const at = /position (\d+)/.exec((e as Error).message);
    throw new Error(`${arg}: not valid JSON (${at ? `syntax error at character ${at[1]}` : 'syntax error'})`);
  }
  return defineMesh(json as Parameters<typeof defineMesh>[0]);
}

export function register(program: Command): void {
  program
    .command('map')
    .description('map a model on a virtual device: NPs, nodes, sequences, passes, program size')
    .argument('<model>', 'model .json (with its .bin beside it)')
    .option('--device <name|mesh.json>', 'AKD1000, TwoNodesIP, or a mesh description file', 'AKD1000')
    .option('--hw-only', 'fail unless every layer maps to hardware')
    .option('--mode <mode>', "'allNps' (spread layers over spare NPs) or 'minimal' (fewest NPs)", 'allNps')
    .option('--density <d>', 'also print a cost estimate assuming a fraction d of every layer output is non-zero')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: MapOpts) => {
      if (opts.mode !== 'allNps' && opts.mode !== 'minimal') {
        throw new UsageError(`--mode ${opts.mode}: expected allNps or minimal`);
      }
      let density: number | undefined;
      if (opts.density !== undefined) {
        density = Number(opts.density);
        if (!(density >= 0 && density <= 1)) throw new UsageError(`--density ${opts.density}: expected a number in [0, 1]`);
      }
      const device = await deviceFrom(opts.device);
      const model = await loadModel(path);
      const plan = mapModel(model, device, { hwOnly: opts.hwOnly ?? false, mode: opts.mode as MapMode });
      const summary = mappedSummary(plan, model);
      const estimate = density === undefined ? undefined : estimateCost(plan, model, expectedStats(plan, model, density), device);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(estimate ? { ...summary, estimate } : summary, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatMappedSummary(summary)}\n`);
        if (estimate) process.stdout.write(`\nAssuming ${density} of every layer output non-zero (inputs dense):\n${formatCost(estimate)}\n`);
      }
    });
}
