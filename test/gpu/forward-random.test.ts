// Randomized bit-equality: random models (every layer kind, bit width, pooling, threshold mode,
// odd sizes; fixed seeds) on random, all-zero (blank-site skipping on and off) and saturated
// batches of 1 to 4 samples.
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import { GpuModel } from '../../src/engine/run.js';
import { modelInput, randomInput, randomModel } from '../helpers/random-model.js';
import { expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

const MODELS = 80;
/** Models per test: each group has its own timeout on a slow, shared CPU adapter. */
const GROUP = 20;

describe('random models', () => {
  it.each(Array.from({ length: MODELS / GROUP }, (_, g) => g * GROUP + 1))('models %i.. (x 3 batches) equal the reference', async (first) => {
    for (let seed = first; seed < first + GROUP; seed++) {
      const spec = randomModel(seed, { thresholds: seed % 5 === 0 ? 'typical' : 'mixed' });
      const { shape, bits } = modelInput(spec);
      const model = await GpuModel.create(runner, spec);
      // blank-site skipping off: the kernels compute the all-zero batch (with it on, the layers
      // that skip sites fill them with the blank output planned from the reference)
      const computing = await GpuModel.create(runner, spec, { siteSkipping: false });
      try {
        const zero = randomInput(seed + 1, shape, 2, bits, { zeros: 1 });
        const batches = [
          randomInput(seed, shape, 1 + (seed % 4), bits, { zeros: (seed % 10) / 10 }),
          zero,
          randomInput(seed + 2, shape, 1, bits, { zeros: 0, saturate: 1 }),
        ];
        for (const [i, input] of batches.entries()) {
          expectReference(spec, input, await model.forward(input, { keepAll: true }), `seed ${seed} batch ${i}`);
        }
        expectReference(spec, zero, await computing.forward(zero, { keepAll: true }), `seed ${seed} all-zero batch, site skipping off`);
      } finally {
        model.dispose();
        computing.dispose();
      }
    }
  });
});
