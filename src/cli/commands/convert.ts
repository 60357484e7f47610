// `spikemesh convert <model.json> -o <out.json>`: a quantized tfjs LayersModel (or a float one
// with --wq/--aq) -> a spikemesh model (.json + .bin), written atomically.
import type { Command } from 'commander';
import { UsageError } from '../main.js';
import { checkOutputFile } from './paths.js';
import { addQuantizeOptions, addScalingOptions, printAlignment, quantizationFrom, quietTfjs, scalingFrom, type TfjsModelOpts } from './tfjs-options.js';

interface ConvertOpts extends TfjsModelOpts {
  output: string;
  inputBits: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('convert')
    .description('convert a quantized tfjs LayersModel (model.json + weights) to a spikemesh model')
    .argument('<model>', 'tfjs model.json (its weight files beside it)')
    .requiredOption('-o, --output <out.json>', 'spikemesh model to write (.json, with its .bin beside it)')
    .option('--input-bits <bits>', 'bits of the unsigned integer input', '8');
  addScalingOptions(addQuantizeOptions(cmd)).action(async (path: string, opts: ConvertOpts) => {
    if (!opts.output.endsWith('.json')) throw new UsageError(`-o ${opts.output}: the output must end in .json`);
    const inputBits = Number(opts.inputBits);
    if (!Number.isInteger(inputBits) || inputBits < 1 || inputBits > 8) {
      throw new UsageError(`--input-bits ${opts.inputBits}: expected an integer from 1 to 8`);
    }
    const quantization = quantizationFrom(opts);
    const inputScaling = scalingFrom(opts);
    await checkOutputFile('-o', opts.output, 'model', [opts.output.replace(/\.json$/, '.bin')]);
    await quietTfjs();
    const { loadTfjsModel, quantize, analyze, alignThresholds, hardwareIssues, formatCompatibilityIssue, ConversionError } = await import('../../convert.js');
    const { saveModel } = await import('../../index.js');
    let model = await loadTfjsModel(path);
    if (quantization) model = quantize(model, quantization);
    if (opts.align) printAlignment(await alignThresholds(model, { inputScaling, inputBits }));
    const result = await analyze(model, { inputScaling, inputBits });
    if (!result.spec) throw new ConversionError(result.issues);
    const files = await saveModel(result.spec, opts.output);
    const out = process.stdout;
    out.write(`wrote ${files.json} and ${files.bin}\n`);
    for (const layer of result.spec.layers) {
      const sources = result.sources[layer.name];
      out.write(`  ${layer.name} (${layer.kind})${sources ? ` <- ${sources.join(', ')}` : ''}\n`);
    }
    for (const note of result.notes) out.write(`note: ${note}\n`);
    const hw = hardwareIssues(result.spec);
    if (hw.length) {
      out.write(`the model runs in spikemesh but does not map to AKD1000 as is (spikemesh check for details):\n`);
      for (const i of hw) out.write(`  - ${formatCompatibilityIssue(i)}\n`);
    }
  });
}
