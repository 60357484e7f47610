// `spikemesh quantize <model.json> --wq 4 --aq 4 --iq 8`: the cnn2snn quantize step. Writes a
// tfjs model with quantization-aware layers, ready for fine-tuning in tfjs or for convert.
import type { Command } from 'commander';
import { UsageError } from '../main.js';
import { checkOutputDirectory } from './paths.js';
import { addQuantizeOptions, addScalingOptions, printAlignment, quantizationFrom, quietTfjs, scalingFrom, type TfjsModelOpts } from './tfjs-options.js';
import { loadSource } from './model-file.js';

interface QuantizeOpts extends TfjsModelOpts {
  output?: string;
}

/** cnn2snn's naming: model -> model_iq8_wq4_aq4 (a directory beside the source model's). */
function defaultOutput(path: string, iq: number, wq: number, aq: number): string {
  const dir = path.replace(/[\\/][^\\/]*$/, '') || '.';
  const base = dir === '.' ? 'model' : dir;
  return `${base.replace(/[\\/]+$/, '')}_iq${iq}_wq${wq}_aq${aq}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('quantize')
    .description('quantize a tfjs LayersModel: Conv2D/SeparableConv2D/Dense/ReLU -> quantization-aware layers')
    .argument('<model>', 'tfjs model.json (float or already quantized)')
    .option('-o, --output <dir>', 'directory for the quantized model.json + weights.bin (default: <model dir>_iq<iq>_wq<wq>_aq<aq>)');
  addScalingOptions(addQuantizeOptions(cmd)).action(async (path: string, opts: QuantizeOpts) => {
    const q = quantizationFrom(opts);
    if (!q) throw new UsageError('quantize needs --wq and --aq (and optionally --iq, --per-axis)');
    const inputScaling = scalingFrom(opts);
    const dir = opts.output ?? defaultOutput(path, q.inputWeightBits ?? q.weightBits, q.weightBits, q.activationBits);
    await checkOutputDirectory(opts.output ? '-o' : 'the output directory', dir, 'quantized model', ['model.json', 'weights.bin']);
    await quietTfjs();
    const { quantize, saveTfjsModel, alignThresholds } = await import('../../convert.js');
    const model = await loadSource(path);
    const quantized = quantize(model, q);
    if (opts.align) printAlignment(await alignThresholds(quantized, { inputScaling, ...(q.bnFold && { bnFold: q.bnFold }) }));
    await saveTfjsModel(quantized, dir);
    process.stdout.write(`wrote ${dir}/model.json and ${dir}/weights.bin\n`);
  });
}
