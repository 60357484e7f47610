// Specialised conv and separable kernels (weights compiled into the shader): the generated code
// leaves zero weights out, the planner picks them only where they are exact and within the
// compile bounds, and with specialisation forced on, every conv-like layer kind (separable
// included), geometry, pooling and input width equals referenceForward bit for bit, outputs and
// spike counts, for batches of 1 and 3, all-zero and saturated inputs, whole and split batches
// (and forced off keeps the generic path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import { chooseEncoding, type ConvKernelParams } from '../../src/kernels/index.js';
import { MAX_TILE_TERMS, specializedBody, type SpecializedConvParams } from '../../src/kernels/conv-specialized.js';
import { MAX_LAYER_TERMS, specializeConv, specializeSeparable, type Specialization } from '../../src/engine/specialize.js';
import { convOutputShape, inferShapes } from '../../src/ir/shapes.js';
import type { ModelSpec, Pooling, Shape3 } from '../../src/ir/types.js';
import { planModel } from '../../src/engine/plan.js';
import { GpuModel } from '../../src/engine/run.js';
import { modelInput, randomInput, randomModel, type RandomModelOptions } from '../helpers/random-model.js';
import { expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

/** Which planned layers run specialised kernels under `mode`. */
function specialised(spec: ModelSpec, mode: Specialization): boolean[] {
  const plans = planModel(runner, spec, mode);
  try {
    return plans.map((p) => (p as { specialized?: boolean }).specialized ?? false);
  } finally {
    for (const p of plans) p.release(runner);
  }
}

async function check(spec: ModelSpec, seed: number, mode: Specialization): Promise<void> {
  const { shape, bits } = modelInput(spec);
  const inputs = [
    randomInput(seed, shape, 3, bits),
    randomInput(seed, shape, 1, bits, { zeros: 0, saturate: 1 }),
    randomInput(seed, shape, 1, bits, { zeros: 1 }),
  ];
  // with blank-site skipping (the all-zero input then runs no site at all), and without, so
  // that the kernels compute every site of every input
  for (const siteSkipping of [true, false]) {
    const model = await GpuModel.create(runner, spec, { specialize: mode, siteSkipping });
    try {
      for (const [i, input] of inputs.entries()) {
        expectReference(spec, input, await model.forward(input, { keepAll: true }), `${mode} seed ${seed} input ${i} siteSkipping ${siteSkipping}`);
      }
      if (!siteSkipping) continue;
      const split = await model.forward(inputs[0]!, { keepAll: true, maxBatch: 2 });
      // (a model of only an InputData layer runs no chunk)
      expect(split.chunks).toBe(spec.layers.some((l) => l.kind !== 'InputData') ? 2 : 0);
      expectReference(spec, inputs[0]!, split, `${mode} seed ${seed} split batch`);
    } finally {
      model.dispose();
    }
  }
}

let seed = 5000;
/**
 * Forced on: exact, and every conv-like layer specialised whose terms are surely within
 * MAX_TILE_TERMS (an upper bound from the weight counts and the pooling window; f32-exact
 * models only).
 * Returns how many layers ran specialised.
 */
async function checkForced(opts: RandomModelOptions): Promise<number> {
  const spec = randomModel(++seed, opts);
  const shapes = inferShapes(spec.layers);
  const on = specialised(spec, 'always');
  spec.layers.forEach((l, i) => {
    if (l.kind !== 'InputConvolutional' && l.kind !== 'Convolutional' && l.kind !== 'SeparableConvolutional') return;
    const pot = convOutputShape(shapes.inputs[i]!, l.kernel, l.stride, l.padding, l.filters);
    const window = l.pooling.type === 'none' ? 1 : l.pooling.type === 'global_avg' ? pot[0] * pot[1] : l.pooling.size[0] * l.pooling.size[1];
    const taps = l.kernel[0] * l.kernel[1];
    const cin = shapes.inputs[i]![2];
    // separable: the depthwise (over the channels padded to words) and a 16-channel pointwise tile
    const bound = l.kind === 'SeparableConvolutional' ? (taps + 16) * Math.ceil(cin / 4) * 4 * window : taps * cin * 16 * window;
    if (bound <= MAX_TILE_TERMS) expect(on[i], `layer ${i} ${l.kind} specialised (at most ${bound} terms)`).toBe(true);
  });
  await check(spec, seed, 'always');
  return on.filter(Boolean).length;
}

describe('generated code', () => {
  const params = (cin: number, cout: number): ConvKernelParams => ({
    inH: 5, inW: 5, inC: cin, kernel: [1, 1], stride: 1, padTop: 0, padLeft: 0, convH: 5, convW: 5,
    pool: { size: [1, 1], stride: [1, 1], padTop: 0, padLeft: 0, sum: false }, outH: 5, outW: 5,
    activate: true, maxOut: 15, area: 1, cout, spikeSlot: 0, encoding: 'nibbles',
  });

  it('leaves zero weights out and sums inputs of equal weight before multiplying', () => {
    // 1x1 conv, 8 inputs, 1 output: weights 0 except 3 on inputs 1 and 6, -1 on input 5
    const w = new Int8Array(8);
    w[1] = 3;
    w[6] = 3;
    w[5] = -1;
    const [tile] = specializeConv(params(8, 1), w, 4, false, 15, 'always')!;
    const body = specializedBody(tile!);
    // inputs 1 (word 0) and 5, 6 (word 1) only: two loads, one product
    expect(body.match(/load_word/g)).toHaveLength(2);
    expect(body).toContain('let s_0_0_0 = -(v_0_0_1[1])\n    + 3.0 * (v_0_0_0[1] + v_0_0_1[2]);');
    // the 15 padded channels of the tile have no weights at all
    expect(body.match(/= 0\.0;/g)).toHaveLength(15);
  });

  it('adds a pair of inputs that several channels weigh alike once (shared partial sums)', () => {
    // 1x1 conv, 4 inputs, 3 outputs: inputs 0 and 1 have weight 2 in output 0 and -1 in
    // output 1 (in output 2 only input 0 does): their sum is computed once
    const w = new Int8Array(4 * 3);
    const set = (input: number, out: number, v: number) => (w[input * 3 + out] = v);
    set(0, 0, 2); set(1, 0, 2); set(2, 0, 1);
    set(0, 1, -1); set(1, 1, -1); set(3, 1, 1);
    set(0, 2, 5);
    const [tile] = specializeConv(params(4, 3), w, 4, false, 15, 'always')!;
    const body = specializedBody(tile!);
    expect(body).toContain('let p_0_0_0 = v_0_0_0[0] + v_0_0_0[1];');
    expect(body).toContain('let s_0_0_0 = (v_0_0_0[2])\n    + 2.0 * (p_0_0_0);');
    expect(body).toContain('let s_0_0_1 = -(p_0_0_0)\n    + (v_0_0_0[3]);');
    expect(body).toContain('let s_0_0_2 = 5.0 * (v_0_0_0[0]);');
    expect(body.match(/let p_/g)).toHaveLength(1);
  });

  it('separable: one depthwise potential per channel the tile uses, grouped like the conv', () => {
    // 3x3 depthwise over 8 channels, pointwise 8 -> 2 (one tile); only channels 2 and 5 have
    // non-zero pointwise weights, channel 5's depthwise is zero: one potential, of channel 2
    const dw = new Int8Array(9 * 8);
    dw[0 * 8 + 2] = 2; // tap (0, 0)
    dw[4 * 8 + 2] = -1; // tap (1, 1)
    dw[8 * 8 + 2] = 3; // tap (2, 2)
    const pw = new Int8Array(8 * 2);
    pw[2 * 2 + 0] = 1;
    pw[2 * 2 + 1] = -3;
    pw[5 * 2 + 0] = 4;
    // the IR stores non-input kernels flipped (true convolution); the shader cross-correlates
    const flipped = Int8Array.from({ length: dw.length }, (_, i) => dw[(8 - Math.floor(i / 8)) * 8 + (i % 8)]!);
    const p = { ...params(8, 2), kernel: [3, 3] as [number, number], padTop: 1, padLeft: 1 };
    const [tile] = specializeSeparable(p, { depthwise: flipped, pointwise: pw }, 8, 15, 'always')!;
    const body = specializedBody(tile!);
    expect(body.match(/let d_/g)).toHaveLength(1);
    expect(body).toContain('let d_0_0_2 = -(v_1_1_0[2])\n    + 2.0 * (v_0_0_0[2])\n    + 3.0 * (v_2_2_0[2]);');
    expect(body.match(/load_word/g)).toHaveLength(3);
    expect(body).toContain('let s_0_0_0 = (d_0_0_2);');
    expect(body).toContain('let s_0_0_1 = -3.0 * (d_0_0_2);');
    expect(body.match(/= 0\.0;/g)).toHaveLength(14);
  });

  it('consecutive tiles share one pipeline (one set of loads, and of depthwise potentials) while they fit MAX_TILE_TERMS', () => {
    // 1x1 depthwise over 32 channels, 3x3 max pool (9 positions), all weights non-zero: one
    // tile is 9 * (32 + 32 * 16) = 4,896 terms, three 14,112, four 18,720 > MAX_TILE_TERMS
    const p = {
      ...params(32, 64),
      pool: { size: [3, 3] as [number, number], stride: [3, 3] as [number, number], padTop: 0, padLeft: 0, sum: false },
      outH: 1, outW: 1, convH: 3, convW: 3, inH: 3, inW: 3,
    };
    expect(MAX_TILE_TERMS).toBeGreaterThanOrEqual(14_112);
    expect(MAX_TILE_TERMS).toBeLessThan(18_720);
    const layer = { depthwise: new Int8Array(32).fill(1), pointwise: new Int8Array(32 * 64).fill(-1) };
    const pipelines = specializeSeparable(p, layer, 32, 15, 'always')!;
    expect(pipelines.map((q) => [q.tile, q.tiles])).toEqual([[0, 3], [3, 1]]);
    const body = specializedBody(pipelines[0]!);
    expect(body.match(/load_word/g)).toHaveLength(9 * 8);
    expect(body.match(/let d_/g)).toHaveLength(9 * 32);
    expect(body.match(/emit_tile\(pool_\d, pixel, \du\)/g)).toEqual(['emit_tile(pool_0, pixel, 0u)', 'emit_tile(pool_1, pixel, 1u)', 'emit_tile(pool_2, pixel, 2u)']);
    expect(specializedBody(pipelines[1]!).match(/emit_tile\(.*\)/g)).toEqual(['emit_tile(pool_0, pixel, 3u)']);
    // a conv the same: 1x1 over 32 channels, 9 positions: 4,608 terms per tile, three 13,824
    const conv = specializeConv(p, new Int8Array(32 * 64).fill(3), 4, false, 15, 'always')!;
    expect(conv.map((q) => [q.tile, q.tiles])).toEqual([[0, 3], [3, 1]]);
    const convBody = specializedBody(conv[0]!);
    expect(convBody.match(/load_word/g)).toHaveLength(9 * 8);
    expect(convBody.match(/emit_tile\(.*\)/g)).toHaveLength(3);
  });
});

describe('planner', () => {
  it('siteSkipping false: no layer runs over a site list (specialised or generic)', () => {
    const spec = randomModel(4006, { inputShape: [6, 6, 2], layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], filters: 4 }, { kind: 'FullyConnected', units: 3 }] });
    for (const mode of ['never', 'always'] as const) {
      for (const siteSkipping of [true, false]) {
        const plans = planModel(runner, spec, mode, siteSkipping);
        try {
          expect(plans.map((p) => p.usesSites), `${mode} siteSkipping ${siteSkipping}`).toEqual([false, siteSkipping, siteSkipping]);
        } finally {
          for (const p of plans) p.release(runner);
        }
      }
    }
  });

  it('never specialises when told not to, nor where f32 sums would not be exact', () => {
    const spec = randomModel(4001, { inputShape: [6, 6, 2], layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], filters: 4 }] });
    expect(specialised(spec, 'never')).toEqual([false, false]);
    expect(specialised(spec, 'always')).toEqual([false, true]);
    // 8-bit input and weights over 48x48 inputs: beyond 2^24, the generic kernel's exact i32 path
    const wide = randomModel(4002, { inputShape: [48, 48, 1], layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 20, weightBits: 8 }] });
    expect(chooseEncoding(8, 48 * 48, 255)).toBe('i8');
    expect(specialised(wide, 'always')).toEqual([false, false]);
  });

  it('separable layers: specialised when exact, never with 8-bit input and weights', () => {
    const spec = randomModel(4004, { inputShape: [6, 6, 5], inputBits: 4, layers: [{ kind: 'InputData' }, { kind: 'SeparableConvolutional', kernel: [3, 3], filters: 20, weightBits: 4 }] });
    expect(specialised(spec, 'never')).toEqual([false, false]);
    expect(specialised(spec, 'auto')).toEqual([false, true]);
    // depthwise potentials up to 9 * 255 * 127 over 8 channels of 8-bit weights: beyond 2^24 in f32
    const wide = randomModel(4005, { inputShape: [6, 6, 8], inputBits: 8, layers: [{ kind: 'InputData' }, { kind: 'SeparableConvolutional', kernel: [3, 3], filters: 4, weightBits: 8 }] });
    expect(specialised(wide, 'always')).toEqual([false, false]);
  });

  it("'auto' keeps the generic kernel for a layer above the compile bound", () => {
    // 3x3x64 -> 96 filters with 2x2 pooling: about 9*64*96*4 = 221k terms, above MAX_LAYER_TERMS
    const spec = randomModel(4003, {
      inputShape: [6, 6, 64], inputBits: 4,
      layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 96, weightBits: 4, pooling: 'max' }],
    });
    const layer = spec.layers[1] as { weights: Int8Array };
    expect(layer.weights.filter((w) => w !== 0).length * 4).toBeGreaterThan(MAX_LAYER_TERMS);
    expect(specialised(spec, 'auto')).toEqual([false, false]);
  });
});

