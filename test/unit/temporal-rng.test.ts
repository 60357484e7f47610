import { describe, expect, it } from 'vitest';
import { bernoulli, mix32, spikeProbability23, spikeRandom } from '../../src/temporal/rng.js';

describe('counter-based RNG', () => {
  it('is a pure function of (seed, sample, t, index)', () => {
    expect(spikeRandom(7, 3, 11, 500)).toBe(spikeRandom(7, 3, 11, 500));
    const variants = [spikeRandom(7, 3, 11, 500), spikeRandom(8, 3, 11, 500), spikeRandom(7, 4, 11, 500), spikeRandom(7, 3, 12, 500), spikeRandom(7, 3, 11, 501)];
    expect(new Set(variants).size).toBe(5);
  });

  it('mix32 is a bijection on a sample of 2^16 consecutive inputs', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1 << 16; i++) seen.add(mix32(i * 65537));
    expect(seen.size).toBe(1 << 16);
  });

  it('draws spikes with probability x / maxInput (binomial 5-sigma bounds, fixed seed)', () => {
    const n = 20000;
    for (const [x, max] of [[0, 255], [1, 255], [64, 255], [128, 255], [254, 255], [255, 255], [3, 15]] as const) {
      const p23 = spikeProbability23(x, max);
      let k = 0;
      for (let t = 0; t < n; t++) if (bernoulli(spikeRandom(123, t % 97, Math.floor(t / 97), 5), p23)) k++;
      const p = x / max;
      const sigma = Math.sqrt(n * p * (1 - p));
      expect(Math.abs(k - n * p)).toBeLessThanOrEqual(5 * sigma + 1);
    }
  });

  it('clips the input to 0..maxInput', () => {
    expect(spikeProbability23(300, 255)).toBe(2 ** 23);
    expect(spikeProbability23(255, 255)).toBe(2 ** 23);
    expect(spikeProbability23(0, 255)).toBe(0);
  });
});
