// alignThresholds on layers without BatchNorm: the kernel's scale (and bias, where there is one)
// moves instead of gamma and beta. The arithmetic is checked potential by potential, then on
// MNIST models with and without BatchNorm: the integer model must reproduce the aligned quantized
// tfjs model sample by sample and, fed the tfjs model's own levels, level by level.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignKernelScale } from '../../src/convert/align.js';
import type { BnFold } from '../../src/convert/quantize.js';
import {
  alignThresholds,
  convert,
  foldActivation,
  imagesToTensor,
  predictClasses,
  quantize,
  referenceClasses,
} from '../../src/convert/index.js';
import { mnistDataset } from '../../src/data/mnist.js';
import type { ImageBatch } from '../../src/data/batch.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { activate, rescale } from '../../src/reference/activation.js';
import { referenceForward } from '../../src/reference/forward.js';
import { compareWithTfjs, randomize } from './convert-helpers.js';

const L = tf.layers;
const SCALING = { scale: 255, shift: 0 };

describe('alignKernelScale', () => {
  // float level of the pooled sum P: z = (P / A) / (sf * a) + bias, level = clip(ceil(z / w - 1/2))
  const floatLevel = (P: number, area: number, sfa: number, bias: number, w: number, bits: number) =>
    Math.min(Math.max(Math.ceil(((P / area) / sfa + bias) / w - 0.5), 0), 2 ** bits - 1);

  for (const [bits, area, withBias] of [[4, 1, true], [4, 1, false], [2, 4, true], [4, 4, false], [1, 9, false], [4, 9, true]] as const) {
    it(`${bits} bits, pooling area ${area}, ${withBias ? 'with' : 'without'} bias: every pooled potential gets the float level`, () => {
      const sf = [3.7, 11.3, 0.91, 25.2];
      const a = 7.3;
      const width = 1.9;
      // without a bias, the fold bias is the input shift's term, -shift * ones / (sf a): X0 = shift * ones
      const ones = [5, -12, 0, 31];
      const foldBias = withBias ? [0.31, -0.7, 1.4, -0.05] : ones.map((k, o) => (-3 * k) / (sf[o]! * a));
      const fold = { a, sf, bias: foldBias };
      const r = alignKernelScale(fold, withBias ? foldBias : null, width, bits, area);
      expect(r.problems).toEqual([]);
      expect(r.maxThresholdMove).toBeLessThanOrEqual(withBias ? 0.5 + 1e-9 : 1 + 1e-9);
      // the aligned layer: sf / m, and the bias (or the shift term, which scales with m)
      const sf2 = sf.map((s, o) => s / r.scale[o]!);
      const bias2 = withBias ? Array.from(r.bias!) : foldBias.map((b, o) => b * r.scale[o]!);
      const folded = foldActivation({ a, sf: sf2, bias: bias2 }, width, bits, area);
      expect(folded.problems).toEqual([]);
      for (let o = 0; o < sf.length; o++) {
        const sfa = sf2[o]! * a;
        const span = area * sfa * width * 2 ** bits;
        for (let P = -Math.ceil(span) - 20; P <= Math.ceil(span) + 20; P++) {
          const want = floatLevel(P, area, sfa, bias2[o]!, width, bits);
          const got = activate(P, folded.threshold[o]!, folded.actStep16[o]!, area, 2 ** bits - 1);
          if (got !== want) expect(`channel ${o}, P ${P}: ${got}`).toBe(`channel ${o}, P ${P}: ${want}`);
          // and half a unit from every boundary, so float32 cannot move a level
          const z = ((P / area) / sfa + bias2[o]!) / width - 0.5;
          if (bits > 1 && want > 0 && want < 2 ** bits - 1) expect(Math.abs(z - Math.round(z)) * area * sfa * width).toBeGreaterThan(0.49);
        }
      }
    });
  }

  it('without a bias and a pooling area that 16ths of a step cannot follow, says so', () => {
    const r = alignKernelScale({ a: 1, sf: [10.37], bias: [0] }, null, 1, 4, 9);
    expect(r.problems).toEqual([expect.stringMatching(/channel 0: without a bias, no act_step in 16ths .* add a bias/)]);
    expect(Array.from(r.scale)).toEqual([1]);
  });
});

let digits: ImageBatch;
beforeAll(async () => {
  tf.enableProdMode();
  const it = (await mnistDataset()).batches({ batchSize: 1000, limit: 1000 });
  digits = (await it.next()).value!;
});

/** Seeded float model, quantized at 4/4/4 and calibrated on 200 digits, then aligned. */
async function alignedModel(layers: tf.layers.Layer[], perAxis: boolean, seed: number, bnFold?: BnFold) {
  const float = tf.sequential({ layers: [L.inputLayer({ inputShape: [28, 28, 1] }), ...layers] });
  const calibration = imagesToTensor(digits.images.subarray(0, 200 * 784), 200, digits.shape, SCALING);
  randomize(float, calibration, seed);
  const q = quantize(float, { weightBits: 4, activationBits: 4, inputWeightBits: 4, perAxis, calibration, ...(bnFold && { bnFold }) });
  calibration.dispose();
  const report = await alignThresholds(q, { inputScaling: SCALING, ...(bnFold && { bnFold }) });
  const spec = await convert(q, { inputScaling: SCALING, ...(bnFold && { bnFold }) });
  return { q, report, spec };
}

/**
 * Same-class rate of the integer reference against the tfjs model on the 1,000 digits. Where they
 * differ, the two classes must tie in the integer model's predict() up to the potential unit by
 * which the last layer's threshold rounds the float bias (cnn2snn's floor(-a*sf*b): below one
 * unit; the normalised unit rounds: half a unit), float rounding then decides.
 */
