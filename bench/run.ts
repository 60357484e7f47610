// `npm run bench`: the engine benchmark (bench/engine.ts) on this machine's adapter.
// Other benchmarks (tfjs baselines) live in their own modules and are added to the list here.
import { acquireDevice, GpuRunner } from '../src/gpu/index.js';
import { benchEngine } from './engine.js';

const batch = Number(process.env.BENCH_BATCH ?? 1000);
const { device, info } = await acquireDevice();
const runner = new GpuRunner(device);
console.log(`adapter: ${info.description || info.device || info.vendor} (${info.vendor}, ${info.architecture}${info.software ? ', software' : ''}), ${info.environment}`);
console.log(`date: ${new Date().toISOString()}`);

for (const separable of [false, true]) {
  const r = await benchEngine(runner, { batch, separable });
  console.log(`\nengine: MNIST 4-layer network (${separable ? 'third layer separable' : 'third layer conv 3x3x64'}), 4-bit, batch ${r.batch}`);
  console.log(`  output density per layer: ${r.density.map((d) => d.toFixed(3)).join(', ')}`);
  console.log(`  webgpu:    ${r.webgpu.samplesPerSecond.toFixed(0).padStart(8)} samples/s  (best of ${r.webgpu.runs} after 1 warm-up, ${r.webgpu.chunks} chunk(s))`);
  console.log(`  reference: ${r.reference.samplesPerSecond.toFixed(0).padStart(8)} samples/s  (best of ${r.webgpu.runs} on ${r.reference.samples} samples after a 5-sample warm-up)`);
  console.log(`  ratio:     ${r.ratio.toFixed(1)}x  (outputs identical: ${r.identical})`);
  if (r.profile) {
    const total = r.profile.reduce((s, k) => s + k.ns, 0);
    console.log(`  GPU time per dispatch (timestamp-query), total ${(total / 1e6).toFixed(1)} ms:`);
    for (const k of r.profile) console.log(`    ${k.label.padEnd(28)} ${(k.ns / 1e6).toFixed(2).padStart(8)} ms`);
  }
}
runner.dispose();
device.destroy();
process.exit(0);
