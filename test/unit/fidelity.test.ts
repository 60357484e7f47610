// Golden cases of the conversion rules against cnn2snn 2.x (issue 23): every expected integer is
// derived by hand in the comment above it from the upstream formula
// (../shared/references/cnn2snn-2x-conversion.md names the upstream functions), not from running
// the code. Then property tests on random layers: quantized float model vs integer reference.
// docs/akida-fidelity.md lists every rule, its source, and the test here that covers it.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { inputRescaling } from '../../src/convert/convert.js';
import { foldActivation, foldAkidaPredictScale } from '../../src/convert/fold.js';
import {
  alignThresholds,
  analyze,
  convert,
  QuantizedConv2D,
  QuantizedReLU,
  quantize,
  quantizeWeights,
} from '../../src/convert/index.js';
import type { FloatGraph } from '../../src/io/graph.js';
import type { ConvolutionalLayer, InputConvolutionalLayer, ModelSpec } from '../../src/ir/types.js';
import { deserializeModel, serializeModel } from '../../src/ir/io.js';
import { validateModel } from '../../src/ir/validate.js';
import { activate, rescale } from '../../src/reference/activation.js';
import { convPotentials } from '../../src/reference/conv.js';
import { referenceForward } from '../../src/reference/forward.js';
import { planModel } from '../../src/engine/plan.js';
import { compareWithTfjs, randomImages, randomize } from './convert-helpers.js';

const L = tf.layers;

beforeAll(() => {
  tf.enableProdMode();
});

function seq(input: number[], layers: tf.layers.Layer[]): tf.Sequential {
  return tf.sequential({ layers: [L.inputLayer({ inputShape: input }), ...layers] });
}

