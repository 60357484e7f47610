// Kernels over changed sites only (src/engine/sites.ts; variant SITES of conv_specialized.wgsl
// and of lib/pool.wgsl for the generic conv): on inputs with blank backgrounds, blank samples
// and full ones, outputs and spike counts of every layer equal the reference bit for bit,
// through chains where the changed sites spread layer by layer, with negative thresholds (a
// blank window then fires, so the skipped sites are filled, not cleared), a layer without the
// variant in between, the last layer without activation, blank outputs written in pieces, and
// batches split into chunks (a site list per chunk). Every input (with its blank sample) also
// runs with site skipping off, where the kernels compute the sites the other run skips.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import { BLANK_PIECE_BYTES, changedSites, PixelBits, type SiteGeometry } from '../../src/engine/sites.js';
import { shapeSize } from '../../src/ir/shapes.js';
import type { IntBatch, ModelSpec, Shape3 } from '../../src/ir/types.js';
import type { Specialization } from '../../src/engine/specialize.js';
import type { LayerPlan } from '../../src/engine/plan.js';
import { GpuModel } from '../../src/engine/run.js';
import { mulberry32, randInt } from '../helpers/builders.js';
import { modelInput, randomModel, type RandomModelOptions } from '../helpers/random-model.js';
import { expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

/**
 * n samples on a blank background: each a random rectangle of random values (sample 1 is
 * blank, sample 2 is full, when n > 2).
 */
function backgroundInput(seed: number, shape: Shape3, n: number, bits: number): IntBatch {
  const rng = mulberry32(seed);
  const [h, w, c] = shape;
  const data = new Int32Array(n * shapeSize(shape));
  for (let s = 0; s < n; s++) {
    if (s === 1) continue;
    const full = s === 2;
    const y0 = full ? 0 : randInt(rng, 0, h - 1);
    const x0 = full ? 0 : randInt(rng, 0, w - 1);
    const y1 = full ? h : randInt(rng, y0 + 1, Math.min(h, y0 + 3));
    const x1 = full ? w : randInt(rng, x0 + 1, Math.min(w, x0 + 4));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        for (let ch = 0; ch < c; ch++) data[((s * h + y) * w + x) * c + ch] = rng() < 0.2 ? 0 : randInt(rng, 1, 2 ** bits - 1);
      }
    }
  }
  return { data, n, shape };
}

function plansOf(model: GpuModel): LayerPlan[] {
  return (model as unknown as { plans: LayerPlan[] }).plans;
}

/** Changed and all sites per layer of `model` for `input`, as the forward pass tracks them. */
function siteCounts(model: GpuModel, input: IntBatch): { changed: number; all: number }[] {
  const [h, w, c] = input.shape;
  // a pixel is changed where a channel is not zero
  const pixels = Uint8Array.from({ length: input.n * h * w }, (_, pixel) => (input.data.subarray(pixel * c, pixel * c + c).some((v) => v !== 0) ? 1 : 0));
  let mask = PixelBits.fromMask(pixels, input.n, h, w);
  return plansOf(model).filter((p) => p.geometry).map((p) => {
    const g = p.geometry as SiteGeometry;
    const sites = changedSites(mask, g);
    mask = sites.next;
    return { changed: sites.sites.length, all: input.n * g.outH * g.outW };
  });
}

let seed = 9100;
/** Forced specialisation (or `mode`), checked against the reference; returns the site counts of the first input per layer. */
async function check(opts: RandomModelOptions, n = 5, mode: Specialization = 'always'): Promise<{ counts: { changed: number; all: number }[]; spec: ModelSpec; sited: boolean[]; specialised: boolean[] }> {
  const spec = randomModel(++seed, opts);
  const { shape, bits } = modelInput(spec);
  const model = await GpuModel.create(runner, spec, { specialize: mode });
  // the same kernels with blank-site skipping off compute every site, blank sample included
  const computing = await GpuModel.create(runner, spec, { specialize: mode, siteSkipping: false });
  try {
    const input = backgroundInput(seed, shape, n, bits);
    const whole = await model.forward(input, { keepAll: true });
    expectReference(spec, input, whole, `seed ${seed}`);
    expect(plansOf(computing).some((p) => p.usesSites), `seed ${seed}: site skipping off`).toBe(false);
    const full = await computing.forward(input, { keepAll: true });
    expectReference(spec, input, full, `seed ${seed} site skipping off`);
    full.layers!.forEach((l, k) => expect(Array.from(whole.layers![k]!.data), `seed ${seed} layer ${k}: skipping on vs off`).toEqual(Array.from(l.data)));
    const split = await model.forward(input, { keepAll: true, maxBatch: 2 });
    expect(split.chunks).toBe(spec.layers.some((l) => l.kind !== 'InputData') ? Math.ceil(n / 2) : 0);
    expectReference(spec, input, split, `seed ${seed} split`);
    const one = backgroundInput(seed + 1, shape, 1, bits);
    expectReference(spec, one, await model.forward(one, { keepAll: true }), `seed ${seed} batch 1`);
    const plans = plansOf(model).filter((p) => p.geometry);
    return { counts: siteCounts(model, input), spec, sited: plans.map((p) => p.usesSites), specialised: plans.map((p) => (p as { specialized?: boolean }).specialized ?? false) };
  } finally {
    model.dispose();
    computing.dispose();
  }
}

