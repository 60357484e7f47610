// Before/after of a change to the engine: the GPU forward of the committed MNIST model in two
// checkouts of spikemesh (BASELINE: another worktree, e.g. `git worktree add ../baseline <rev>`
// with node_modules linked), alternated in one process on one device, outputs compared.
//   BASELINE=/abs/path/to/baseline npx vite-node --root / bench/ab-trees.ts
// (--root /: vite-node may then load the other tree's .wgsl?raw files.)
import { resolve } from 'node:path';
import * as B from '../src/index.js';
import { mnistDataset } from '../src/data/mnist.js';

const base = process.env.BASELINE;
if (!base) throw new Error('BASELINE=<absolute path of the other checkout> is required');
const A = (await import(/* @vite-ignore */ resolve(base, 'src/index.ts'))) as typeof B;
const here = resolve(import.meta.dirname, '..');
const { device } = await B.acquireDevice();
const spec = await B.loadModel(resolve(here, 'models/mnist-cnn-q4.akida.json'));
let images: Int32Array | undefined;
for await (const b of (await mnistDataset()).batches({ batchSize: 1000, limit: 1000 })) images = Int32Array.from(b.images);
const input = { data: images!, n: 1000, shape: [28, 28, 1] as [number, number, number] };
const rounds = 7;
for (const specialize of ['never', 'always'] as const) {
  const a = await A.GpuModel.create(new A.GpuRunner(device), spec, { specialize });
  const b = await B.GpuModel.create(new B.GpuRunner(device), spec, { specialize });
  await a.forward(input);
  await b.forward(input);
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let t = performance.now();
    const ra = await a.forward(input);
    ta.push(performance.now() - t);
    t = performance.now();
    const rb = await b.forward(input);
    tb.push(performance.now() - t);
    if (ra.output.data.some((v, i) => v !== rb.output.data[i])) throw new Error(`${specialize}: the two trees' outputs differ`);
  }
  const best = (x: number[]) => Math.min(...x).toFixed(1);
  const median = (x: number[]) => [...x].sort((p, q) => p - q)[rounds >> 1]!.toFixed(1);
  console.log(`specialize ${specialize}: baseline best ${best(ta)} ms, median ${median(ta)} ms; this tree best ${best(tb)} ms, ` +
    `median ${median(tb)} ms (1,000 samples per forward, ${rounds} alternated rounds, outputs identical)`);
}
process.exit(0);
