// mulberry32: the small seeded PRNG behind reproducible shuffles, augmentation and random test
// models (models/train.ts trained the committed models with it: its sequence must not change).
// Not the temporal encodings' RNG (src/temporal/rng.ts), which is counter-based on purpose.

/** A generator of uniform numbers in [0, 1), the same sequence for the same seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
