// The planned blank output (src/engine/sites.ts BlankOutput, planned in src/engine/plan.ts by
// running referenceForward on a blank sample) checked against the kernels themselves: with
// site skipping on, a blank sample never reaches a kernel that skips sites (every site gets the
// planned output), so a GPU run with skipping on only compares the reference with itself.
// Here the kernels compute every site of blank samples (`siteSkipping: false`), generic and
// specialised, and must equal referenceForward layer by layer, the planned blank output of
// every skipping layer, and what the skipping path produces. Thresholds are drawn so that blank
// windows fire (negative thresholds, saturating first layers): a kernel that got the activation
// of a zero potential wrong would differ here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import type { LayerPlan } from '../../src/engine/plan.js';
import { GpuModel } from '../../src/engine/run.js';
import type { BlankOutput } from '../../src/engine/sites.js';
import type { Specialization } from '../../src/engine/specialize.js';
import { shapeSize } from '../../src/ir/shapes.js';
import type { IntBatch, ModelSpec, Shape3 } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/index.js';
import { modelInput, randomModel, type RandomModelOptions } from '../helpers/random-model.js';
import { describeModel, expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

function plansOf(model: GpuModel): LayerPlan[] {
  return (model as unknown as { plans: LayerPlan[] }).plans;
}

/** The blank output a layer plan fills its skipped sites with, when it skips sites. */
function plannedBlank(plan: LayerPlan): BlankOutput | undefined {
  return (plan as unknown as { skip?: { blank: BlankOutput } }).skip?.blank;
}

/** A planned blank output (GPU storage: packed u8 activations or i32 potentials) as one sample's NHWC values. */
function decodeBlank(blank: BlankOutput, shape: Shape3, packed: boolean): Int32Array {
  const [h, w, c] = shape;
  const out = new Int32Array(h * w * c);
  const bytes = new Uint8Array(blank.words.buffer, blank.words.byteOffset, blank.words.byteLength);
  const i32 = new Int32Array(blank.words.buffer, blank.words.byteOffset, blank.words.length);
  for (let pixel = 0; pixel < h * w; pixel++) {
    for (let ch = 0; ch < c; ch++) {
      out[pixel * c + ch] = packed ? bytes[pixel * blank.wordsPerPixel * 4 + ch]! : i32[pixel * blank.wordsPerPixel + ch]!;
    }
  }
  return out;
}

function blankBatch(shape: Shape3, n: number): IntBatch {
  return { data: new Int32Array(n * shapeSize(shape)), n, shape };
}

const RECIPES: RandomModelOptions[] = [
  // the first layer fires everywhere on a blank input: the next layers see full windows
  {
    inputShape: [10, 9, 1],
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 6, pooling: 'max', thresholds: 'saturate', actBits: 2 },
      { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 20, pooling: 'none', thresholds: 'mixed' },
      { kind: 'FullyConnected', units: 5, activation: false },
    ],
  },
  // negative thresholds on some channels, every pooling type, 3 input channels, valid padding
  {
    inputShape: [12, 11, 3],
    layers: [
      { kind: 'InputConvolutional', kernel: [5, 5], stride: 2, padding: 'valid', filters: 9, pooling: 'average', thresholds: 'mixed' },
      { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 12, pooling: { type: 'max', size: [3, 3], stride: [2, 2], padding: 'same' }, thresholds: 'mixed', actBits: 4 },
      { kind: 'FullyConnected', units: 7, thresholds: 'mixed', actBits: 1 },
    ],
  },
  // separable layers (generic ones compute every site either way), global average, potentials out
  {
    inputShape: [9, 8, 1],
    inputBits: 4,
    layers: [
      { kind: 'InputData' },
      { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 8, pooling: 'none', thresholds: 'saturate', actBits: 1 },
      { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 10, pooling: 'max', thresholds: 'mixed', weightBits: 4 },
      { kind: 'Convolutional', kernel: [1, 1], stride: 1, padding: 'valid', filters: 6, pooling: 'global_avg', activation: false },
    ],
  },
  // a strided conv and a separable layer with pooling, activations at the end
  {
    inputShape: [13, 13, 1],
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 16, pooling: 'none', thresholds: 'mixed', actBits: 4 },
      { kind: 'Convolutional', kernel: [3, 3], stride: 2, padding: 'same', filters: 9, pooling: 'none', thresholds: 'mixed', weightBits: 2 },
      { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'valid', filters: 5, pooling: 'average', thresholds: 'mixed', activation: true },
    ],
  },
];

