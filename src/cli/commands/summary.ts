// `spikemesh summary <model.json>`: the layers of a spikemesh model (shapes, bits, pooling,
// parameters, thresholds), as Akida's model.summary().
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('summary')
    .description('print the layers of a spikemesh model')
    .argument('<model>', 'spikemesh model .json (with its .bin beside it)')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const { formatSummary, loadModel, summarize } = await import('../../index.js');
      const fs = await import('node:fs/promises');
      // a tfjs model.json is a common mix-up: say what to do instead of a format error
      const head = await fs.readFile(path, 'utf8').then((t) => t.slice(0, 4096)).catch(() => '');
      if (/"format"\s*:\s*"layers-model"|"modelTopology"/.test(head)) {
        throw new Error(`${path} is a tfjs model: convert it first (spikemesh convert ${path} -o model.json)`);
      }
      const summary = summarize(await loadModel(path));
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
    });
}