describe('kernels over changed sites', () => {
  it('InputConvolutional with pooling: blank windows skipped, filled with the blank output', async () => {
    for (const pooling of ['max', 'average', 'none'] as const) {
      const { counts, sited } = await check({
        inputShape: [16, 15, 1],
        layers: [{ kind: 'InputConvolutional', kernel: [3, 3], padding: 'same', filters: 12, pooling, weightBits: 4 }],
      });
      expect(sited).toEqual([true]);
      expect(counts[0]!.changed).toBeGreaterThan(0);
      expect(counts[0]!.changed).toBeLessThan(counts[0]!.all);
    }
  });

  it('a chain: conv, conv (two tiles), separable, dense; sites spread layer by layer', async () => {
    const { counts, sited } = await check({
      inputShape: [20, 18, 3],
      inputBits: 8,
      layers: [
        { kind: 'InputConvolutional', kernel: [3, 3], padding: 'same', filters: 8, pooling: 'max', weightBits: 4 },
        { kind: 'Convolutional', kernel: [3, 3], padding: 'same', filters: 20, pooling: 'max', weightBits: 2 },
        { kind: 'SeparableConvolutional', kernel: [3, 3], padding: 'same', filters: 6, pooling: 'none', weightBits: 4 },
        { kind: 'FullyConnected', units: 5, activation: false, weightBits: 4 },
      ],
    });
    expect(sited).toEqual([true, true, true, true]);
    // some sites skipped in the first two layers, more of each layer changed than of the one before
    expect(counts[0]!.changed).toBeLessThan(counts[0]!.all);
    expect(counts[1]!.changed).toBeLessThan(counts[1]!.all);
    expect(counts[1]!.changed / counts[1]!.all).toBeGreaterThan(counts[0]!.changed / counts[0]!.all);
  });

  it('generic conv kernels skip blank windows too; a layer without the variant passes the changed sites on', async () => {
    // the separable layer's pointwise sums (8-bit weights over 48 channels of depthwise
    // potentials) are beyond f32: generic kernels, which run every site; the conv after it is
    // specialised, the one before it generic (forced 'never' for the whole model below)
    const layers: RandomModelOptions['layers'] = [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 48, pooling: 'max', weightBits: 2, actBits: 4 },
      { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 16, pooling: 'none', weightBits: 8, actBits: 4 },
      { kind: 'Convolutional', kernel: [1, 1], stride: 1, padding: 'valid', filters: 7, pooling: 'max', weightBits: 2, activation: false },
    ];
    const forced = await check({ inputShape: [14, 14, 1], layers });
    expect(forced.specialised).toEqual([true, false, true]);
    expect(forced.sited).toEqual([true, false, true]);
    expect(forced.counts[2]!.changed).toBeLessThan(forced.counts[2]!.all);
    const generic = await check({ inputShape: [14, 14, 1], layers }, 5, 'never');
    expect(generic.specialised).toEqual([false, false, false]);
    expect(generic.sited).toEqual([true, false, true]);
  });

  it('generic kernels over changed sites: chains with event lists (several input channels), dense, split batches', async () => {
    for (let i = 0; i < 4; i++) {
      const { sited } = await check({
        inputShape: [11 + i, 12, 1 + 2 * (i % 2)],
        layers: [
          { kind: 'InputConvolutional', kernel: [3, 3], padding: 'same', filters: 6 + 7 * i, pooling: i % 2 ? 'max' : 'average', weightBits: 8 },
          { kind: 'Convolutional', kernel: [3, 3], padding: 'same', filters: 20, pooling: 'max', weightBits: 4 },
          { kind: 'FullyConnected', units: 5, activation: i % 2 === 0, weightBits: 4 },
        ],
      }, 5, 'never');
      expect(sited).toEqual([true, true, true]);
    }
  });

  it('a blank output larger than a piece (BLANK_PIECE_BYTES) is written piece by piece', async () => {
    // the first layer saturates everywhere, so a blank window fires; the second keeps 32 x 32 x 64
    // i32 potentials, 256 KiB per sample: 5 MiB for the batch of 20, two pieces
    const { sited, counts } = await check({
      inputShape: [32, 32, 1],
      layers: [
        { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 4, pooling: 'none', weightBits: 4, actBits: 2, thresholds: 'saturate' },
        { kind: 'Convolutional', kernel: [1, 1], stride: 1, padding: 'valid', filters: 64, pooling: 'none', weightBits: 2, activation: false },
      ],
    }, 20);
    expect(sited).toEqual([true, true]);
    expect(counts[1]!.changed).toBeLessThan(counts[1]!.all);
    expect(counts[1]!.all * 64 * 4).toBeGreaterThan(BLANK_PIECE_BYTES);
  });

  it('random models on blank-background inputs', async () => {
    for (let i = 0; i < 8; i++) await check({ inputShape: [9 + i, 8 + (i % 3), 1 + (i % 3)], inputBits: i % 2 ? 4 : 8 }, 4);
  });
});