/** Random models of 3 or 4 random layers, with 'mixed' (odd seeds) or 'saturate' thresholds. */
const RANDOM_SEEDS = [4401, 4403, 4408, 4411, 4421];

function models(): { seed: number; spec: ModelSpec }[] {
  const out = RECIPES.map((opts, i) => ({ seed: 4300 + i, spec: randomModel(4300 + i, opts) }));
  for (const seed of RANDOM_SEEDS) out.push({ seed, spec: randomModel(seed, { thresholds: seed % 2 ? 'mixed' : 'saturate' }) });
  return out;
}

/** Checks one model; returns how many of its layers (InputData aside) have a blank output that is not all zero. */
async function checkBlank(seed: number, spec: ModelSpec, mode: Specialization): Promise<number> {
  const { shape } = modelInput(spec);
  const where = `seed ${seed}, specialize ${mode}: ${describeModel(spec)}`;
  const computing = await GpuModel.create(runner, spec, { specialize: mode, siteSkipping: false });
  const skipping = await GpuModel.create(runner, spec, { specialize: mode });
  try {
    const plans = plansOf(computing);
    // with the switch off no layer skips sites: the kernels compute every one
    expect(plans.map((p) => p.usesSites), where).toEqual(plans.map(() => false));
    expect(plansOf(computing).map(plannedBlank).every((b) => b === undefined), where).toBe(true);
    if (mode === 'always') {
      // the specialised kernels ran where the layer allows them (f32-exact sums)
      const special = plans.map((p) => (p as { specialized?: boolean }).specialized ?? false);
      if (spec.layers.some((l) => l.kind === 'Convolutional' || l.kind === 'InputConvolutional')) expect(special.some(Boolean), where).toBe(true);
    }
    const ref = referenceForward(spec, blankBatch(shape, 1), true);
    const firing = ref.layers!.filter((l, k) => spec.layers[k]!.kind !== 'InputData' && l.data.some((v) => v !== 0)).length;

    for (const n of [1, 3]) {
      const blank = blankBatch(shape, n);
      const computed = await computing.forward(blank, { keepAll: true });
      // the kernels on a blank input == the integer reference, every layer and spike count
      expectReference(spec, blank, computed, `${where}, ${n} blank samples, site skipping off`);
      // == the planned blank output of every layer that skips sites (one sample's, repeated)
      const planned = plansOf(skipping);
      if (spec.layers.some((l) => l.kind !== 'InputData' && l.kind !== 'SeparableConvolutional')) {
        expect(planned.some((p) => p.usesSites), `${where}: some layer skips sites`).toBe(true);
      }
      for (const p of planned) {
        const b = plannedBlank(p);
        if (!b) continue;
        const one = decodeBlank(b, p.outShape, p.packed);
        const size = one.length;
        for (let s = 0; s < n; s++) {
          expect(Array.from(computed.layers![p.index]!.data.subarray(s * size, (s + 1) * size)), `${where}: layer ${p.index} planned blank output, sample ${s}`)
            .toEqual(Array.from(one));
        }
        expect(b.total * n, `${where}: layer ${p.index} planned blank spikes`).toBe(computed.spikes[p.index]);
      }
      // == what the skipping path produces
      const skipped = await skipping.forward(blank, { keepAll: true });
      skipped.layers!.forEach((l, k) => expect(Array.from(l.data), `${where}: layer ${k}, site skipping on vs off`).toEqual(Array.from(computed.layers![k]!.data)));
      expect(skipped.spikes, `${where}: spikes, site skipping on vs off`).toEqual(computed.spikes);
    }
    return firing;
  } finally {
    computing.dispose();
    skipping.dispose();
  }
}

describe('the planned blank output equals the kernels on a blank input', () => {
  const all = models();
  for (const mode of ['never', 'always'] as const) {
    it(`random models, ${mode === 'never' ? 'generic' : 'specialised'} kernels (specialize: '${mode}')`, async () => {
      let firing = 0;
      for (const { seed, spec } of all) firing += await checkBlank(seed, spec, mode);
      // the blank outputs compared are not all zeros: blank windows fire, two layers per model on average
      expect(firing).toBeGreaterThanOrEqual(2 * all.length);
    });
  }
});
