// activate() (quotient/remainder form, the GPU's arithmetic) against the definition of
// DESIGN.md section 3 written as a loop over n, on random and boundary values.
import { describe, expect, it } from 'vitest';
import { activate } from '../../src/reference/activation.js';
import { mulberry32, pick, randInt } from '../helpers/builders.js';

/**
 * out = 0 if p <= T*A; out = n + 1 if T*A + n*s*A < p <= T*A + (n+1)*s*A (s = s16/16),
 * saturating at 2^bits - 1. Compared in units of 1/16 so every value is an exact integer.
 */
function bruteActivate(p: number, t: number, s16: number, area: number, bits: number): number {
  const max = 2 ** bits - 1;
  const p16 = 16 * p;
  const t16 = 16 * t * area;
  if (p16 <= t16) return 0;
  for (let n = 0; n < max; n++) {
    if (t16 + n * s16 * area < p16 && p16 <= t16 + (n + 1) * s16 * area) return n + 1;
  }
  return max;
}

describe('activate equals the brute-force definition', () => {
  it('on random (p, T, s16, A, bits) and values near every step boundary', () => {
    const rng = mulberry32(20240611);
    let checked = 0;
    let nonZero = 0;
    let saturated = 0;
    for (let k = 0; k < 20000; k++) {
      const bits = pick(rng, [1, 2, 4]);
      const area = pick(rng, [1, 1, 4, 9, 49, 196]);
      const s16 = rng() < 0.3 ? randInt(rng, 1, 64) : randInt(rng, 1, 65535);
      const t = randInt(rng, -(2 ** 19), 2 ** 19 - 1);
      // p: anywhere in a wide range, or within a step of a boundary T*A + n*s*A (+-1)
      let p: number;
      if (rng() < 0.3) {
        p = randInt(rng, -(2 ** 30), 2 ** 30);
      } else {
        const n = randInt(rng, 0, 2 ** bits);
        p = t * area + Math.floor((n * s16 * area) / 16) + randInt(rng, -1, 1);
      }
      const maxOut = 2 ** bits - 1;
      const got = activate(p, t, s16, area, maxOut);
      expect(got, `p=${p} T=${t} s16=${s16} A=${area} bits=${bits}`).toBe(bruteActivate(p, t, s16, area, bits));
      checked++;
      if (got > 0) nonZero++;
      if (got === maxOut) saturated++;
    }
    // the sample must exercise every branch, not only zeros
    expect(checked).toBe(20000);
    expect(nonZero).toBeGreaterThan(5000);
    expect(saturated).toBeGreaterThan(1000);
    expect(nonZero - saturated).toBeGreaterThan(2000);
  });

  it('at the largest bounds validateModel allows', () => {
    // |p| and |T|*A just below 2^31 combined, s16*A*17 just below 2^32
    const area = 3855; // 65535 * 3855 * 17 = 4294836225 < 2^32
    const s16 = 65535;
    const t = -200;
    for (const p of [2 ** 30, 2 ** 31 - 1 - 200 * area, 1, -1, -(2 ** 30)]) {
      expect(activate(p, t, s16, area, 15)).toBe(bruteActivate(p, t, s16, area, 4));
    }
  });
});
