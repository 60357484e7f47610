// shaders/lib/bits.wgsl: lowest_bit equals the index of the lowest set bit (what
// firstTrailingBit returns) for every single bit, bit 31 included, and for random words;
// bits4 packs four spikes lane k -> bit k.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgsl, type Kernel } from '../../src/gpu/index.js';
import type { GpuRunner } from '../../src/gpu/index.js';
import bitsLib from '../../shaders/lib/bits.wgsl?raw';
import { mulberry32 } from '../helpers/random-model.js';
import { testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

/** Runs `out[i] = <expression of w = words[i]>` on the GPU with lib/bits.wgsl. */
async function mapWords(name: string, expression: string, words: number[]): Promise<number[]> {
  const kernel: Kernel<object> = {
    name: `test-${name}`,
    workgroupSize: 64,
    bindings: [
      { name: 'words', type: 'read-only-storage', wgslType: 'array<u32>' },
      { name: 'out', type: 'storage', wgslType: 'array<u32>' },
    ],
    source: wgsl(
      bitsLib,
      `@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
         let i = gid.x;
         if (i >= arrayLength(&out)) { return; }
         let w = words[i];
         out[i] = ${expression};
       }`,
    ),
  };
  const input = runner.upload(Uint32Array.from(words), `test:${name}:words`);
  const output = runner.acquire(words.length * 4, 'storage', `test:${name}:out`);
  await runner.checked(name, async () => {
    const enc = runner.device.createCommandEncoder();
    runner.dispatch(enc, kernel, {}, { words: input, out: output }, runner.grid(words.length, 64), `test:${name}`);
    runner.device.queue.submit([enc.finish()]);
  });
  const got = Array.from(new Uint32Array(await runner.read(output, words.length * 4)));
  runner.release(input, output);
  return got;
}

/** The index of the lowest set bit, in plain TS. */
function lowest(word: number): number {
  let i = 0;
  while (((word >>> i) & 1) === 0) i++;
  return i;
}

describe('shaders/lib/bits.wgsl', () => {
  it('lowest_bit finds the lowest set bit of single bits, all-ones, high bits and random words', async () => {
    const rng = mulberry32(31);
    const words: number[] = [];
    for (let b = 0; b < 32; b++) words.push((2 ** b) >>> 0, (2 ** 32 - 2 ** b) >>> 0, ((2 ** b) | 0x80000000) >>> 0);
    words.push(0xffffffff, 0x80000001, 0xc0000000);
    for (let i = 0; i < 4000; i++) words.push(Math.floor(rng() * 2 ** 32) >>> (i % 32) || 1);
    const expected = words.map(lowest);
    expect(new Set(expected).size).toBe(32);
    expect(await mapWords('lowest-bit', 'lowest_bit(w)', words)).toEqual(expected);
  });

  it('bits4 packs the four lanes of every combination into bits 0..3', async () => {
    const cases = Array.from({ length: 16 }, (_, i) => i);
    // lane k is set when bit k of the case is
    expect(await mapWords('bits4', 'bits4((vec4<u32>(w) & vec4<u32>(1u, 2u, 4u, 8u)) != vec4<u32>(0u))', cases)).toEqual(cases);
  });
});
