// shaders/lib/activation.wgsl against src/reference/activation.ts on the edges of the rule:
// step boundaries (T*A + k*s/16 and one either side), saturation, negative and huge thresholds,
// steps 1..65535 with pooling areas, and differences large enough that 16*d leaves u32; the
// same for the form with host-computed constants (akida_activate4_scaled), up to its bound.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgsl, type Kernel } from '../../src/gpu/index.js';
import type { GpuRunner } from '../../src/gpu/index.js';
import { MAX_SCALED_STEP, scaledActivation } from '../../src/kernels/epilogue.js';
import { activate } from '../../src/reference/index.js';
import activationLib from '../../shaders/lib/activation.wgsl?raw';
import { mulberry32 } from '../helpers/random-model.js';
import { testRunner } from './compare.js';

/** One test kernel per form; 4 lanes per invocation, each with its own case; 16 words per invocation. */
function activationKernel(name: string, call: string): Kernel<object> {
  return {
    name,
    workgroupSize: 64,
    bindings: [
      { name: 'cases', type: 'read-only-storage', wgslType: 'array<vec4<u32>>' },
      { name: 'out', type: 'storage', wgslType: 'array<vec4<u32>>' },
    ],
    source: wgsl(
      activationLib,
      `@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
         let i = gid.x;
         if (i >= arrayLength(&out)) { return; }
         let c = array(cases[i * 4u], cases[i * 4u + 1u], cases[i * 4u + 2u], cases[i * 4u + 3u]);
         out[i] = ${call};
       }`,
    ),
  };
}

/** p, threshold, step16 per lane; area and max_out in the last word. */
const general = activationKernel('test-activate4', 'akida_activate4(bitcast<vec4<i32>>(c[0]), bitcast<vec4<i32>>(c[1]), c[2], c[3].x, c[3].y)');
/** p, T * A, d_max per lane, 1/S as f32 bits; max_out in the last word's x. */
const scaled = activationKernel(
  'test-activate4-scaled',
  'akida_activate4_scaled(bitcast<vec4<i32>>(c[0]), ActScale(bitcast<vec4<i32>>(c[1]), bitcast<vec4<i32>>(c[2]), bitcast<vec4<f32>>(c[3])), 15u)',
);

interface Case {
  p: number;
  threshold: number;
  step: number;
}

const I32 = 2 ** 31;

/** Cases for one (area, maxOut) group, all inside validateModel's bounds. */
function groupCases(seed: number, area: number, maxOut: number): Case[] {
  const rng = mulberry32(seed);
  const stepCap = Math.min(2 ** 20 - 1, Math.floor((2 ** 32 - 1) / (17 * area)));
  const out: Case[] = [];
  const add = (p: number, threshold: number, step: number) => {
    if (Math.abs(p) < I32 && Math.abs(threshold * area) < I32 && Math.abs(p - threshold * area) < I32) out.push({ p, threshold, step });
  };
  const steps = [1, 2, 3, 15, 16, 17, 100, 4095, 65535, 65536, 2 ** 20 - 1, stepCap, 1 + Math.floor(rng() * stepCap)].filter((s) => s <= stepCap);
  const tCap = Math.floor((I32 - 1) / area / 2);
  const thresholds = [0, 1, -1, 7, -300, 524287, -524288, tCap, -tCap, Math.floor((rng() - 0.5) * 2 * tCap)];
  for (const step of steps) {
    for (const threshold of thresholds) {
      const base = threshold * area;
      const s = step * area;
      // every level boundary T*A + k*s/16, one below and one above, through saturation
      for (let k = 0; k <= maxOut + 2; k++) {
        const b = base + Math.floor((k * s) / 16);
        for (const d of [-1, 0, 1]) add(b + d, threshold, step);
      }
      // far above (16*d beyond u32) and far below
      add(base + 2 ** 28, threshold, step);
      add(base + 2 ** 30, threshold, step);
      add(base - 2 ** 30, threshold, step);
      add(Math.floor((rng() - 0.5) * 2 ** 31), threshold, step);
    }
  }
  return out;
}