describe('golden cases (hand-worked from cnn2snn 2.x)', () => {
  it('weight quantizer: MaxQuantizer / MaxPerAxisQuantizer (quantization_ops.py), round half to even', () => {
    // w = [0.5, 0.3125, -0.1875, -0.875], 4 bits: kmax = 2^3 - 1 = 7, sf = kmax / max|w| = 7 / 0.875 = 8
    // w * sf = [4, 2.5, -1.5, -7] -> round half to even -> [4, 2, -2, -7]
    const w = tf.tensor2d([0.5, 0.3125, -0.1875, -0.875], [4, 1]);
    const t = quantizeWeights(w, { bits: 4, perAxis: false });
    expect(Array.from(t.q.dataSync())).toEqual([4, 2, -2, -7]);
    expect(Array.from(t.sf.dataSync())).toEqual([8]);
    // per axis, columns [0.5, -0.25] and [1, 0.5]: sf = [7/0.5, 7/1] = [14, 7];
    // col 0 * 14 = [7, -3.5] -> [7, -4]; col 1 * 7 = [7, 3.5] -> [7, 4]; laid out row-major [2][2]
    const w2 = tf.tensor2d([[0.5, 1], [-0.25, 0.5]]);
    const t2 = quantizeWeights(w2, { bits: 4, perAxis: true });
    expect(Array.from(t2.q.dataSync())).toEqual([7, 7, -4, 4]);
    expect(Array.from(t2.sf.dataSync())).toEqual([14, 7]);
    tf.dispose([w, w2, t.q, t.sf, t2.q, t2.sf]);
  });

  it('activation: clip(ceil((p - T) / interval), 0, 2^bits - 1) (quantization_layers.py)', () => {
    // T = 8, interval 8 (actStep16 = 128), 4 bits (15 levels):
    // p = 8 -> ceil(0) = 0; p = 9 -> ceil(1/8) = 1; p = 16 -> 1; p = 17 -> ceil(9/8) = 2;
    // p = 200 -> ceil(192/8) = 24 -> clipped to 15; p = -5 -> 0
    expect([8, 9, 16, 17, 200, -5].map((p) => activate(p, 8, 128, 1, 15))).toEqual([0, 1, 1, 2, 15, 0]);
    // 1 bit: fires when p > T: p = 8 -> 0, p = 9 -> 1 (whatever the step)
    expect([8, 9, 1000].map((p) => activate(p, 8, 128, 1, 1))).toEqual([0, 1, 1]);
  });

  it('threshold floor(X0 + S/2) and level width S = a*sf*w (weights_ops.py _convert_layer_thresholds, legacy)', () => {
    // a = 2, sf = 8, w = 0.5 (level width), no BatchNorm, 4 bits:
    // channel 0, b = -0.3: X0 = -a*sf*b = -16 * -0.3 = 4.8, S = a*sf*w = 16 * 0.5 = 8,
    //   T = floor(4.8 + 8/2) = floor(8.8) = 8, interval 8 -> actStep16 = 8 * 16 = 128
    // channel 1, b = 0.25: X0 = -4, T = floor(-4 + 4) = 0, interval 8 -> 128
    const f = foldActivation({ a: 2, sf: [8, 8], bias: [-0.3, 0.25] }, 0.5, 4);
    expect(f.problems).toEqual([]);
    expect(Array.from(f.threshold)).toEqual([8, 0]);
    expect(Array.from(f.actStep16)).toEqual([128, 128]);
    // the Keras side agrees at the first boundary of channel 0: z = p/(a*sf) + b = p/16 - 0.3;
    // level = ceil((z - w/2)/w): p = 8 -> ceil(-0.1) = 0, p = 9 -> ceil(0.025) = 1
    expect([8, 9].map((p) => activate(p, 8, 128, 1, 15))).toEqual([0, 1]);
  });

  it('threshold fold of BatchNorm, cnn2snn 1.x (bnFold threshold): floor(a*sf*(sigma/gamma*(t - beta) + mu - b)), a negative gamma negates the channel', () => {
    // a = 1, sf = 4, b = 0, w = 1, t = w/2 = 0.5; BatchNorm mu = 3, var = 3, eps = 1 -> sigma = 2, beta = 1
    // channel 0, gamma = 1 (g = gamma/sigma = 0.5): T = floor(4 * (2/1 * (0.5 - 1) + 3 - 0)) = floor(4 * 2) = 8;
    //   step s*a*sf*sigma/gamma = 1 * 4 * 2 = 8 -> actStep16 128
    // channel 1, gamma = -1: the channel's weights are negated (sign -1) and the comparison is on -p:
    //   -p > 4 * (-(2/-1) * ... ) i.e. T = floor(-(4 * (sigma/gamma * (t - beta) + mu - b))) with the
    //   sign folded in: -4 * (-2 * (0.5 - 1) + 3) = -4 * (1 + 3) = -16; step 4 * 2 = 8 -> 128
    const bn = { gamma: [1, -1], beta: [1, 1], mean: [3, 3], variance: [3, 3], epsilon: 1 };
    const f = foldActivation({ a: 1, sf: [4, 4], bias: [0, 0], bn }, 1, 4);
    expect(f.problems).toEqual([]);
    expect(Array.from(f.sign)).toEqual([1, -1]);
    expect(Array.from(f.threshold)).toEqual([8, -16]);
    expect(Array.from(f.actStep16)).toEqual([128, 128]);
  });

  it('BatchNorm folded into the weights before quantizing, cnn2snn 2.x (transforms/batch_normalization.py _compute_BN_folded_weights)', async () => {
    // 1x1 Conv2D, 2 inputs, 2 filters: kernel [[1, 2], [0.5, -1]] ([cin][cout]), bias [0.1, -0.2];
    // BatchNorm gamma [2, -1], beta [0.5, 0], mean [0.1, 0.3], var [3, 0], eps 1: sigma = [2, 1]
    // gamma/sigma = [1, -1]: kernel columns times it -> [[1, -2], [0.5, 1]];
    // bias beta + (b - mu) * gamma/sigma = [0.5 + 0 * 1, 0 + (-0.5) * -1] = [0.5, 0.5]
    const model = seq([1, 1, 2], [
      L.conv2d({ name: 'c', filters: 2, kernelSize: 1 }),
      L.batchNormalization({ name: 'bn', epsilon: 1 }),
      L.reLU({ name: 'r' }),
    ]);
    model.getLayer('c').setWeights([tf.tensor4d([1, 2, 0.5, -1], [1, 1, 2, 2]), tf.tensor1d([0.1, -0.2])]);
    model.getLayer('bn').setWeights([tf.tensor1d([2, -1]), tf.tensor1d([0.5, 0]), tf.tensor1d([0.1, 0.3]), tf.tensor1d([3, 0])]);
    const q = quantize(model, { weightBits: 4, activationBits: 4, bnFold: 'weights' });
    const classes = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName()).filter((c) => c !== 'InputLayer');
    expect(classes(q)).toEqual(['QuantizedConv2D', 'QuantizedReLU']);
    const c = q.getLayer('c') as QuantizedConv2D;
    // the per-axis weight quantizer (MaxPerAxisQuantizer) whatever perAxis says
    expect(c.quantizer).toEqual({ bits: 4, perAxis: true });
    const [k, b] = c.getWeights();
    expect(Array.from(k!.dataSync())).toEqual([1, -2, 0.5, 1]);
    expect(Array.from(b!.dataSync()).map((v) => +v.toFixed(6))).toEqual([0.5, 0.5]);
    // integer weights per axis: column 0 [1, 0.5] sf = 7 -> [7, 3.5 -> 4]; column 1 [-2, 1] sf = 3.5 -> [-7, 3.5 -> 4]
    const t = quantizeWeights(k!, c.quantizer);
    expect(Array.from(t.q.dataSync())).toEqual([7, -7, 4, 4]);
    // bnFold 'threshold' keeps the BatchNorm (cnn2snn 1.x)
    const kept = quantize(model, { weightBits: 4, activationBits: 4, bnFold: 'threshold' });
    expect(classes(kept)).toEqual(['QuantizedConv2D', 'BatchNormalization', 'QuantizedReLU']);
    // a model quantized with its BatchNorm converts with the threshold fold; asking for the weight fold says what to do
    const r = await analyze(kept, { bnFold: 'weights' });
    expect(r.spec).toBeNull();
    expect(r.issues.map((i) => i.layer)).toEqual(['bn']);
    expect(r.issues[0]!.fix).toMatch(/re-quantize the float model .* or convert with --bn-fold threshold/);
    expect((await analyze(kept)).spec).not.toBeNull();
    tf.dispose([t.q, t.sf]);
  });

  it('BatchNorm fold into the weights: gamma = 0 is rejected naming the layer and channel; a negative gamma behind a max pooling too', () => {
    const make = (gamma: number[], pool: boolean) => {
      const m = seq([4, 4, 1], [
        L.conv2d({ name: 'c', filters: 2, kernelSize: 1 }),
        ...(pool ? [L.maxPooling2d({ name: 'p', poolSize: 2 })] : []),
        L.batchNormalization({ name: 'bn' }),
        L.reLU({ name: 'r' }),
      ]);
      m.getLayer('bn').setWeights([tf.tensor1d(gamma), tf.tensor1d([0, 0]), tf.tensor1d([0, 0]), tf.tensor1d([1, 1])]);
      return m;
    };
    expect(() => quantize(make([1, 0], false), { weightBits: 4, activationBits: 4, bnFold: 'weights' }))
      .toThrow(/BatchNormalization 'bn', channel 1: gamma is 0 .* cannot be folded into the weights of 'c'/);
    expect(() => quantize(make([-1, 1], true), { weightBits: 4, activationBits: 4, bnFold: 'weights' }))
      .toThrow(/BatchNormalization 'bn', channel 0: gamma -1 is negative behind the max pooling 'p'/);
    // without the pooling a negative gamma simply negates the folded kernel
    expect(() => quantize(make([-1, 1], false), { weightBits: 4, activationBits: 4, bnFold: 'weights' })).not.toThrow();
    // the threshold fold takes it (the max pooling check is then the converter's)
    expect(() => quantize(make([1, 0], false), { weightBits: 4, activationBits: 4, bnFold: 'threshold' })).not.toThrow();
  });

  it('kernel flip: InputConvolutional as Keras, Convolutional flipped (weights_ops.py)', async () => {
    // c1 (first conv on 1 channel: InputConvolutional) kernel [[0.25, 0.5], [0.75, 1]], 8 bits:
    //   sf = 127 / 1 = 127 -> [31.75, 63.5, 95.25, 127] -> round half to even [32, 64, 95, 127], not flipped
    // c2 (Convolutional) kernel [[1, 0.5], [-0.5, 0.25]], 4 bits: sf = 7 -> [7, 3.5, -3.5, 1.75] -> [7, 4, -4, 2];
    //   flipped: IR[i][j] = Keras[1-i][1-j] -> [2, -4, 4, 7]
    const m = seq([4, 4, 1], [
      new QuantizedConv2D({ name: 'c1', filters: 1, kernelSize: 2, bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'r1', bits: 4, step: 1 }),
      new QuantizedConv2D({ name: 'c2', filters: 1, kernelSize: 2, bits: 4, useBias: false }),
    ]);
    m.getLayer('c1').setWeights([tf.tensor4d([0.25, 0.5, 0.75, 1], [2, 2, 1, 1])]);
    m.getLayer('c2').setWeights([tf.tensor4d([1, 0.5, -0.5, 0.25], [2, 2, 1, 1])]);
    const spec = await convert(m, { inputScaling: { scale: 1, shift: 0 } });
    const [l1, l2] = spec.layers as [InputConvolutionalLayer, ConvolutionalLayer];
    expect([l1.kind, l2.kind]).toEqual(['InputConvolutional', 'Convolutional']);
    expect(Array.from(l1.weights)).toEqual([32, 64, 95, 127]);
    expect(Array.from(l2.weights)).toEqual([2, -4, 4, 7]);
  });

  it('input layer: InputConvolutional only for a first conv on 1 or 3 channels, else InputData (model_generator.py generate_model)', async () => {
    const kinds = async (c: number) => {
      const m = seq([4, 4, c], [new QuantizedConv2D({ name: 'c', filters: 2, kernelSize: 3, bits: 8 }), new QuantizedReLU({ name: 'r', bits: 4, step: 1 })]);
      const spec = await convert(m);
      return spec.layers.map((l) => l.kind);
    };
    expect(await kinds(1)).toEqual(['InputConvolutional']);
    expect(await kinds(3)).toEqual(['InputConvolutional']);
    expect(await kinds(2)).toEqual(['InputData', 'Convolutional']);
    expect(await kinds(4)).toEqual(['InputData', 'Convolutional']);
  });

  it('input scaling: x_akida = scale*x + shift; Rescaling(r, offset=o) becomes (1/r, -o/r) (converter.py)', () => {
    const graph = (scale: number, offset: number): FloatGraph => ({
      name: 'g', input: [2, 2, 1], skipped: [],
      layers: [{ kind: 'rescaling', scale, offset, name: 'rs', className: 'Rescaling', output: [2, 2, 1] }],
    });
    // Rescaling(1/4, offset=0): (1/r, -o/r) = (4, 0)
    expect(inputRescaling(graph(0.25, 0), { scale: 1, shift: 0 }).scaling).toEqual({ scale: 4, shift: 0 });
    // Rescaling(1/4, offset=-1): (4, -(-1)/(1/4)) = (4, 4); the layer leaves the graph
    const r = inputRescaling(graph(0.25, -1), { scale: 1, shift: 0 });
    expect(r.scaling).toEqual({ scale: 4, shift: 4 });
    expect(r.graph.layers).toEqual([]);
    // composed with a user scaling (2, 1): scale/r = 8, shift - o*scale/r = 1 + 8 = 9
    expect(inputRescaling(graph(0.25, -1), { scale: 2, shift: 1 }).scaling).toEqual({ scale: 8, shift: 9 });
  });

  it('InputConvolutional threshold with a shift: + sum(w_int) * shift (weights_ops.py), and \'same\' padding pads with the shift', async () => {
    // 1x1 conv, kernel 0.5, no bias, 8 bits: sf = 127 / 0.5 = 254, w_int = 127; scaling (2, 10): a = 2;
    // level width w = 1 -> S = a*sf*w = 508; X0 = -a*sf*b + sum(w_int)*shift = 0 + 127*10 = 1270;
    // T = floor(X0 + S/2) = floor(1270 + 254) = 1524; actStep16 = 508 * 16 = 8128
    const m = seq([2, 2, 1], [
      new QuantizedConv2D({ name: 'c', filters: 1, kernelSize: 1, bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'r', bits: 4, step: 1 }),
    ]);
    m.getLayer('c').setWeights([tf.tensor4d([0.5], [1, 1, 1, 1])]);
    const spec = await convert(m, { inputScaling: { scale: 2, shift: 10 } });
    const l = spec.layers[0] as InputConvolutionalLayer;
    expect(Array.from(l.activation!.threshold)).toEqual([1524]);
    expect(Array.from(l.activation!.actStep16)).toEqual([8128]);
    expect(l.padValue).toBeUndefined(); // 'valid': nothing to pad
    // the same with a 3x3 'same' kernel: the layer pads with the shift, padValue = 10
    const s = seq([3, 3, 1], [
      new QuantizedConv2D({ name: 'c', filters: 1, kernelSize: 3, padding: 'same', bits: 8, useBias: false }),
      new QuantizedReLU({ name: 'r', bits: 4, step: 1 }),
    ]);
    const spec2 = await convert(s, { inputScaling: { scale: 2, shift: 10 } });
    expect((spec2.layers[0] as InputConvolutionalLayer).padValue).toBe(10);
  });

  it('padding value in the reference: a padded tap adds padValue * its weights', () => {
    // input 2x2x1 [[1, 2], [3, 4]], kernel 3x3 w[i][j] = 3i + j + 1 (1..9), cross-correlation, 'same'
    // output (0, 0): window rows -1..1, cols -1..1; inside taps (1,1)->x00, (1,2)->x01, (2,1)->x10, (2,2)->x11:
    //   5*1 + 6*2 + 8*3 + 9*4 = 77; padded taps (0,0),(0,1),(0,2),(1,0),(2,0): 1+2+3+4+7 = 17
    //   padValue 10 -> 77 + 170 = 247; padValue 0 -> 77
    // output (1, 1): inside taps (0,0)->x00 .. (1,1)->x11: 1*1 + 2*2 + 4*3 + 5*4 = 37; padded 3+6+7+8+9 = 33 -> 37 + 330 = 367
    const x = Int32Array.from([1, 2, 3, 4]);
    const w = Int8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const g = { input: [2, 2, 1] as [number, number, number], kernel: [3, 3] as [number, number], stride: 1, padding: 'same' as const };
    expect(convPotentials(x, g, w, 1, false).data[0]).toBe(77);
    const p = convPotentials(x, { ...g, padValue: 10 }, w, 1, false).data;
    expect(p[0]).toBe(247);
    expect(p[3]).toBe(367);
    // the IR: padValue is an integer within the input range
    const layer = (padValue: unknown) => ({ version: 1, layers: [{ name: 'c', kind: 'InputConvolutional', inputShape: [2, 2, 1], inputBits: 8,
      kernel: [3, 3], stride: 1, padding: 'same', filters: 1, weightBits: 8, weights: w, pooling: { type: 'none' }, activation: null, padValue }] });
    expect((validateModel(layer(10)).layers[0] as InputConvolutionalLayer).padValue).toBe(10);
    // the model file keeps it (src/ir/io.ts writes every scalar field)
    const file = serializeModel(validateModel(layer(10)));
    expect((deserializeModel(file.json, file.bin).layers[0] as InputConvolutionalLayer).padValue).toBe(10);
    expect(() => validateModel(layer(256))).toThrow(/padValue/);
    expect(() => validateModel(layer(1.5))).toThrow(/padValue/);
    const out = referenceForward(validateModel(layer(10)), { data: x, n: 1, shape: [2, 2, 1] }).output.data;
    expect(out[0]).toBe(247);
    // the WebGPU kernels walk only the taps inside the input: the engine refuses a padding value
    // before it touches the GPU (no runner needed to see it)
    expect(() => planModel(undefined as never, validateModel(layer(10)), 'never'))
      .toThrow(/InputConvolutional padValue 10 .* not supported by the WebGPU kernels: run the model with backend 'reference'/);
  });

  it('last layer without activation: threshold floor(-a*sf*b), act_step a*sf (weights_ops.py)', () => {
    // a = 2, sf = 8: act_step = a*sf = 16 -> actStep16 256; b = [-0.3, 0.25]:
    // T = floor(-16 * -0.3) = floor(4.8) = 4, floor(-16 * 0.25) = -4
    const f = foldAkidaPredictScale({ a: 2, sf: [8, 8], bias: [-0.3, 0.25] });
    expect(f.problems).toEqual([]);
    expect(Array.from(f.threshold)).toEqual([4, -4]);
    expect(Array.from(f.actStep16)).toEqual([256, 256]);
    expect(f.unit).toBe(1);
    // predict: (p - T) / act_step; p = 20 -> (20 - 4) / 16 = 1 (the float z = 20/16 - 0.3 = 0.95, within 1/16)
    expect(rescale(20, 4, 256, 1)).toBe(1);
  });
});

