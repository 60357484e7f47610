// `npm run bench` (or `spikemesh bench`): on this machine's adapter, in one process,
//  1. the engine benchmark (bench/engine.ts): the synthetic 4-layer network, GPU vs reference;
//  2. the adapter's integer multiply-add peak (bench/peak.ts);
//  3. the comparison (bench/compare.ts): the committed MNIST model on spikemesh webgpu (generic
//     and weight-specialised conv kernels), the reference, tfjs-backend-webgpu (float model,
//     same GPUDevice) and tfjs CPU; GPU time per dispatch and the conv layers' MACs against
//     the peak.
// Environment: BENCH_BATCH (default 1000), BENCH_TFJS_SAMPLES (100), BENCH_CPU_SAMPLES (200),
// BENCH_MODEL + BENCH_FLOAT (a spikemesh model and its float tfjs model.json), BENCH_ENGINE=0
// skips part 1.
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { reportToParent } from '../src/cli/child.js';
import { acquireDevice, GpuRunner } from '../src/gpu/index.js';
import { compareEngines } from './compare.js';
import { benchEngine } from './engine.js';
import { measureIntPeak } from './peak.js';

function count(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name}=${v}: expected an integer >= 1`);
  return n;
}

const batch = count('BENCH_BATCH', 1000);
const tfjsSamples = count('BENCH_TFJS_SAMPLES', 100);
const cpuSamples = count('BENCH_CPU_SAMPLES', 200);
tf.enableProdMode();
const acquired = await acquireDevice();
const { device, info } = acquired;
const runner = new GpuRunner(device);
const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
console.log(`adapter: ${info.description || info.device || info.vendor} (${info.vendor}, ${info.architecture}${info.software ? ', software' : ''}), ${info.environment}`);
console.log(`date: ${new Date().toISOString()}; load average ${load()}`);

if (process.env.BENCH_ENGINE !== '0') {
  for (const separable of [false, true]) {
    const r = await benchEngine(runner, { batch, separable });
    console.log(`\nengine: MNIST 4-layer network (${separable ? 'third layer separable' : 'third layer conv 3x3x64'}), 4-bit, batch ${r.batch}`);
    console.log(`  output density per layer: ${r.density.map((d) => d.toFixed(3)).join(', ')}`);
    console.log(`  webgpu:    ${r.webgpu.samplesPerSecond.toFixed(0).padStart(8)} samples/s  (best of ${r.webgpu.runs} after 1 warm-up, ${r.webgpu.chunks} chunk(s))`);
    console.log(`  reference: ${r.reference.samplesPerSecond.toFixed(0).padStart(8)} samples/s  (best of ${r.webgpu.runs} on ${r.reference.samples} samples after a 5-sample warm-up)`);
    console.log(`  ratio:     ${r.ratio.toFixed(1)}x  (outputs identical: ${r.identical})`);
    if (r.profile) {
      const total = r.profile.reduce((s, k) => s + k.ns, 0);
      console.log(`  GPU time per dispatch (timestamp-query, least of ${r.webgpu.runs} profiled forwards), total ${(total / 1e6).toFixed(1)} ms:`);
      for (const k of r.profile) console.log(`    ${k.label.padEnd(28)} ${(k.ns / 1e6).toFixed(2).padStart(8)} ms`);
    }
  }
}

const peak = await measureIntPeak(runner);
console.log(`\ninteger peak (acc = acc * m + c on independent accumulators, timestamp queries, best of 5 per variant): ${(peak.macsPerSecond / 1e9).toFixed(2)} G multiply-adds/s (${peak.best.accumulators} x ${peak.best.type})`);
console.log(`  ${peak.variants.map((v) => `${v.accumulators} x ${v.type}: ${(v.macsPerSecond / 1e9).toFixed(2)}`).join('; ')}`);

const c = await compareEngines(acquired, runner, peak, {
  batch, tfjsSamples, cpuSamples, model: process.env.BENCH_MODEL || undefined, float: process.env.BENCH_FLOAT || undefined,
});
const rate = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).padStart(8);
const kernels = (sp: string) => (sp === 'never' ? 'generic kernels' : 'specialised kernels');
const g = (x: number) => (x / 1e9).toFixed(3);
const pc = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log(`\ncomparison: ${c.model.name} (${c.model.source}${c.model.spikemesh ? `: ${c.model.spikemesh}, float ${c.model.float}` : ''}), one adapter, one process; load average ${load()}`);
if (c.model.note) console.log(`  note: ${c.model.note}`);
for (const v of c.variants) {
  const w = v.engines.webgpu;
  console.log(`  (a) spikemesh webgpu, ${kernels(v.specialize).padEnd(20)} ${rate(w.samplesPerSecond)} samples/s  (batch ${v.engines.batch}, best of ${w.runs} after 1 warm-up, ${w.chunks} chunk(s); `
    + `setup ${w.setupSeconds.toFixed(1)} s: GpuModel.create + first dispatch${v.specialize === 'never' ? '' : ', weights compiled into the shaders'})`);
}
console.log(`  (b) spikemesh reference                    ${rate(c.reference.samplesPerSecond)} samples/s  (best of the runs alternated with (a), ${c.reference.samples} samples each)`);
console.log(`  (c) tfjs-backend-webgpu, float model       ${rate(c.tfjsWebgpu.samplesPerSecond)} samples/s  (same GPUDevice, batch of ${c.tfjsWebgpu.samples}, best of ${c.tfjsWebgpu.runs} after 1 warm-up; `
  + `fewer samples because it is slow on a CPU adapter: a per-sample rate)`);
console.log(`  (d) tfjs cpu, float model                  ${rate(c.tfjsCpu.samplesPerSecond)} samples/s  (batch of ${c.tfjsCpu.samples}, best of ${c.tfjsCpu.runs} after 1 warm-up)`);
for (const v of c.variants) {
  console.log(`  ratios, ${kernels(v.specialize)}: webgpu / tfjs-webgpu ${v.ratios.vsTfjsWebgpu.toFixed(1)}x (target >= 10x); webgpu / reference ${v.ratios.vsReference.toFixed(1)}x (target >= 20x); `
    + `webgpu / tfjs cpu ${v.ratios.vsTfjsCpu.toFixed(1)}x`);
}
const first = c.variants[0]!.engines;
console.log(`  webgpu and reference outputs identical on ${first.reference.samples} samples: ${c.variants.map((v) => `${kernels(v.specialize)} ${v.engines.identical}`).join(', ')}`);
console.log(`  output density per layer: ${first.density.map((d) => d.toFixed(3)).join(', ')}`);
for (const v of c.variants) {
  const e = v.engines;
  console.log(`\n  ${kernels(v.specialize)}:`);
  if (e.profile) {
    const gpuTotal = e.profile.reduce((s, k) => s + k.ns, 0);
    console.log(`  GPU time per dispatch (timestamp-query, least of ${e.webgpu.runs} profiled forwards of batch ${e.batch}), total ${(gpuTotal / 1e6).toFixed(1)} ms = ${(gpuTotal / 1e3 / e.batch).toFixed(0)} us/sample `
      + `(best unprofiled wall ${(e.webgpu.bestSeconds * 1e3).toFixed(1)} ms):`);
    for (const k of e.profile) console.log(`    ${k.label.padEnd(28)} ${(k.ns / 1e6).toFixed(2).padStart(8)} ms  ${((100 * k.ns) / gpuTotal).toFixed(1).padStart(5)}%`);
  }
  console.log(`  useful multiply-adds over GPU time, against the peak ${g(peak.macsPerSecond)} G/s (dense: every in-image tap; events: taps on non-zero inputs):`);
  console.log(`    ${'layer'.padEnd(10)} ${'kind'.padEnd(23)} ${'dense MAC/sample'.padStart(16)} ${'event MAC/sample'.padStart(16)} ${'GPU ms'.padStart(8)} ${'dense G/s'.padStart(10)} ${'% peak'.padStart(7)} ${'event G/s'.padStart(10)} ${'% peak'.padStart(7)}`);
  const row = (name: string, kind: string, r: { dense: number; events: number; ns: number; denseRate: number; eventRate: number; denseFraction: number; eventFraction: number }) =>
    console.log(`    ${name.padEnd(10)} ${kind.padEnd(23)} ${(r.dense / e.batch).toFixed(0).padStart(16)} ${(r.events / e.batch).toFixed(0).padStart(16)} ${(r.ns / 1e6).toFixed(1).padStart(8)} `
      + `${g(r.denseRate).padStart(10)} ${pc(r.denseFraction).padStart(7)} ${g(r.eventRate).padStart(10)} ${pc(r.eventFraction).padStart(7)}`);
  for (const l of v.layers) row(l.name, l.kind, l);
  row('conv', 'all conv layers', v.conv);
  console.log(`  target: conv kernels >= 50% of the peak; measured ${pc(v.conv.denseFraction)} (dense count), ${pc(v.conv.eventFraction)} (event count)`);
  if (v.specialize !== 'never') {
    console.log('  (specialised kernels skip zero weights, add equal weights once and skip the windows of a blank input (src/engine/sites.ts):'
      + ' the dense count, above 100% here, includes work they never do; the event count, taps on non-zero inputs, does not)');
  }
}

runner.dispose();
reportToParent(0); // exits; under `spikemesh bench` the parent takes this code even if Dawn crashes at exit
