// Specialised conv kernels (weights compiled into the shader): the generated code leaves zero
// weights out, the planner picks them only where they are exact and within the compile bounds,
// and with specialisation forced on, every conv-like layer kind, geometry, pooling and input
// width equals referenceForward bit for bit (and forced off keeps the generic path).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import { chooseEncoding, type ConvKernelParams } from '../../src/kernels/index.js';
import { MAX_LAYER_TERMS, MAX_TILE_TERMS, specializeConv, specializedBody, type Specialization } from '../../src/kernels/conv-specialized.js';
import { convOutputShape, inferShapes } from '../../src/model/shapes.js';
import type { ModelSpec, Pooling, Shape3 } from '../../src/model/types.js';
import { planModel } from '../../src/scheduler/plan.js';
import { GpuModel } from '../../src/scheduler/run.js';
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
  const model = await GpuModel.create(runner, spec, { specialize: mode });
  try {
    const inputs = [randomInput(seed, shape, 3, bits), randomInput(seed, shape, 1, bits, { zeros: 0, saturate: 1 })];
    for (const [i, input] of inputs.entries()) {
      expectReference(spec, input, await model.forward(input, { keepAll: true }), `${mode} seed ${seed} input ${i}`);
    }
  } finally {
    model.dispose();
  }
}

let seed = 5000;
/**
 * Forced on: exact, and every conv-like layer specialised whose terms are surely within
 * MAX_TILE_TERMS (taps x 16 channels x pooling window, an upper bound; f32-exact models only).
 * Returns how many layers ran specialised.
 */
async function checkForced(opts: RandomModelOptions): Promise<number> {
  const spec = randomModel(++seed, opts);
  const shapes = inferShapes(spec.layers);
  const on = specialised(spec, 'always');
  spec.layers.forEach((l, i) => {
    if (l.kind !== 'InputConvolutional' && l.kind !== 'Convolutional') return;
    const pot = convOutputShape(shapes.inputs[i]!, l.kernel, l.stride, l.padding, l.filters);
    const window = l.pooling.type === 'none' ? 1 : l.pooling.type === 'global_avg' ? pot[0] * pot[1] : l.pooling.size[0] * l.pooling.size[1];
    const bound = l.kernel[0] * l.kernel[1] * shapes.inputs[i]![2] * 16 * window;
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
});

describe('planner', () => {
  it('never specialises when told not to, nor where f32 sums would not be exact', () => {
    const spec = randomModel(4001, { inputShape: [6, 6, 2], layers: [{ kind: 'InputData' }, { kind: 'Convolutional', kernel: [3, 3], filters: 4 }] });
    expect(specialised(spec, 'never')).toEqual([false, false]);
    expect(specialised(spec, 'always')).toEqual([false, true]);
    // 8-bit input and weights over 48x48 inputs: beyond 2^24, the generic kernel's exact i32 path
    const wide = randomModel(4002, { inputShape: [48, 48, 1], layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 20, weightBits: 8 }] });
    expect(chooseEncoding(8, 48 * 48, 255)).toBe('i8');
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