function expectSameClass(q: tf.LayersModel, spec: ModelSpec): number {
  const x = imagesToTensor(digits.images, digits.n, digits.shape, SCALING);
  const tfjs = predictClasses(q, x);
  x.dispose();
  const integer = referenceClasses(spec, digits.images, digits.n);
  const last = spec.layers[spec.layers.length - 1]!;
  const ps = last.kind === 'FullyConnected' ? last.predictScale! : undefined;
  expect(ps).toBeDefined();
  let same = 0;
  for (let i = 0; i < digits.n; i++) {
    if (tfjs[i] === integer[i]) {
      same++;
      continue;
    }
    const out = referenceForward(spec, { data: Int32Array.from(digits.images.subarray(i * 784, (i + 1) * 784)), n: 1, shape: [28, 28, 1] }).output.data;
    const [a, b] = [tfjs[i]!, integer[i]!];
    const predict = (o: number) => rescale(out[o]!, ps!.threshold[o]!, ps!.actStep16[o]!, 1);
    const slack = 16 / ps!.actStep16[a]! + 16 / ps!.actStep16[b]!;
    expect(predict(b) - predict(a), `sample ${i}: classes ${a} and ${b} tie`).toBeLessThanOrEqual(slack);
  }
  const rate = same / digits.n;
  expect(rate).toBeGreaterThanOrEqual(0.999);
  return rate;
}

async function expectEveryLevel(q: tf.LayersModel, spec: ModelSpec): Promise<void> {
  const n = 200;
  const a = await compareWithTfjs(q, spec, Int32Array.from(digits.images.subarray(0, n * 784)), n, SCALING);
  for (const l of a.layers) expect(l.mismatches, `${l.name}: ${l.mismatches} of ${l.total}`).toBe(0);
}

describe('alignThresholds on MNIST digits', () => {
  it('without BatchNorm (the ANNarchy architecture: 5x5 convs without bias, ReLU, max pooling, dense): kernels rescaled, >= 99.9% same class, every level equal', async () => {
    const { q, report, spec } = await alignedModel([
      L.conv2d({ name: 'c1', filters: 8, kernelSize: 5, useBias: false, activation: 'relu' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.conv2d({ name: 'c2', filters: 8, kernelSize: 5, useBias: false }),
      L.reLU({ name: 'r2' }),
      L.maxPooling2d({ name: 'p2', poolSize: 2 }),
      L.flatten({ name: 'f' }),
      L.dense({ name: 'd', units: 10, useBias: false }),
    ], false, 7);
    expect(report.layers.map((l) => [l.layer, l.batchNorm, l.rescaled, l.aligned, l.problems])).toEqual([
      ['c1', null, 'c1', true, []],
      ['c2', null, 'c2', true, []],
    ]);
    for (const l of report.layers) expect(l.maxThresholdMove, l.layer).toBeLessThanOrEqual(1);
    expectSameClass(q, spec);
    await expectEveryLevel(q, spec);
  });

  // issue 23: the default folds BatchNorm into the weights (cnn2snn 2.x), so the aligned layers are
  // rescaled through their kernel; bnFold 'threshold' keeps the BatchNorms (cnn2snn 1.x) and moves them
  it.each([['weights', [['c1', null, 'c1', true], ['c2', null, 'c2', true]]], ['threshold', [['c1', 'bn1', undefined, true], ['c2', 'bn2', undefined, true]]]] as const)(
    'with BatchNorm, per-axis weights, bnFold %s: >= 99.9% same class, every level equal', async (bnFold, expected) => {
    const { q, report, spec } = await alignedModel([
      L.conv2d({ name: 'c1', filters: 8, kernelSize: 5 }),
      L.batchNormalization({ name: 'bn1' }),
      L.reLU({ name: 'r1' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.conv2d({ name: 'c2', filters: 8, kernelSize: 5 }),
      L.batchNormalization({ name: 'bn2' }),
      L.reLU({ name: 'r2' }),
      L.maxPooling2d({ name: 'p2', poolSize: 2 }),
      L.flatten({ name: 'f' }),
      // no bias: predict()'s threshold rounds a last layer's float offset to a whole potential unit,
      // which can swap two classes whose logits are within a unit (not an activation boundary)
      L.dense({ name: 'd', units: 10, useBias: false }),
    ], true, 11, bnFold);
    expect(report.layers.map((l) => [l.layer, l.batchNorm, l.rescaled, l.aligned])).toEqual(expected);
    expect(q.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(bnFold === 'threshold');
    expectSameClass(q, spec);
    await expectEveryLevel(q, spec);
  });

  it('without BatchNorm, with bias and per-axis weights: each channel its own kernel scale', async () => {
    const { q, report, spec } = await alignedModel([
      L.conv2d({ name: 'c1', filters: 8, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.conv2d({ name: 'c2', filters: 8, kernelSize: 5, activation: 'relu' }),
      L.maxPooling2d({ name: 'p2', poolSize: 2 }),
      L.flatten({ name: 'f' }),
      L.dense({ name: 'd', units: 10 }),
    ], true, 13);
    expect(report.layers.map((l) => [l.layer, l.rescaled, l.aligned])).toEqual([['c1', 'c1', true], ['c2', 'c2', true]]);
    for (const l of report.layers) expect(l.maxThresholdMove, l.layer).toBeLessThanOrEqual(0.5 + 1e-9);
    await expectEveryLevel(q, spec);
  });
});
