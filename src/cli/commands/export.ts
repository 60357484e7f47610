// `spikemesh export <model.json> --onnx <out.onnx>`: a converted spikemesh model as a standard
// ONNX graph (opset 17, integer ops) whose output equals the engine's integers exactly
// (docs/onnx-export.md). The file is written atomically: a temporary file, then a rename.
import type { Command } from 'commander';
import { checkOutputFile, writeFileAtomic } from './paths.js';

export function register(program: Command): void {
  program
    .command('export')
    .description('write a spikemesh model as an ONNX graph that reproduces its integer outputs exactly')
    .argument('<model>', 'spikemesh model .json (with its .bin beside it)')
    .requiredOption('--onnx <out.onnx>', 'ONNX file to write')
    .action(async (path: string, opts: { onnx: string }) => {
      const fs = await import('node:fs/promises');
      // a tfjs model.json is a common mix-up: say what to do instead of a format error
      const head = await fs.readFile(path, 'utf8').then((t) => t.slice(0, 4096)).catch(() => '');
      if (/"format"\s*:\s*"layers-model"|"modelTopology"/.test(head)) {
        throw new Error(`${path} is a tfjs model: convert it first (spikemesh convert ${path} -o model.json), then export that`);
      }
      await checkOutputFile('--onnx', opts.onnx, 'ONNX model');
      const { inferShapes, loadModel } = await import('../../index.js');
      const { exportOnnx } = await import('../../convert.js');
      const spec = await loadModel(path);
      let bytes: Uint8Array;
      try {
        bytes = exportOnnx(spec);
      } catch (e) {
        throw new Error(`${path}: cannot export to ONNX: ${(e as Error).message}`);
      }
      await writeFileAtomic(opts.onnx, bytes);
      const shapes = inferShapes(spec.layers);
      const last = spec.layers[spec.layers.length - 1]!;
      const what = last.kind !== 'InputData' && !last.activation ? 'potentials' : 'activations';
      process.stdout.write(
        `wrote ${opts.onnx} (${bytes.length} bytes, ONNX opset 17): input uint8 [N, ${shapes.inputs[0]!.join(', ')}] (NHWC), `
        + `output int32 [N, ${shapes.output.join(', ')}] (NHWC, the last layer's ${what})\n`,
      );
    });
}
