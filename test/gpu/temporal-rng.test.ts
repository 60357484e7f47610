import { describe, expect, it } from 'vitest';
import { defaultDevice, GpuRunner, wgsl, type Kernel } from '../../src/gpu/index.js';
import { bernoulli, mix32, spikeProbability23, spikeRandom } from '../../src/temporal/rng.js';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import rngLib from '../../shaders/lib/rng.wgsl?raw';

// A probe kernel around shaders/lib/rng.wgsl: per (seed, sample, t, index, x, max) it writes the
// hash, the mixed value, the probability and the Bernoulli draw.
const probe: Kernel<object> = {
  name: 'rng_probe',
  workgroupSize: 64,
  bindings: [
    { name: 'args', type: 'read-only-storage', wgslType: 'array<u32>' },
    { name: 'out', type: 'storage', wgslType: 'array<u32>' },
  ],
  source: wgsl(indexLib, rngLib, `
    @compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
      let i = linear_index(gid, nwg, 64u);
      if (i >= arrayLength(&args) / 6u) { return; }
      let a = i * 6u;
      let h = spike_random(args[a], args[a + 1u], args[a + 2u], args[a + 3u]);
      let p = spike_probability23(args[a + 4u], args[a + 5u]);
      out[i * 4u] = h;
      out[i * 4u + 1u] = mix32(args[a]);
      out[i * 4u + 2u] = p;
      out[i * 4u + 3u] = select(0u, 1u, bernoulli(h, p));
    }`),
};

describe('counter-based RNG: WGSL == TypeScript', () => {
  it('gives the same hashes, probabilities and draws on a grid of counters', async () => {
    const { device } = await defaultDevice();
    const runner = new GpuRunner(device);
    const cases: number[][] = [];
    const seeds = [0, 1, 42, 0xffffffff, 0x9e3779b9];
    for (const seed of seeds) {
      for (let k = 0; k < 400; k++) {
        const max = [1, 15, 200, 255][k % 4]!;
        cases.push([seed, (k * 7919) >>> 0, k % 37, (k * 104729) % 100000, (k * 13) % (max + 3), max]);
      }
    }
    const args = Uint32Array.from(cases.flat());
    const a = runner.upload(args, 'rng:args');
    const o = runner.acquire(cases.length * 16, 'storage', 'rng:out');
    const enc = device.createCommandEncoder();
    await runner.checked('rng probe', () => runner.dispatch(enc, probe, {}, { args: a, out: o }, runner.grid(cases.length, 64), 'rng'));
    device.queue.submit([enc.finish()]);
    const out = new Uint32Array(await runner.read(o, cases.length * 16));
    cases.forEach(([seed, sample, t, index, x, max], i) => {
      const h = spikeRandom(seed!, sample!, t!, index!);
      const p = spikeProbability23(x!, max!);
      expect([out[i * 4], out[i * 4 + 1], out[i * 4 + 2], out[i * 4 + 3]]).toEqual([h, mix32(seed!), p, bernoulli(h, p) ? 1 : 0]);
    });
    runner.dispose();
  });
});
