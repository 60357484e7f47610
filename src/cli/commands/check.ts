// `spikemesh check <model.json>`: the cnn2snn compatibility check. Lists every layer that
// cannot be converted, or cannot map to the device, with the reason and the fix. Exits 1 when
// the model cannot be converted (with --hardware: also when it does not map).
import type { Command } from 'commander';
import { UsageError } from '../main.js';
import { addQuantizeOptions, addScalingOptions, bnFoldFrom, quantizationFrom, quietTfjs, scalingFrom, type TfjsModelOpts } from './tfjs-options.js';
import { loadSource } from './model-file.js';

interface CheckOpts extends TfjsModelOpts {
  json?: boolean;
  hardware?: boolean;
  device: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('check')
    .description('check that a tfjs model converts, and that the result maps to an Akida device')
    .argument('<model>', 'tfjs model.json')
    .option('--device <name>', 'device whose hardware rules apply', 'AKD1000')
    .option('--hardware', 'exit 1 also when the converted model does not map to the device')
    .option('--json', 'print the report as JSON');
  addScalingOptions(addQuantizeOptions(cmd)).action(async (path: string, opts: CheckOpts) => {
    const quantization = quantizationFrom(opts);
    const inputScaling = scalingFrom(opts);
    const bnFold = bnFoldFrom(opts);
    const { getDevice } = await import('../../mesh.js');
    let device;
    try {
      device = getDevice(opts.device);
    } catch (e) {
      throw new UsageError(`--device ${opts.device}: ${(e as Error).message}`);
    }
    await quietTfjs();
    const { quantize, checkCompatibility, formatCompatibilityReport } = await import('../../convert.js');
    let model = await loadSource(path);
    if (quantization) model = quantize(model, quantization);
    const report = await checkCompatibility(model, { inputScaling, device, ...(bnFold && { bnFold }) });
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatCompatibilityReport(report)}\n`);
    if (!report.convertible || (opts.hardware && !report.hardwareCompatible)) process.exitCode = 1;
  });
}
