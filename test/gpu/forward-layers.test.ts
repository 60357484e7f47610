// GPU forward == referenceForward, bit for bit, layer kind by layer kind: every kernel size,
// stride, padding, pooling type, weight and activation bit width, both weight encodings and the
// exact-integer fallback, thresholds that saturate, stay silent, are negative or huge, odd
// shapes, batch 1, all-zero inputs (blank-site skipping on and off) and saturated inputs.
// Seeds are fixed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import { chooseEncoding } from '../../src/kernels/index.js';
import type { ModelSpec, Pooling, Shape3 } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/index.js';
import type { LayerPlan } from '../../src/engine/plan.js';
import { GpuModel } from '../../src/engine/run.js';
import { modelInput, randomInput, randomModel, type LayerRecipe, type RandomModelOptions } from '../helpers/random-model.js';
import { expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

/**
 * Runs a model on a random batch, an all-zero sample and a saturated sample. The all-zero
 * sample also runs with blank-site skipping off: with it on, the layers that skip sites fill
 * every site with the blank output planned from the reference, so only the run with it off
 * puts the kernels to the test on a blank input.
 */
async function check(spec: ModelSpec, seed: number, n = 3): Promise<void> {
  const { shape, bits } = modelInput(spec);
  const model = await GpuModel.create(runner, spec);
  const computing = await GpuModel.create(runner, spec, { siteSkipping: false });
  try {
    expect((computing as unknown as { plans: LayerPlan[] }).plans.some((p) => p.usesSites), `seed ${seed}: site skipping off`).toBe(false);
    const zero = randomInput(seed, shape, 1, bits, { zeros: 1 });
    const inputs = [
      randomInput(seed, shape, n, bits),
      zero,
      randomInput(seed, shape, 1, bits, { zeros: 0, saturate: 1 }),
    ];
    for (const [i, input] of inputs.entries()) {
      expectReference(spec, input, await model.forward(input, { keepAll: true }), `seed ${seed} input ${i}`);
    }
    expectReference(spec, zero, await computing.forward(zero, { keepAll: true }), `seed ${seed} all-zero input, site skipping off`);
  } finally {
    model.dispose();
    computing.dispose();
  }
}

let seed = 1000;
async function checkRecipe(opts: RandomModelOptions, n = 3): Promise<ModelSpec> {
  const spec = randomModel(++seed, opts);
  await check(spec, seed, n);
  return spec;
}

const POOLINGS: Pooling['type'][] = ['none', 'max', 'average', 'global_avg'];

describe('InputConvolutional', () => {
  it('kernels 3/5/7, strides 1..3, same/valid, 1 or 3 channels, odd sizes', async () => {
    for (const k of [3, 5, 7]) {
      for (const stride of [1, 2, 3]) {
        for (const padding of ['same', 'valid'] as const) {
          const channels = (k + stride) % 2 ? 3 : 1;
          const inputShape: Shape3 = [k + 2 + stride, k + 4, channels];
          await checkRecipe({ inputShape, layers: [{ kind: 'InputConvolutional', kernel: [k, k], stride, padding, pooling: 'none' }] }, 2);
        }
      }
    }
  });

  it('every pooling type, with and without activation, weight bits 1/2/4/8', async () => {
    for (const pooling of POOLINGS) {
      for (const [i, weightBits] of ([1, 2, 4, 8] as const).entries()) {
        await checkRecipe({
          inputShape: [9, 7, 1 + 2 * (i % 2)],
          layers: [{ kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', pooling, weightBits, activation: i % 2 === 0 }],
        });
      }
    }
  });

  it('narrow input bits (1 and 4) through an InputData layer', async () => {
    for (const inputBits of [1, 4]) {
      await checkRecipe({ inputShape: [6, 5, 2], inputBits, layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], stride: 1 }] });
    }
  });
});

describe('Convolutional', () => {
  it('kernels 1/3/5/7, strides 1/2, same/valid, weight bits 1/2/4/8, act bits 1/2/4', async () => {
    const bits = [1, 2, 4, 8] as const;
    const acts = [1, 2, 4] as const;
    let i = 0;
    for (const k of [1, 3, 5, 7]) {
      for (const stride of [1, 2]) {
        for (const padding of ['same', 'valid'] as const) {
          i++;
          await checkRecipe({
            inputShape: [k + 5, k + 4, 3],
            layers: [
              { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 5 + (i % 3) * 7, pooling: 'none', actBits: acts[i % 3] },
              { kind: 'Convolutional', kernel: [k, k], stride, padding, filters: 3 + i * 3, weightBits: bits[i % 4], actBits: acts[(i + 1) % 3], pooling: 'none' },
            ],
          }, 2);
        }
      }
    }
  });

  it('every pooling type on a multi-tile layer, last layer with and without activation', async () => {
    for (const pooling of POOLINGS) {
      for (const activation of [true, false]) {
        await checkRecipe({
          inputShape: [11, 9, 1],
          layers: [
            { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 6, pooling: 'none' },
            { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 37, pooling, activation },
          ],
        });
      }
    }
  });

  it('max pooling same/valid with overlapping and skipping windows', async () => {
    const windows: Pooling[] = [
      { type: 'max', size: [3, 3], stride: [1, 1], padding: 'same' },
      { type: 'max', size: [3, 2], stride: [2, 3], padding: 'same' },
      { type: 'max', size: [2, 2], stride: [3, 3], padding: 'valid' },
      { type: 'average', size: [3, 3], stride: [1, 2] },
      { type: 'average', size: [1, 2], stride: [3, 1] },
    ];
    for (const pooling of windows) {
      for (const activation of [true, false]) {
        await checkRecipe({
          inputShape: [10, 13, 2],
          layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 9, pooling, activation }],
        });
      }
    }
  });
});

