// The quantization-aware layers: quantizer arithmetic, straight-through gradients, the
// discrete ReLU's levels and step gradient, and saving/loading models that use them.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadTfjsModel,
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
  quantize,
  quantizeWeights,
  saveTfjsModel,
  stepWidth,
} from '../../src/convert/index.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('weight quantizers', () => {
  // columns are output channels: channel 0 holds 0.5 and 0.25, channel 1 holds -1.0 and 0.1
  const w = tf.tensor2d([[0.5, -1.0], [0.25, 0.1]]);

  it('MaxQuantizer: sf = kmax / max|W| over the tensor, q = clip(round(w * sf))', () => {
    const { q, sf } = quantizeWeights(w, { bits: 4, perAxis: false });
    expect(values(sf)).toEqual([7]);
    // 0.5*7 = 3.5 rounds to even (4), -7, 1.75 -> 2, 0.7 -> 1
    expect(values(q)).toEqual([4, -7, 2, 1]);
  });

  it('MaxPerAxis: one scale per output channel', () => {
    const { q, sf } = quantizeWeights(w, { bits: 4, perAxis: true });
    expect(values(sf)).toEqual([14, 7]);
    expect(values(q)).toEqual([7, -7, 4, 1]);
  });

  it('8 bits use kmax 127; 2 bits kmax 1', () => {
    expect(values(quantizeWeights(w, { bits: 8, perAxis: false }).q)).toEqual([64, -127, 32, 13]);
    expect(values(quantizeWeights(w, { bits: 2, perAxis: false }).q)).toEqual([0, -1, 0, 0]);
  });

  it('1 bit: the sign (0 counts as +1) with scale 1 / mean|W|', () => {
    const { q, sf } = quantizeWeights(tf.tensor1d([0.5, -1.5, 0, 2]), { bits: 1, perAxis: false });
    expect(values(q)).toEqual([1, -1, 1, 1]);
    expect(values(sf)[0]).toBeCloseTo(1, 6);
  });

  it('all-zero weights keep scale 1', () => {
    const { q, sf } = quantizeWeights(tf.zeros([3, 2]), { bits: 4, perAxis: true });
    expect(values(sf)).toEqual([1, 1]);
    expect(values(q)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('quantized layers', () => {
  it('QuantizedDense computes with q / sf and passes gradients straight through to the float kernel', () => {
    const layer = new QuantizedDense({ units: 2, bits: 4, useBias: false });
    layer.apply(tf.input({ shape: [2] }));
    layer.setWeights([tf.tensor2d([[0.5, -1.0], [0.25, 0.1]])]);
    const x = tf.tensor2d([[1, 1]]);
    // q/sf = [[4, -7], [2, 1]] / 7
    expect(values(layer.apply(x) as tf.Tensor).map((v) => v * 7)).toEqual([6, -6].map((v) => expect.closeTo(v, 5)));
    const kernel = layer.weights[0]!;
    const { grads } = tf.variableGrads(() => (layer.apply(tf.tensor2d([[2, 3]])) as tf.Tensor).sum() as tf.Scalar, [kernel.read() as tf.Variable]);
    // d(sum(x W))/dW = x^T 1: the rounding is invisible to the gradient
    expect(values(Object.values(grads)[0]!)).toEqual([2, 2, 3, 3]);
  });

  it('QuantizedConv2D, QuantizedSeparableConv2D and QuantizedDepthwiseConv2D match tfjs ops on the quantized kernels', () => {
    const x = tf.randomUniform([2, 6, 6, 3], 0, 1, 'float32', 1);
    const conv = new QuantizedConv2D({ filters: 4, kernelSize: 3, padding: 'same', bits: 4, perAxis: true });
    const sep = new QuantizedSeparableConv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', bits: 2 });
    const dw = new QuantizedDepthwiseConv2D({ kernelSize: 3, padding: 'same', bits: 8, useBias: false });
    for (const l of [conv, sep, dw]) l.apply(x);
    const fq = (t: tf.Tensor, bits: 1 | 2 | 4 | 8, perAxis: boolean) => {
      const { q, sf } = quantizeWeights(t, { bits, perAxis });
      return q.div(sf);
    };
    const [ck, cb] = conv.getWeights();
    const expectConv = tf.conv2d(x as tf.Tensor4D, fq(ck!, 4, true) as tf.Tensor4D, 1, 'same').add(cb!);
    expect(values(conv.apply(x) as tf.Tensor)).toEqual(values(expectConv).map((v) => expect.closeTo(v, 5)));
    const [sd, sp, sb] = sep.getWeights();
    const expectSep = tf.separableConv2d(x as tf.Tensor4D, fq(sd!, 2, false) as tf.Tensor4D, fq(sp!, 2, false) as tf.Tensor4D, 2, 'valid').add(sb!);
    expect(sep.computeOutputShape([2, 6, 6, 3])).toEqual([2, 2, 2, 4]);
    expect(values(sep.apply(x) as tf.Tensor)).toEqual(values(expectSep).map((v) => expect.closeTo(v, 5)));
    const [dk] = dw.getWeights();
    const expectDw = tf.depthwiseConv2d(x as tf.Tensor4D, fq(dk!, 8, false) as tf.Tensor4D, 1, 'same');
    expect(values(dw.apply(x) as tf.Tensor)).toEqual(values(expectDw).map((v) => expect.closeTo(v, 5)));
  });

  it('rejects bit widths out of range, naming the layer', () => {
    expect(() => new QuantizedConv2D({ name: 'c3', filters: 1, kernelSize: 3, bits: 3 as 4 })).toThrow(/layer 'c3': weight bits 3 not in \{1, 2, 4, 8\}/);
    expect(() => new QuantizedReLU({ name: 'r3', bits: 3 })).toThrow(/layer 'r3': activation bits 3 not in \{1, 2, 4\}/);
    expect(() => quantize(tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] }), { weightBits: 5 as 4, activationBits: 4 }))
      .toThrow(/weightBits is 5/);
  });
});

