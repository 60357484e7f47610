// convert(): seeded random quantized models against the integer reference, layer by layer.
// The integer model must reproduce the quantized float model's levels; the only allowed
// differences are one level where a boundary falls within rounding of the 1/16 step or the
// integer threshold (a handful per thousand outputs).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  alignThresholds,
  convert,
  ConversionError,
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
} from '../../src/convert/index.js';
import { inferShapes } from '../../src/ir/shapes.js';
import type { Shape3 } from '../../src/ir/types.js';
import { compareWithTfjs, randomImages, randomize } from './convert-helpers.js';

const L = tf.layers;
const N = 48;

async function roundTrip(layers: tf.layers.Layer[], shape: Shape3, seed: number, scaling = { scale: 255, shift: 0 }, negativeGamma = false, align = false) {
  const model = tf.sequential({ layers: [L.inputLayer({ inputShape: shape }), ...layers] });
  const images = randomImages(N, shape, seed);
  const x = tf.tensor4d(Float32Array.from(images), [N, ...shape]).sub(scaling.shift).div(scaling.scale);
  randomize(model, x, seed, negativeGamma);
  if (align) await alignThresholds(model, { inputScaling: scaling });
  const spec = await convert(model, { inputScaling: scaling });
  const agreement = await compareWithTfjs(model, spec, images, N, scaling);
  return { model, spec, agreement };
}

function expectAgreement(a: Awaited<ReturnType<typeof compareWithTfjs>>, perMille = 5) {
  for (const l of a.layers) {
    expect(l.maxDiff, `layer ${l.name}`).toBeLessThanOrEqual(1);
    expect(l.mismatches, `layer ${l.name}: ${l.mismatches} of ${l.total}`).toBeLessThanOrEqual((l.total * perMille) / 1000);
  }
  expect(a.sameClassLocal).toBe(a.n);
  expect(a.sameClass, 'end to end').toBeGreaterThanOrEqual(a.n - 1);
}