describe('SeparableConvolutional', () => {
  it('kernels 3/5, strides 1/2, pooling types, weight bits 2/4/8', async () => {
    let i = 0;
    for (const k of [3, 5]) {
      for (const stride of [1, 2]) {
        for (const pooling of POOLINGS) {
          i++;
          await checkRecipe({
            inputShape: [9 + stride, 8, 1],
            layers: [
              { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 4 + 3 * (i % 4), pooling: 'none' },
              { kind: 'SeparableConvolutional', kernel: [k, k], stride, padding: i % 2 ? 'same' : 'valid', filters: 5 + 7 * (i % 3), weightBits: ([2, 4, 8] as const)[i % 3], pooling, activation: i % 3 !== 0 },
            ],
          }, 2);
        }
      }
    }
  });
});

describe('FullyConnected', () => {
  it('over spatial and flat inputs, 1 to 40 units, with and without activation', async () => {
    const recipes: LayerRecipe[][] = [
      [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 1 }],
      [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 17, activation: false }],
      [{ kind: 'InputConvolutional', kernel: [3, 3], stride: 2, pooling: 'none' }, { kind: 'FullyConnected', units: 16 }],
      [{ kind: 'InputConvolutional', kernel: [3, 3], stride: 1, pooling: 'global_avg' }, { kind: 'FullyConnected', units: 40, activation: false }],
      [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 33 }, { kind: 'FullyConnected', units: 10, activation: false }],
      [{ kind: 'InputConvolutional', kernel: [5, 5], stride: 1, padding: 'valid', pooling: 'max' }, { kind: 'FullyConnected', units: 12, weightBits: 8, activation: true }],
    ];
    for (const [i, layers] of recipes.entries()) await checkRecipe({ inputShape: [7 + i, 5 + 2 * i, 1 + (i % 3)], layers });
  });

  it('the exact i32 fallback when f32 sums could leave 2^24', async () => {
    // 8-bit input, 8-bit weights, 48x48 inputs: sums up to 2304 * 255 * 255, too large for f32
    const inputShape: Shape3 = [48, 48, 1];
    expect(chooseEncoding(8, 48 * 48, 255)).toBe('i8');
    await checkRecipe({ inputShape, layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 20, weightBits: 8, activation: false }] }, 2);
    await checkRecipe({ inputShape: [30, 30, 3], layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [7, 7], stride: 2, padding: 'valid', weightBits: 8, filters: 18 }] }, 2);
  });
});

describe('activation edges', () => {
  it('thresholds that saturate, stay silent, mixed negative/huge, with every act bit width', async () => {
    for (const thresholds of ['saturate', 'silent', 'mixed', 'typical'] as const) {
      for (const actBits of [1, 2, 4] as const) {
        const spec = await checkRecipe({
          inputShape: [8, 7, 3],
          thresholds,
          layers: [
            { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 8, pooling: 'max', actBits },
            { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 20, pooling: 'average', actBits },
            { kind: 'FullyConnected', units: 6, actBits, activation: true },
          ],
        });
        // the modes do what they say: the first layer is all at its maximum, or all zero
        const first = referenceForward(spec, randomInput(seed, [8, 7, 3], 2, 8), true).layers![0]!.data;
        if (thresholds === 'saturate') expect(first.every((v) => v === (1 << actBits) - 1)).toBe(true);
        if (thresholds === 'silent') expect(first.every((v) => v === 0)).toBe(true);
      }
    }
  });

  it('batch of 1 and a single-pixel input', async () => {
    await checkRecipe({ inputShape: [1, 1, 5], layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 3 }] }, 1);
    await checkRecipe({ inputShape: [3, 3, 1], layers: [{ kind: 'InputConvolutional', kernel: [3, 3], stride: 3, padding: 'valid', pooling: 'global_avg', activation: false }] }, 1);
  });
});