describe('QuantizedReLU', () => {
  it('rounds to the nearest level with ties going down, clipped to 2^bits - 1 levels', () => {
    // 2 bits, step 0.125 in 4-bit units -> level width 0.125 * 2^(4-2) = 0.5
    const relu = new QuantizedReLU({ bits: 2, step: 0.125 });
    const y = relu.apply(tf.tensor1d([-1, 0.2, 0.25, 0.26, 0.7, 0.75, 0.76, 5])) as tf.Tensor;
    expect(relu.levelWidth()).toBe(0.5);
    expect(values(y).map((v) => v + 0)).toEqual([0, 0, 0, 0.5, 0.5, 0.5, 1, 1.5]); // + 0: ceil(-0.1) is -0
  });

  it('step in 4-bit units: width = step * 2^(4 - bits)', () => {
    expect(stepWidth(0.4, 4)).toBeCloseTo(0.4, 12);
    expect(stepWidth(0.4, 2)).toBeCloseTo(1.6, 12);
    expect(stepWidth(0.4, 1)).toBeCloseTo(3.2, 12);
  });

  it('straight-through gradient inside the range, zero outside; the step learns (level - x/w) and 2^bits - 1 above', () => {
    const relu = new QuantizedReLU({ bits: 2, step: 0.125 });
    const x = tf.tensor1d([-1, 0.6, 0.9, 5]);
    relu.apply(x);
    const gx = tf.grad((t: tf.Tensor) => (relu.apply(t) as tf.Tensor).sum())(x);
    expect(values(gx)).toEqual([0, 1, 1, 0]);
    const step = relu.step.read() as tf.Variable;
    const { grads } = tf.variableGrads(() => (relu.apply(x) as tf.Tensor).sum() as tf.Scalar, [step]);
    // d/dwidth: 0 (below), level - x/w = 1 - 1.2 and 2 - 1.8 (inside), 3 (above); width = 4 * step
    const dWidth = 0 + (1 - 1.2) + (2 - 1.8) + 3;
    expect(values(Object.values(grads)[0]!)[0]).toBeCloseTo(4 * dWidth, 4);
  });
});

