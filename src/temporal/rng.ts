// The counter-based RNG of the rate encodings: a pure function of (seed, sample, step, index), so
// spikes never depend on the order of evaluation, the chunking or the device.
// WGSL twin: shaders/lib/rng.wgsl (tested equal in test/gpu/temporal-rng.test.ts).

/** Chris Wellons' "lowbias32" integer hash: a bijection on u32 with full avalanche. */
export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

/** 32 random bits for input `index` of sample `sample` at step `t`. */
export function spikeRandom(seed: number, sample: number, t: number, index: number): number {
  let h = mix32((seed ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ sample) >>> 0);
  h = mix32((h ^ t) >>> 0);
  return mix32((h ^ index) >>> 0);
}

/** Probabilities are 23-bit fixed point: P(spike) = p23 / 2^23. */
export const P_BITS = 23;

/** p23 of an input value x in 0..maxInput (clipped): floor(x * 2^23 / maxInput), exact in u32. */
export function spikeProbability23(x: number, maxInput: number): number {
  const v = x <= 0 ? 0 : x >= maxInput ? maxInput : x;
  return Math.floor((v * 2 ** P_BITS) / maxInput);
}

/** The Bernoulli draw: the top 23 bits of the hash below p23. */
export function bernoulli(random: number, p23: number): boolean {
  return random >>> (32 - P_BITS) < p23;
}
