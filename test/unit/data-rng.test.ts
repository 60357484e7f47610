// The seeded PRNG (src/data/rng.ts) against mulberry32 written again in BigInt arithmetic: the
// committed models were trained on its sequence, and seeded tests depend on it.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';

const U32 = 0xffffffffn;
const mul32 = (x: bigint, y: bigint) => (x * y) & U32;

function* mulberry32BigInt(seed: number): Generator<number> {
  let a = BigInt(seed >>> 0);
  for (;;) {
    a = (a + 0x6d2b79f5n) & U32;
    let t = mul32(a ^ (a >> 15n), a | 1n);
    t ^= (t + mul32(t ^ (t >> 7n), t | 61n)) & U32;
    yield Number(t ^ (t >> 14n)) / 2 ** 32;
  }
}

describe('mulberry32', () => {
  it('draws the mulberry32 sequence, in [0, 1), for seeds across the u32 range', () => {
    for (const seed of [0, 1, 7, 20261123, 0x7fffffff, 0xffffffff]) {
      const r = mulberry32(seed);
      const ref = mulberry32BigInt(seed);
      for (let i = 0; i < 2000; i++) {
        const v = r();
        expect(v, `seed ${seed}, draw ${i}`).toBe(ref.next().value);
        expect(v >= 0 && v < 1).toBe(true);
      }
    }
  });

  it('takes the seed modulo 2^32: -1 is 0xffffffff', () => {
    const a = mulberry32(-1);
    const b = mulberry32(0xffffffff);
    for (let i = 0; i < 10; i++) expect(a()).toBe(b());
  });
});