describe('convert', () => {
  it('after alignThresholds, every integer level equals the quantized model\'s level (negative gammas, average pooling, 2 and 4 bits)', async () => {
    const { agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 8, kernelSize: 3, padding: 'same', bits: 8 }),
      L.averagePooling2d({ name: 'p1', poolSize: 2 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      new QuantizedConv2D({ name: 'c2', filters: 12, kernelSize: 3, padding: 'same', bits: 4, perAxis: true }),
      L.batchNormalization({ name: 'bn2' }),
      new QuantizedReLU({ name: 'r2', bits: 4 }),
      L.maxPooling2d({ name: 'p2', poolSize: 2 }),
      new QuantizedSeparableConv2D({ name: 's3', filters: 16, kernelSize: 3, padding: 'same', bits: 4 }),
      L.batchNormalization({ name: 'bn3' }),
      new QuantizedReLU({ name: 'r3', bits: 2 }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'd', units: 5, bits: 4 }),
    ], [16, 16, 1], 303, { scale: 255, shift: 0 }, true, true);
    for (const l of agreement.layers) expect(l.mismatches, `layer ${l.name}: ${l.mismatches} of ${l.total}`).toBe(0);
    expect(agreement.sameClass).toBe(agreement.n);
  });

  it('alignThresholds aligns a layer without BatchNorm through its kernel scale and refuses a model that does not convert', async () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [8, 8, 1] }),
      new QuantizedConv2D({ name: 'c1', filters: 4, kernelSize: 3, bits: 4 }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'd', units: 3, bits: 4 }),
    ] });
    const report = await alignThresholds(model, { inputScaling: { scale: 255, shift: 0 } });
    expect(report.layers).toHaveLength(1);
    const [c1] = report.layers;
    // no BatchNorm: the kernel's scale moves instead (its integer weights stay), so every level is exact
    expect(c1).toMatchObject({ layer: 'c1', batchNorm: null, rescaled: 'c1', aligned: true, problems: [] });
    expect(c1!.maxThresholdMove).toBeLessThanOrEqual(0.5);
    const float = tf.sequential({ layers: [L.inputLayer({ inputShape: [8, 8, 1] }), L.conv2d({ name: 'fc1', filters: 2, kernelSize: 3 })] });
    await expect(alignThresholds(float)).rejects.toThrow(/alignThresholds: the model does not convert \(fc1: Conv2D has float weights/);
  });

  it('conv + max pool before BN + separable + dense: InputConvolutional, flipped kernels, potentials-only output', async () => {
    const { spec, agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 8, kernelSize: 3, padding: 'same', bits: 4, perAxis: true }),
      L.maxPooling2d({ name: 'p1', poolSize: 2, padding: 'same' }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      new QuantizedSeparableConv2D({ name: 's2', filters: 12, kernelSize: 3, padding: 'same', bits: 4, perAxis: true }),
      L.batchNormalization({ name: 'bn2' }),
      new QuantizedReLU({ name: 'r2', bits: 4 }),
      L.maxPooling2d({ name: 'p2', poolSize: 2 }),
      L.flatten({ name: 'f' }),
      L.dropout({ name: 'drop', rate: 0.5 }),
      new QuantizedDense({ name: 'd', units: 6, bits: 4 }),
    ], [14, 14, 1], 101);
    expect(spec.layers.map((l) => l.kind)).toEqual(['InputConvolutional', 'SeparableConvolutional', 'FullyConnected']);
    expect(spec.layers.map((l) => l.name)).toEqual(['c1', 's2', 'd']);
    expect(inferShapes(spec.layers).output).toEqual([1, 1, 6]);
    const last = spec.layers[2]!;
    expect(last.kind === 'FullyConnected' && last.activation).toBe(null);
    expect(last.kind === 'FullyConnected' && last.predictScale?.threshold.length).toBe(6);
    expect(spec.inputScaling).toEqual({ scale: 255, shift: 0 });
    expectAgreement(agreement);
  });

  it('negative gammas negate weights; 2-bit and 1-bit activations; max pooling after the activation', async () => {
    const { spec, agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 6, kernelSize: 3, padding: 'valid', bits: 4 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 2 }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      new QuantizedConv2D({ name: 'c2', filters: 10, kernelSize: 3, padding: 'same', bits: 4, perAxis: true }),
      L.batchNormalization({ name: 'bn2' }),
      new QuantizedReLU({ name: 'r2', bits: 1 }),
      L.flatten({ name: 'f' }),
      // 8-bit weights: with 1-bit inputs and 2-bit weights the potentials are so coarse that
      // classes tie and only the float bias (finer than one potential unit) separates them
      new QuantizedDense({ name: 'd', units: 5, bits: 8 }),
    ], [12, 12, 1], 202, { scale: 255, shift: 0 }, true);
    const c2 = spec.layers[1]!;
    expect(c2.kind === 'Convolutional' && c2.activation?.bits).toBe(1);
    expectAgreement(agreement);
  });

  it('max pooling between BatchNorm (negative gammas) and the activation converts; before BatchNorm it is refused', async () => {
    const { agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 6, kernelSize: 3, padding: 'same', bits: 4 }),
      L.batchNormalization({ name: 'bn1' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'd', units: 4, bits: 8 }),
    ], [8, 8, 1], 606, { scale: 255, shift: 0 }, true);
    expectAgreement(agreement);
    const err = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 6, kernelSize: 3, padding: 'same', bits: 4 }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'd', units: 4, bits: 8 }),
    ], [8, 8, 1], 606, { scale: 255, shift: 0 }, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).issues).toEqual([expect.objectContaining({
      layer: 'p1',
      message: expect.stringMatching(/^MaxPooling2D before BatchNormalization 'bn1' whose gamma is negative in channels \d/),
    })]);
  });

  it('depthwise + 1x1 pointwise pair with biases, stride-2 3x3 conv, global average pooling, RGB input', async () => {
    const { spec, agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 8, kernelSize: 3, strides: 2, padding: 'same', bits: 4 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      // 8 bits: after global averaging the threshold resolves one potential unit of the
      // average, so a level must span many of them for the levels to match
      new QuantizedDepthwiseConv2D({ name: 'dw', kernelSize: 3, padding: 'same', bits: 8 }),
      new QuantizedConv2D({ name: 'pw', filters: 16, kernelSize: 1, bits: 8 }),
      L.globalAveragePooling2d({ name: 'gap' }),
      L.batchNormalization({ name: 'bn2' }),
      new QuantizedReLU({ name: 'r2', bits: 4 }),
      new QuantizedDense({ name: 'd', units: 4, bits: 4 }),
    ], [10, 10, 3], 303);
    expect(spec.layers.map((l) => l.kind)).toEqual(['InputConvolutional', 'SeparableConvolutional', 'FullyConnected']);
    const sep = spec.layers[1]!;
    expect(sep.kind === 'SeparableConvolutional' && sep.pooling).toEqual({ type: 'global_avg' });
    expect(spec.layers[0]!.kind === 'InputConvolutional' && spec.layers[0]!.stride).toBe(2);
    expectAgreement(agreement);
  });

  it('average pooling before the activation, and an input shift with valid padding', async () => {
    const { spec, agreement } = await roundTrip([
      new QuantizedConv2D({ name: 'c1', filters: 6, kernelSize: 3, padding: 'valid', bits: 4 }),
      L.averagePooling2d({ name: 'avg', poolSize: 2 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'd', units: 3, bits: 4 }),
    ], [11, 11, 1], 404, { scale: 127.5, shift: 127.5 });
    expect(spec.layers[0]!.kind === 'InputConvolutional' && spec.layers[0]!.pooling).toEqual({ type: 'average', size: [2, 2], stride: [2, 2] });
    expectAgreement(agreement);
  });

  it('a flat input becomes InputData + FullyConnected; dense with an activation feeds dense', async () => {
    const { spec, agreement } = await roundTrip([
      L.reshape({ name: 'flat', targetShape: [36] }),
      new QuantizedDense({ name: 'd1', units: 20, bits: 2 }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      new QuantizedDense({ name: 'd2', units: 4, bits: 4 }),
    ], [6, 6, 1], 505);
    expect(spec.layers.map((l) => l.kind)).toEqual(['InputData', 'FullyConnected', 'FullyConnected']);
    expect(spec.layers[0]).toMatchObject({ name: 'input', inputShape: [6, 6, 1], inputBits: 8 });
    expectAgreement(agreement);
  });

  it('weights land in the IR layouts: input conv as is, other convs flipped, dense unchanged', async () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [5, 5, 1] }),
      new QuantizedConv2D({ name: 'c1', filters: 1, kernelSize: [2, 3], padding: 'same', bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'r1', bits: 4, step: 1, trainableStep: false }),
      new QuantizedConv2D({ name: 'c2', filters: 1, kernelSize: [2, 3], padding: 'same', bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'r2', bits: 4, step: 1, trainableStep: false }),
      L.flatten(),
      new QuantizedDense({ name: 'd', units: 2, bits: 8, useBias: false }),
    ] });
    // max 6 -> sf = 127/6: integer weights round(k * 127 / 6), no ties
    const k = tf.tensor4d([1, 2, 2.5, 4, 5, 6], [2, 3, 1, 1]);
    model.getLayer('c1').setWeights([k]);
    model.getLayer('c2').setWeights([k]);
    const dense = tf.tensor2d(Array.from({ length: 50 }, (_, i) => (i % 7) - 3), [25, 2]);
    model.getLayer('d').setWeights([dense]);
    const spec = await convert(model);
    const q = [1, 2, 2.5, 4, 5, 6].map((v) => Math.round((v * 127) / 6));
    const [c1, c2, d] = spec.layers as [any, any, any];
    expect(Array.from(c1.weights)).toEqual(q);
    expect(Array.from(c2.weights)).toEqual([...q].reverse());
    const dq = Array.from(dense.dataSync(), (v) => Math.round((v * 127) / 3));
    expect(Array.from(d.weights)).toEqual(dq);
  });

  it('throws a ConversionError naming every layer that cannot convert', async () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [8, 8, 1] }),
      L.conv2d({ name: 'float_conv', filters: 2, kernelSize: 3 }),
      L.reLU({ name: 'float_relu' }),
      L.flatten(),
      L.dense({ name: 'float_dense', units: 2 }),
    ] });
    const err = await convert(model).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionError);
    const layers = (err as ConversionError).issues.map((i) => i.layer);
    expect(layers).toEqual(['float_conv', 'float_relu', 'float_dense']);
    expect((err as Error).message).toMatch(/float_conv: Conv2D has float weights: quantize the model first/);
  });

  it('converts a float model when given quantization settings', async () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [8, 8, 1] }),
      L.conv2d({ name: 'conv', filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }) }),
      L.flatten(),
      L.dense({ name: 'dense', units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }) }),
    ] });
    const calibration = tf.randomUniform([16, 8, 8, 1], 0, 1, 'float32', 9);
    const spec = await convert(model, {
      inputScaling: { scale: 255, shift: 0 },
      quantization: { weightBits: 4, activationBits: 2, inputWeightBits: 2, calibration },
    });
    expect(spec.layers.map((l) => [l.name, l.kind])).toEqual([['conv', 'InputConvolutional'], ['dense', 'FullyConnected']]);
    const conv = spec.layers[0]!;
    expect(conv.kind === 'InputConvolutional' && conv.activation?.bits).toBe(2);
    expect(conv.kind === 'InputConvolutional' && conv.weightBits).toBe(2);
    expect(spec.layers[1]!.kind === 'FullyConnected' && spec.layers[1]!.weightBits).toBe(4);
  });
});