describe('akida_activate4 (shaders/lib/activation.wgsl)', () => {
  let runner: GpuRunner;
  beforeAll(async () => {
    runner = await testRunner();
  });
  afterAll(() => runner.dispose());

  /** Runs `words` (16 per invocation) through `kernel`; returns the 4 outputs of each. */
  async function run(kernel: ReturnType<typeof activationKernel>, words: number[]): Promise<Uint32Array> {
    const invocations = words.length / 16;
    const input = runner.upload(new Uint32Array(words), 'test:activate:cases');
    const output = runner.acquire(invocations * 16, 'storage', 'test:activate:out');
    await runner.checked('activate', async () => {
      const enc = runner.device.createCommandEncoder();
      runner.dispatch(enc, kernel, {}, { cases: input, out: output }, runner.grid(invocations, 64), 'test:activate');
      runner.device.queue.submit([enc.finish()]);
    });
    const got = new Uint32Array(await runner.read(output, invocations * 16));
    runner.release(input, output);
    return got;
  }

  it('equals the reference activation on boundaries, saturation and extreme values', async () => {
    const groups: { area: number; maxOut: number; cases: Case[] }[] = [];
    let seed = 1;
    for (const area of [1, 2, 4, 9, 49, 196, 3000]) {
      for (const maxOut of [1, 3, 15]) groups.push({ area, maxOut, cases: groupCases(seed++, area, maxOut) });
    }
    // pack 4 cases per invocation; a group's last invocation repeats its last case
    const words: number[] = [];
    const expected: number[] = [];
    for (const g of groups) {
      for (let i = 0; i < g.cases.length; i += 4) {
        const four = [0, 1, 2, 3].map((j) => g.cases[Math.min(i + j, g.cases.length - 1)]!);
        words.push(...four.map((c) => c.p >>> 0), ...four.map((c) => c.threshold >>> 0), ...four.map((c) => c.step), g.area, g.maxOut, 0, 0);
        expected.push(...four.map((c) => activate(c.p, c.threshold, c.step, g.area, g.maxOut)));
      }
    }
    expect(words.length / 16).toBeGreaterThan(1000);
    const got = await run(general, words);
    const firstBad = expected.findIndex((e, i) => e !== got[i]);
    if (firstBad >= 0) {
      const inv = Math.floor(firstBad / 4);
      const lane = firstBad % 4;
      const w = words.slice(inv * 16, inv * 16 + 16);
      expect.fail(`case ${firstBad}: p ${w[lane]! | 0}, threshold ${w[4 + lane]! | 0}, step16 ${w[8 + lane]}, area ${w[12]}, max ${w[13]}: got ${got[firstBad]}, expected ${expected[firstBad]}`);
    }
    // the cases reach every level, including 0 and saturation
    for (const maxOut of [1, 3, 15]) {
      for (let level = 0; level <= maxOut; level++) expect(expected.some((e, i) => e === level && words[Math.floor(i / 4) * 16 + 13] === maxOut)).toBe(true);
    }
  });

  it('akida_activate4_scaled with scaledActivation constants equals the reference wherever S < 2^17', async () => {
    // max_out 15 (the kernel's), every area, the steps the f32 form accepts, up to S = 2^17 - 1
    const words: number[] = [];
    const expected: number[] = [];
    let seed = 100;
    let accepted = 0;
    for (const area of [1, 2, 4, 9, 49, 196, 3000]) {
      const largest = Math.min(65535, Math.floor((MAX_SCALED_STEP - 1) / area));
      const cases = groupCases(seed++, area, 15).concat(
        [largest, largest - 1].flatMap((step) => [0, 13, -7].flatMap((t) =>
          Array.from({ length: 40 }, (_, k) => t * area + Math.floor((k * step * area) / 16)).flatMap((b) => [b - 1, b, b + 1].map((p) => ({ p, threshold: t, step }))))),
      );
      for (const c of cases) {
        const act = { bits: 4 as const, threshold: Int32Array.of(c.threshold), actStep16: Uint32Array.of(c.step) };
        const k = scaledActivation(act, area, 15);
        expect(k === undefined).toBe(c.step * area >= MAX_SCALED_STEP);
        if (!k) continue;
        accepted++;
        words.push(c.p >>> 0, 0, 0, 0, k.ta[0]! >>> 0, 0, 0, 0, k.dMax[0]! >>> 0, 0, 0, 0);
        words.push(...new Uint32Array(Float32Array.of(k.invS[0]!, 1, 1, 1).buffer));
        expected.push(activate(c.p, c.threshold, c.step, area, 15), 0, 0, 0);
      }
    }
    expect(accepted).toBeGreaterThan(2000);
    const got = await run(scaled, words);
    const firstBad = expected.findIndex((e, i) => e !== got[i]);
    if (firstBad >= 0) {
      const w = words.slice(Math.floor(firstBad / 4) * 16);
      expect.fail(`case ${firstBad / 4}: p ${w[0]! | 0}, T*A ${w[4]! | 0}, d_max ${w[8]}: got ${got[firstBad]}, expected ${expected[firstBad]}`);
    }
    for (let level = 0; level <= 15; level++) expect(expected.some((e, i) => i % 4 === 0 && e === level)).toBe(true);
  });
});
