// BatchNorm/bias folding: the integer activation of the folded constants against the float
// rule it replaces, over every integer potential in a range.
import { describe, expect, it } from 'vitest';
import { alignBatchNorm, foldActivation, foldPredictScale, type FoldInput } from '../../src/convert/fold.js';
import { mulberry32 } from '../../src/data/rng.js';
import { activate, rescale } from '../../src/reference/activation.js';

/** The float network's level for integer potential p: clip(ceil(z / w - 1/2), 0, L). */
function floatLevel(f: FoldInput, o: number, p: number, width: number, bits: number): number {
  const c = p / (f.sf[o]! * f.a) + f.bias[o]!;
  const bn = f.bn;
  const z = bn ? (bn.gamma[o]! / Math.sqrt(bn.variance[o]! + bn.epsilon)) * (c - bn.mean[o]!) + bn.beta[o]! : c;
  return Math.min(Math.max(Math.ceil(z / width - 0.5), 0), 2 ** bits - 1);
}

describe('foldActivation', () => {
  it('hand-worked channel with negative gamma: sign -1, T = floor(X0 + S/2), s16 = 16 S', () => {
    // g = -2 / sqrt(3 + 1) = -1; X0 = -1 * 2 * 3 * (1 - 0.5 - 0.25 / -1) = -4.5; S = 6 * 0.5 / 1 = 3
    const f: FoldInput = { a: 3, sf: [2], bias: [0.5], bn: { gamma: [-2], beta: [0.25], mean: [1], variance: [3], epsilon: 1 } };
    const r = foldActivation(f, 0.5, 4);
    expect(Array.from(r.sign)).toEqual([-1]);
    expect(Array.from(r.threshold)).toEqual([-3]);
    expect(Array.from(r.actStep16)).toEqual([48]);
    expect(r.problems).toEqual([]);
  });

  it('reproduces the float levels for every integer potential: spikes exactly, each boundary within one potential', () => {
    const rand = mulberry32(7);
    for (const bits of [1, 2, 4]) {
      const n = 40;
      const f = randomFold(rand, n);
      const width = 0.05 + 0.3 * rand();
      const r = foldActivation(f, width, bits);
      expect(r.problems).toEqual([]);
      let mismatches = 0;
      for (let o = 0; o < n; o++) {
        for (let p = -3000; p <= 3000; p++) {
          const integer = activate(r.sign[o]! * p, r.threshold[o]!, r.actStep16[o]!, 1, 2 ** bits - 1);
          const float = floatLevel(f, o, p, width, bits);
          expect(integer > 0, `channel ${o}, p = ${p}`).toBe(float > 0);
          expect(Math.abs(integer - float)).toBeLessThanOrEqual(1);
          if (integer !== float) mismatches++;
        }
      }
      // the threshold is an integer, so a boundary above the first may sit one potential off:
      // at most one potential value per boundary and channel differs
      expect(mismatches, `${bits} bits`).toBeLessThanOrEqual(n * (2 ** bits - 2));
    }
  });

  it('keeps the first level exact even when act_step is a few potential units', () => {
    const f: FoldInput = { a: 1, sf: [1], bias: [0.37] };
    const width = 2.3; // S = 2.3 potential units: the 16ths cannot reproduce every boundary
    const r = foldActivation(f, width, 4);
    for (let p = -50; p <= 50; p++) {
      const integer = activate(p, r.threshold[0]!, r.actStep16[0]!, 1, 15);
      expect(integer > 0, `p = ${p}`).toBe(floatLevel(f, 0, p, width, 4) > 0);
      expect(Math.abs(integer - floatLevel(f, 0, p, width, 4))).toBeLessThanOrEqual(1);
    }
  });

  it('pooled sums: thresholds and steps apply to the sum over the pooling area', () => {
    const area = 4;
    const f: FoldInput = { a: 10, sf: [20], bias: [0.1037] };
    const width = 0.6;
    const r = foldActivation(f, width, 4, area);
    let mismatches = 0;
    for (let sum = -4000; sum <= 4000; sum++) {
      const integer = activate(sum, r.threshold[0]!, r.actStep16[0]!, area, 15);
      // the float model averages first: level of p = sum / area
      if (integer !== floatLevel(f, 0, sum / area, width, 4)) mismatches++;
    }
    // the threshold is an integer in average units: at most a few sums near each boundary move
    expect(mismatches).toBeLessThanOrEqual(15 * 2);
  });

  it('reports steps above 65535.9375 and channels BatchNorm switches off', () => {
    const f: FoldInput = { a: 255, sf: [1000, 1e-6], bias: [0, 0], bn: { gamma: [1, 1], beta: [0, 0], mean: [0, 0], variance: [1, 1], epsilon: 0 } };
    const r = foldActivation(f, 0.4, 4);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^channel 0: act_step 102000 is outside \[1\/16, 65535.9375\].*fewer weight bits/);
    // a step far below a potential unit is fine: every level boundary falls between the same
    // two integers, and the smallest step (1/16) reproduces that jump
    expect(r.actStep16[1]).toBe(1);
    const off = foldActivation({ a: 1, sf: [1], bias: [0], bn: { gamma: [0], beta: [0], mean: [0], variance: [1], epsilon: 0 } }, 1, 4);
    expect(off.problems[0]).toMatch(/channel 0: BatchNormalization scale gamma\/sqrt\(var \+ eps\) is 0/);
  });

  it('1-bit activations clamp the step instead of reporting it (only the threshold matters)', () => {
    const f: FoldInput = { a: 255, sf: [1000], bias: [0] };
    const r = foldActivation(f, 0.4, 1);
    expect(r.problems).toEqual([]);
    expect(r.actStep16[0]).toBe(2 ** 20 - 1);
  });
});