describe('forced on, bit-exact with the reference', () => {
  const POOLINGS: Pooling['type'][] = ['none', 'max', 'average', 'global_avg'];

  it('InputConvolutional: 1 and 3 channels of 8-bit input, strides, paddings, poolings', async () => {
    let i = 0;
    for (const pooling of POOLINGS) {
      for (const stride of [1, 2]) {
        i++;
        const inputShape: Shape3 = [7 + i, 6 + (i % 3), i % 2 ? 3 : 1];
        await checkForced({ inputShape, layers: [{ kind: 'InputConvolutional', kernel: [3, 3], stride, padding: i % 3 ? 'same' : 'valid', pooling, weightBits: ([1, 2, 4, 8] as const)[i % 4] }] });
      }
    }
  });

  it('Convolutional: kernels 1/3/5, multi-tile, overlapping pool windows, act bits, last layer without activation', async () => {
    const windows: Pooling[] = [
      { type: 'max', size: [3, 3], stride: [1, 1], padding: 'same' },
      { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' },
      { type: 'average', size: [3, 2], stride: [2, 1] },
    ];
    // kernel 5 with one window only: compile time grows with taps x window
    const cases = [1, 3].flatMap((k) => windows.map((pooling) => ({ k, pooling }))).concat([{ k: 5, pooling: windows[1]! }]);
    for (const [i, { k, pooling }] of cases.entries()) {
      await checkForced({
        inputShape: [9, 8, 2],
        layers: [
          { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: k === 5 ? 4 : 5 + 6 * ((i + 1) % 3), pooling: 'none', actBits: ([1, 2, 4] as const)[(i + 1) % 3] },
          { kind: 'Convolutional', kernel: [k, k], stride: 1 + ((i + 1) % 2), padding: 'same', filters: 10 + 7 * i, pooling, activation: i % 2 === 1 },
        ],
      });
    }
  });

  it('SeparableConvolutional: weight and act bits, paddings, strides, poolings, wide input, no activation', async () => {
    let i = 0;
    let layers = 0;
    for (const pooling of POOLINGS) {
      for (const stride of [1, 2]) {
        const weightBits = ([1, 2, 4, 8] as const)[i % 4];
        // 8-bit weights: at most 3 channels keep the f32 sums exact with 4-bit input
        const inputShape: Shape3 = [6 + (i % 3), 7 - (i % 2), weightBits === 8 ? 3 : 2 + 3 * (i % 3)];
        layers += await checkForced({
          inputShape,
          inputBits: 4,
          layers: [
            { kind: 'InputData' },
            { kind: 'SeparableConvolutional', kernel: [3, 3], stride, padding: i % 3 ? 'same' : 'valid', pooling, weightBits, actBits: ([1, 2, 4] as const)[i % 3], filters: 5 + 7 * (i % 3), activation: i % 4 !== 3 },
          ],
        });
        i++;
      }
    }
    expect(layers).toBe(8);
    // 8-bit input (the WIDE loads), 1-bit weights, 5x5 kernel
    await checkForced({ inputShape: [7, 7, 2], inputBits: 8, layers: [{ kind: 'InputData' }, { kind: 'SeparableConvolutional', kernel: [5, 5], padding: 'same', weightBits: 1, filters: 6, pooling: 'max' }] });
  });

  it('one-position windows of large kernels (dense, an unpooled 5x5 conv) are summed kernel row by kernel row', async () => {
    const spec = randomModel(++seed, {
      inputShape: [7, 6, 3],
      layers: [
        { kind: 'InputConvolutional', kernel: [5, 5], stride: 1, padding: 'same', filters: 18, pooling: 'none', weightBits: 4 },
        { kind: 'FullyConnected', units: 11, weightBits: 2, activation: false },
      ],
    });
    const plans = planModel(runner, spec, 'always');
    try {
      for (const index of [0, 1]) {
        const [first] = (plans[index] as unknown as { special: SpecializedConvParams[] }).special;
        const body = specializedBody(first!);
        // one += per kernel row and output channel that has weights; loads between them
        expect(body).toMatch(/var s_0_0_0 = 0\.0;/);
        expect(body.match(/ \+= /g)!.length).toBeGreaterThan(first!.kernel[0]);
        expect(body.indexOf('load_word')).toBeGreaterThan(body.indexOf('var s_0_0_0'));
      }
    } finally {
      for (const p of plans) p.release(runner);
    }
    await check(spec, seed, 'always');
  });

  it('SeparableConvolutional split over two pipelines (tiles 0-2, then 3)', async () => {
    // as in the generated-code test above: 9 window positions x (32 + 32 x 16 per tile) terms,
    // less the zero weights (1 in 15 of the 4-bit weights)
    const spec = randomModel(++seed, {
      inputShape: [6, 6, 32], inputBits: 2,
      layers: [{ kind: 'InputData' }, { kind: 'SeparableConvolutional', kernel: [1, 1], padding: 'valid', filters: 64, weightBits: 4, pooling: { type: 'max', size: [3, 3], stride: [3, 3], padding: 'valid' } }],
    });
    const plans = planModel(runner, spec, 'always');
    try {
      const tiles = (plans[1] as unknown as { special?: { tiles: number }[] }).special?.map((q) => q.tiles);
      expect(tiles).toEqual([3, 1]);
    } finally {
      for (const p of plans) p.release(runner);
    }
    await check(spec, seed, 'always');
  });

  it('SeparableConvolutional after a conv, multi-tile, then FullyConnected', async () => {
    for (const actBits of [1, 2, 4] as const) {
      // the InputConvolutional and the separable layer specialised, the dense kept generic or not
      const on = await checkForced({
        inputShape: [9, 8, 1],
        layers: [
          { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 7, pooling: 'none', actBits, weightBits: 4 },
          { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 18 + 5 * actBits, pooling: 'max', weightBits: 4, actBits },
          { kind: 'FullyConnected', units: 10, activation: false },
        ],
      });
      expect(on).toBeGreaterThanOrEqual(2);
    }
  });

  it('FullyConnected and narrow inputs through InputData', async () => {
    await checkForced({ inputShape: [5, 4, 3], inputBits: 4, layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], filters: 12 }, { kind: 'FullyConnected', units: 18, activation: false }] });
    await checkForced({ inputShape: [4, 4, 2], inputBits: 1, layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 9 }] });
  });

  it('random models', async () => {
    let layers = 0;
    for (let k = 0; k < 6; k++) layers += await checkForced({ maxChannels: 20 });
    expect(layers).toBeGreaterThan(0);
  });
});
