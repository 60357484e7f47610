// `spikemesh convert <model.json> -o <out.json>`: a quantized tfjs LayersModel (or a float one
// with --wq/--aq) -> a spikemesh model (.json + .bin), written atomically. `-o name` without
// .json writes name.json + name.bin.
import type { Command } from 'commander';
import { UsageError } from '../main.js';
import { checkOutputFile } from './paths.js';
import { addQuantizeOptions, addScalingOptions, bnFoldFrom, printAlignment, quantizationFrom, quietTfjs, scalingFrom, type TfjsModelOpts } from './tfjs-options.js';
import { loadSource } from './model-file.js';

interface ConvertOpts extends TfjsModelOpts {
  output: string;
  inputBits: string;
}

/** -o: `name.json`, or `name` for name.json + name.bin; not a directory's name with a trailing separator, nor the .bin. */
function modelOutput(o: string): string {
  if (o.endsWith('.json')) return o;
  if (/(^|[\\/])$/.test(o)) throw new UsageError(`-o ${o}: expected a file name (name.json, or name for name.json + name.bin)`);
  if (o.endsWith('.bin')) throw new UsageError(`-o ${o}: name the model's .json (${o.replace(/\.bin$/, '.json')}); its .bin is written beside it`);
  return `${o}.json`;
}

export function register(program: Command): void {
  const cmd = program
    .command('convert')
    .description('convert a quantized tfjs LayersModel (model.json + weights) to a spikemesh model')
    .argument('<model>', 'tfjs model.json (its weight files beside it)')
    .requiredOption('-o, --output <out.json>', 'spikemesh model to write: out.json with out.bin beside it (`-o out` writes the same)')
    .option('--input-bits <bits>', 'bits of the unsigned integer input', '8');
  addScalingOptions(addQuantizeOptions(cmd)).action(async (path: string, opts: ConvertOpts) => {
    const output = modelOutput(opts.output);
    const inputBits = Number(opts.inputBits);
    if (!Number.isInteger(inputBits) || inputBits < 1 || inputBits > 8) {
      throw new UsageError(`--input-bits ${opts.inputBits}: expected an integer from 1 to 8`);
    }
    const quantization = quantizationFrom(opts);
    const inputScaling = scalingFrom(opts);
    const bnFold = bnFoldFrom(opts);
    await checkOutputFile('-o', output, 'model', [output.replace(/\.json$/, '.bin')]);
    await quietTfjs();
    const { quantize, analyze, alignThresholds, hardwareIssues, formatCompatibilityIssue, ConversionError } = await import('../../convert.js');
    const { saveModel } = await import('../../index.js');
    let model = await loadSource(path);
    if (quantization) model = quantize(model, quantization);
    if (opts.align) printAlignment(await alignThresholds(model, { inputScaling, inputBits, ...(bnFold && { bnFold }) }));
    const result = await analyze(model, { inputScaling, inputBits, ...(bnFold && { bnFold }) });
    if (!result.spec) throw new ConversionError(result.issues);
    const files = await saveModel(result.spec, output);
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