describe('foldPredictScale', () => {
  it('predict() returns z / unit for every channel: offsets and scales per channel', () => {
    const f: FoldInput = {
      a: 4,
      sf: [10, 3, 7],
      bias: [0.5, -0.25, 1],
      bn: { gamma: [2, -1, 0.5], beta: [0.1, 0.2, -0.3], mean: [0.05, 0, 0.4], variance: [1, 0.25, 4], epsilon: 0 },
    };
    const r = foldPredictScale(f);
    expect(r.problems).toEqual([]);
    expect(Math.max(...r.actStep16)).toBe(65520);
    for (let o = 0; o < 3; o++) {
      for (const p of [-500, -7, 0, 13, 900]) {
        const c = p / (f.sf[o]! * f.a) + f.bias[o]!;
        const g = f.bn!.gamma[o]! / Math.sqrt(f.bn!.variance[o]!);
        const z = g * (c - f.bn!.mean[o]!) + f.bn!.beta[o]!;
        const predicted = rescale(r.sign[o]! * p, r.threshold[o]!, r.actStep16[o]!, 1) * r.unit;
        // the threshold is an integer (half a potential unit) and the step a 16th (relative 1e-4 here)
        expect(Math.abs(predicted - z)).toBeLessThanOrEqual(0.5 / ((f.sf[o]! * f.a) / Math.abs(g)) + 2e-4 * Math.abs(z) + 1e-9);
      }
    }
  });
});

/** A layer of n channels with BatchNorm (30% negative gammas) and random scales, seeded. */
function randomFold(rand: () => number, n: number, sfMax = 30): FoldInput {
  return {
    a: 5 + 20 * rand(),
    sf: Array.from({ length: n }, () => 2 + sfMax * rand()),
    bias: Array.from({ length: n }, () => rand() - 0.5),
    bn: {
      gamma: Array.from({ length: n }, () => (rand() < 0.3 ? -1 : 1) * (0.5 + rand())),
      beta: Array.from({ length: n }, () => rand() - 0.3),
      mean: Array.from({ length: n }, () => rand() - 0.5),
      variance: Array.from({ length: n }, () => 0.2 + rand()),
      epsilon: 1e-3,
    },
  };
}

describe('alignBatchNorm', () => {
  it('after aligning, the folded integer activation equals the float levels for every potential (no one-off levels)', () => {
    const rand = mulberry32(11);
    for (const bits of [1, 2, 4]) {
      for (const area of [1, 4]) {
        const n = 30;
        const f = randomFold(rand, n);
        const width = 0.05 + 0.3 * rand();
        const aligned = alignBatchNorm(f, width, bits, area);
        expect(aligned.problems).toEqual([]);
        // stored as float32, as a tfjs BatchNormalization keeps them
        const g = { ...f, bn: { ...f.bn!, gamma: Float32Array.from(aligned.gamma), beta: Float32Array.from(aligned.beta) } };
        const r = foldActivation(g, width, bits, area);
        expect(r.problems).toEqual([]);
        if (bits > 1) expect(Array.from(r.actStep16).every((s) => s % 16 === 0), 'whole-unit steps').toBe(true);
        for (let o = 0; o < n; o++) {
          for (let sum = -3000 * area; sum <= 3000 * area; sum++) {
            const integer = activate(r.sign[o]! * sum, r.threshold[o]!, r.actStep16[o]!, area, 2 ** bits - 1);
            const float = floatLevel(g, o, sum / area, width, bits);
            if (integer !== float) expect.fail(`${bits} bits, area ${area}, channel ${o}, pooled sum ${sum}: integer ${integer}, float ${float}`);
          }
        }
      }
    }
  });

  it('moves each boundary by less than a potential unit and each level width by at most half a unit', () => {
    const rand = mulberry32(12);
    const f = randomFold(rand, 50);
    const width = 0.2;
    const before = foldActivation(f, width, 4);
    const aligned = alignBatchNorm(f, width, 4);
    const after = foldActivation({ ...f, bn: { ...f.bn!, gamma: aligned.gamma, beta: aligned.beta } }, width, 4);
    let largest = 0;
    for (let o = 0; o < 50; o++) {
      const s = before.step[o]!;
      expect(Math.abs(after.step[o]! - s)).toBeLessThanOrEqual(0.5 + 1e-9);
      expect(after.sign[o]).toBe(before.sign[o]);
      expect(Math.abs(after.threshold[o]! - before.threshold[o]!)).toBeLessThanOrEqual(1);
      largest = Math.max(largest, Math.abs(after.step[o]! - s) / s);
    }
    expect(aligned.maxStepChange).toBeCloseTo(largest, 12);
    expect(aligned.maxThresholdMove).toBeLessThanOrEqual(0.5 + 1e-9);
  });

  it('leaves channels whose step cannot become a whole unit as they were, and says why', () => {
    // S = sf * a * width / |g|: 0.01 and 90000 potential units
    const f: FoldInput = { a: 1, sf: [0.1, 900000], bias: [0, 0], bn: { gamma: [1, 1], beta: [0.1, 0.1], mean: [0, 0], variance: [1, 1], epsilon: 0 } };
    const aligned = alignBatchNorm(f, 0.1, 4);
    expect(aligned.problems).toEqual([
      'channel 0: act_step 0.0100000 potential units cannot become a whole number in [1, 65535.9375]',
      'channel 1: act_step 90000 potential units cannot become a whole number in [1, 65535.9375]',
    ]);
    expect(Array.from(aligned.gamma)).toEqual([1, 1]);
    expect(Array.from(aligned.beta)).toEqual([0.1, 0.1]);
  });

  it('needs a BatchNorm to move', () => {
    expect(() => alignBatchNorm({ a: 1, sf: [1], bias: [0] }, 1, 4)).toThrow(/has none/);
  });
});