describe('property: random layers, the quantized float model and the integer reference agree level by level', () => {
  /** Float model on 8x8 inputs, quantized (BatchNorm folded into the weights by default), calibrated, aligned, converted. */
  async function roundTrip(seed: number, channels: number, opts: { bnFold?: 'weights' | 'threshold'; shift?: number; bits?: 2 | 4 } = {}) {
    const scaling = { scale: 255 / 4, shift: opts.shift ?? 0 };
    const float = seq([8, 8, channels], [
      L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same' }),
      L.batchNormalization({ name: 'bn1' }),
      L.reLU({ name: 'r1' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.conv2d({ name: 'c2', filters: 6, kernelSize: 3, padding: 'same', useBias: false }),
      L.batchNormalization({ name: 'bn2' }),
      L.reLU({ name: 'r2' }),
      L.flatten({ name: 'f' }),
      L.dense({ name: 'd', units: 3 }),
    ]);
    const n = 64;
    const images = randomImages(n, [8, 8, channels], seed, 255);
    const x = tf.tensor4d(Float32Array.from(images), [n, 8, 8, channels]).sub(scaling.shift).div(scaling.scale);
    randomize(float, x, seed);
    const bits = opts.bits ?? 4;
    const q = quantize(float, { weightBits: 4, activationBits: bits, inputWeightBits: 8, perAxis: true, calibration: x, ...(opts.bnFold && { bnFold: opts.bnFold }) });
    x.dispose();
    const options = { inputScaling: scaling, ...(opts.bnFold && { bnFold: opts.bnFold }) };
    const report = await alignThresholds(q, options);
    const spec: ModelSpec = await convert(q, options);
    const agreement = await compareWithTfjs(q, spec, images, n, scaling);
    // not a vacuous agreement: every activation layer spikes, on some of its outputs only
    const { spikes } = referenceForward(spec, { data: images, n, shape: [8, 8, channels] });
    spec.layers.forEach((l, k) => {
      if (l.kind === 'InputData' || !l.activation) return;
      const size = agreement.layers.find((a) => a.name === l.name)!.total;
      expect(spikes[k], l.name).toBeGreaterThan(0);
      expect(spikes[k], l.name).toBeLessThan(size);
    });
    return { q, spec, report, agreement };
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: BatchNorm folded into the weights, every level equal`, async () => {
      const { q, spec, report, agreement } = await roundTrip(seed, 1, { bnFold: 'weights' });
      expect(q.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(false);
      expect(report.layers.every((l) => l.aligned && l.batchNorm === null), JSON.stringify(report.layers)).toBe(true);
      for (const l of agreement.layers.slice(0, -1)) expect(l.mismatches, `${l.name}`).toBe(0);
      // end to end, fed its own levels, the last layer's predict() picks the tfjs class (ties aside)
      expect(agreement.sameClassLocal, JSON.stringify(agreement)).toBeGreaterThanOrEqual(agreement.n - 1);
      expect(spec.metadata?.outputScale).toBe(1); // cnn2snn's predict constants: predict() in float units
    });
  }

  it('the threshold fold (cnn2snn 1.x) also reproduces the quantized model', async () => {
    const { q, report, agreement } = await roundTrip(4, 1, { bnFold: 'threshold', bits: 2 });
    expect(q.layers.some((l) => l.getClassName() === 'BatchNormalization')).toBe(true);
    expect(report.layers.map((l) => l.batchNorm)).toEqual(['bn1', 'bn2']);
    for (const l of agreement.layers.slice(0, -1)) expect(l.mismatches, `${l.name}`).toBe(0);
  });

  it("a shift with 'same' padding on InputConvolutional (padValue = shift): every level equal", async () => {
    const { spec, agreement } = await roundTrip(5, 3, { shift: 64 });
    expect(spec.layers[0]!.kind).toBe('InputConvolutional');
    expect((spec.layers[0] as InputConvolutionalLayer).padValue).toBe(64);
    for (const l of agreement.layers.slice(0, -1)) expect(l.mismatches, `${l.name}`).toBe(0);
  });

  it('2 input channels: InputData + Convolutional, every level equal', async () => {
    const { spec, agreement } = await roundTrip(6, 2);
    expect(spec.layers.map((l) => l.kind)).toEqual(['InputData', 'Convolutional', 'Convolutional', 'FullyConnected']);
    for (const l of agreement.layers.slice(0, -1)) expect(l.mismatches, `${l.name}`).toBe(0);
  });

  it('padValue in the reference equals padding the input with the value by hand (random kernels)', () => {
    for (let s = 0; s < 5; s++) {
      const [h, w, c, k, cout] = [3 + s, 4 + s, s % 2 ? 3 : 1, s % 2 ? 3 : 5, 2];
      const x = randomImages(1, [h, w, c], 100 + s, 255);
      const weights = Int8Array.from(randomImages(1, [k, k, c * cout], 200 + s, 14), (v) => v - 7);
      const pad = 17 + s;
      const got = convPotentials(x, { input: [h, w, c], kernel: [k, k], stride: 1, padding: 'same', padValue: pad }, weights, cout, false).data;
      // pad by hand: (k - 1)/2 on each side, then a 'valid' convolution
      const p = (k - 1) / 2;
      const [H, W] = [h + 2 * p, w + 2 * p];
      const padded = new Int32Array(H * W * c).fill(pad);
      for (let y = 0; y < h; y++) for (let xx = 0; xx < w; xx++) for (let ch = 0; ch < c; ch++) padded[((y + p) * W + xx + p) * c + ch] = x[(y * w + xx) * c + ch]!;
      const want = convPotentials(padded, { input: [H, W, c], kernel: [k, k], stride: 1, padding: 'valid' }, weights, cout, false).data;
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });
});