describe('models with quantized layers', () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('save and load through model.json + weights.bin with identical outputs, trained steps included', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.inputLayer({ inputShape: [6, 6, 1] }),
      new QuantizedConv2D({ name: 'c', filters: 3, kernelSize: 3, padding: 'same', bits: 8, perAxis: true }),
      tf.layers.batchNormalization({ name: 'bn' }),
      new QuantizedReLU({ name: 'r', bits: 4 }),
      new QuantizedSeparableConv2D({ name: 's', filters: 4, kernelSize: 3, bits: 4 }),
      new QuantizedReLU({ name: 'r2', bits: 2, trainableStep: false }),
      tf.layers.flatten(),
      new QuantizedDense({ name: 'd', units: 2, bits: 2 }),
    ] });
    (model.getLayer('r') as QuantizedReLU).step.write(tf.scalar(0.3));
    const dir = await mkdtemp(join(tmpdir(), 'spikemesh-qat-'));
    dirs.push(dir);
    await saveTfjsModel(model, dir);
    const loaded = await loadTfjsModel(join(dir, 'model.json'));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    expect((loaded.getLayer('r') as QuantizedReLU).levelWidth()).toBeCloseTo(0.3, 6);
    expect((loaded.getLayer('r2') as QuantizedReLU).trainableStep).toBe(false);
    const x = tf.randomUniform([3, 6, 6, 1], 0, 1, 'float32', 5);
    expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(model.predict(x) as tf.Tensor));
  });

  it('a frozen step stays put through compile and training, and saves as frozen', async () => {
    const relu = new QuantizedReLU({ name: 'r', bits: 4, step: 0.1 });
    const model = tf.sequential({ layers: [
      tf.layers.inputLayer({ inputShape: [4] }),
      new QuantizedDense({ name: 'd1', units: 4, bits: 4 }),
      relu,
      new QuantizedDense({ name: 'd2', units: 2, bits: 4 }),
    ] });
    relu.freezeStep();
    model.compile({ optimizer: tf.train.adam(0.05), loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p) });
    const x = tf.randomNormal([32, 4], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.randomUniform([32], 0, 2, 'int32', 4), 2);
    const kernel = values(model.getLayer('d1').getWeights()[0]!);
    for (let i = 0; i < 3; i++) await model.trainOnBatch(x, y);
    expect(values(relu.step.read())[0]).toBeCloseTo(0.1, 7);
    expect(values(model.getLayer('d1').getWeights()[0]!)).not.toEqual(kernel);
    expect(relu.getConfig().trainableStep).toBe(false);
  });

  it('fine-tunes: a few Adam steps lower the loss of a quantized model', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.inputLayer({ inputShape: [4] }),
      new QuantizedDense({ name: 'd1', units: 8, bits: 4 }),
      new QuantizedReLU({ name: 'r', bits: 4, step: 0.1 }),
      new QuantizedDense({ name: 'd2', units: 2, bits: 4 }),
    ] });
    model.layers.forEach((l, i) => {
      const ws = l.getWeights();
      if (ws.length) l.setWeights(ws.map((w, j) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 10 * i + j)));
    });
    const x = tf.randomNormal([64, 4], 0, 1, 'float32', 42);
    const y = tf.oneHot(x.slice([0, 0], [64, 1]).reshape([64]).greater(0).toInt(), 2);
    model.compile({ optimizer: tf.train.adam(0.05), loss: (t: tf.Tensor, p: tf.Tensor) => tf.losses.softmaxCrossEntropy(t, p) });
    const before = (await model.evaluate(x, y) as tf.Scalar).dataSync()[0]!;
    const p = model.predict(x) as tf.Tensor;
    expect(p.shape).toEqual([64, 2]);
    for (let i = 0; i < 30; i++) await model.trainOnBatch(x, y);
    const after = (await model.evaluate(x, y) as tf.Scalar).dataSync()[0]!;
    expect(after).toBeLessThan(before * 0.7);
  });
});
