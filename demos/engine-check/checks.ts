// The checks of the engine-check page: each runs something on the GPU and the same thing on
// the integer reference, and counts the values that differ.
import { GpuRunner, referenceForward } from '../../src/index.js';
import { wgsl, type Kernel } from '../../src/gpu/index.js';
import { activate } from '../../src/reference/activation.js';
import { GpuModel } from '../../src/engine/run.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import indexLib from '../../shaders/lib/index.wgsl?raw';
import { mulberry32, randInt } from '../../test/helpers/builders.js';
import { modelInput, randomInput, randomModel } from '../../test/helpers/random-model.js';

export interface CheckResult {
  name: string;
  /** what was compared, in words */
  what: string;
  /** values compared */
  values: number;
  /** values that differ */
  mismatches: number;
  /** the first difference, when there is one */
  firstMismatch?: string;
  ms: number;
  pass: boolean;
}

const activationKernel: Kernel<Record<string, never>> = {
  name: 'engine-check:activate',
  workgroupSize: 64,
  bindings: [
    { name: 'cases', type: 'read-only-storage', wgslType: 'array<Case>' },
    { name: 'out', type: 'storage', wgslType: 'array<u32>' },
    { name: 'params', type: 'uniform', wgslType: 'Params' },
  ],
  source: wgsl(activationLib, indexLib, `
struct Case { p: i32, threshold: i32, act_step16: u32, area: u32, max_out: u32 }
struct Params { count: u32 }
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = linear_index(gid, nwg, 64u);
  if (i >= params.count) { return; }
  let c = cases[i];
  out[i] = akida_activate(c.p, c.threshold, c.act_step16, c.area, c.max_out);
}`),
};

/** The Akida activation (shaders/lib/activation.wgsl) on random potentials vs the reference. */
export async function checkActivation(runner: GpuRunner, count = 20_000, seed = 1): Promise<CheckResult> {
  const t0 = performance.now();
  const rng = mulberry32(seed);
  const cases = new Int32Array(count * 5);
  const expected = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const area = rng() < 0.5 ? 1 : randInt(rng, 1, 49);
    const threshold = randInt(rng, -500, 500);
    const step = randInt(rng, 1, 65535);
    const maxOut = [1, 3, 15][randInt(rng, 0, 2)]!;
    // potentials around the threshold, a few steps either side, so every output level occurs
    const p = threshold * area + randInt(rng, -2 * maxOut, 2 * maxOut) * Math.ceil((step * area) / 16) + randInt(rng, -8, 8);
    cases.set([p, threshold, step, area, maxOut], i * 5);
    expected[i] = activate(p, threshold, step, area, maxOut);
  }
  const device = runner.device;
  const input = runner.upload(cases, 'engine-check:cases');
  const output = runner.acquire(count * 4, 'storage', 'engine-check:out');
  const params = runner.uniform([count], 'engine-check:params');
  const got = await runner.checked('engine-check:activate', async () => {
    const enc = device.createCommandEncoder({ label: 'engine-check' });
    runner.dispatch(enc, activationKernel, {}, { cases: input, out: output, params }, runner.grid(count, 64), 'engine-check:activate');
    device.queue.submit([enc.finish()]);
    return new Uint32Array(await runner.read(output, count * 4, 'engine-check:out'));
  });
  runner.release(input, output, params);
  return compare('activation', 'akida_activate (WGSL) vs activate (reference) on random potentials', got, expected, t0);
}

/**
 * Random valid models (test/helpers/random-model.ts: every layer kind, bit width and pooling;
 * seeds 1..models) through GpuModel.forward and referenceForward: every layer's outputs and
 * spike counts.
 */
export async function checkRandomModels(runner: GpuRunner, models = 12, samples = 4): Promise<CheckResult> {
  const t0 = performance.now();
  const got: number[] = [];
  const expected: number[] = [];
  for (let seed = 1; seed <= models; seed++) {
    const spec = randomModel(seed);
    const { shape, bits } = modelInput(spec);
    const input = randomInput(1000 + seed, shape, samples, bits);
    const reference = referenceForward(spec, input, true);
    const gpu = await GpuModel.create(runner, spec);
    try {
      const result = await gpu.forward(input, { keepAll: true });
      for (const r of result.layers ?? []) got.push(...r.data);
      for (const r of reference.layers!) expected.push(...r.data);
      got.push(...result.spikes);
      expected.push(...reference.spikes);
    } finally {
      gpu.dispose();
    }
  }
  const what = `GpuModel.forward vs referenceForward: ${models} random models x ${samples} samples, every layer's outputs and spike counts`;
  return compare('random models', what, got, expected, t0);
}

function compare(name: string, what: string, got: ArrayLike<number>, expected: ArrayLike<number>, t0: number): CheckResult {
  let mismatches = 0;
  let firstMismatch: string | undefined;
  for (let i = 0; i < expected.length; i++) {
    if (got[i] !== expected[i]) {
      mismatches++;
      firstMismatch ??= `index ${i}: GPU ${got[i]}, reference ${expected[i]}`;
    }
  }
  if (got.length !== expected.length) {
    mismatches++;
    firstMismatch ??= `GPU returned ${got.length} values, reference ${expected.length}`;
  }
  return { name, what, values: expected.length, mismatches, firstMismatch, ms: performance.now() - t0, pass: mismatches === 0 };
}
