// `spikemesh reshape <model.json> --width W --height H -o <dir>`: the cnn2snn reshape step. The
// same layers and weights on a new input size (a serial tfjs model whose layers allow it),
// written as a tfjs model (model.json + weights.bin, atomically as a pair). A layer that does
// not accept the new size is named in the error (exit 1).
import type { Command } from 'commander';
import { UsageError } from '../main.js';
import { tfjsOutputDir } from './finetune.js';
import { checkOutputDirectory } from './paths.js';
import { quietTfjs } from './tfjs-options.js';
import { loadSource } from './model-file.js';

interface ReshapeFlags {
  width: string;
  height: string;
  output: string;
}

function size(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 4096) throw new UsageError(`${flag} ${v}: expected an integer from 1 to 4096`);
  return n;
}

export function register(program: Command): void {
  program
    .command('reshape')
    .description('the same tfjs model (layers and weights) on a new input size, where its layers allow it '
      + '(convolutions, pooling; a Flatten + Dense only if the flattened size stays the same)')
    .argument('<model>', 'tfjs model.json (float or quantized; its weights beside it)')
    .requiredOption('--width <w>', 'new input width (pixels)')
    .requiredOption('--height <h>', 'new input height (pixels)')
    .requiredOption('-o, --output <dir>', 'directory for the reshaped model.json + weights.bin')
    .action(async (path: string, f: ReshapeFlags) => {
      const width = size('--width', f.width);
      const height = size('--height', f.height);
      const dir = tfjsOutputDir(f.output);
      await checkOutputDirectory('-o', dir, 'reshaped model', ['model.json', 'weights.bin']);
      await quietTfjs();
      const { reshape, saveTfjsModel } = await import('../../convert.js');
      const model = await loadSource(path);
      const reshaped = reshape(model, { width, height });
      const shape = (m: typeof model, which: 'inputs' | 'outputs') => `[${m[which][0]!.shape.slice(1).join(', ')}]`;
      await saveTfjsModel(reshaped, dir);
      const out = process.stdout;
      out.write(`reshaped ${model.name}: input ${shape(model, 'inputs')} -> ${shape(reshaped, 'inputs')}, `
        + `output ${shape(model, 'outputs')} -> ${shape(reshaped, 'outputs')}; weights unchanged\n`);
      out.write(`wrote ${dir}/model.json and ${dir}/weights.bin\n`);
    });
}
