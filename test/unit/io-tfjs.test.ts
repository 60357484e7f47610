// The tfjs reader (src/io/tfjs.ts): every layer kind it reads, the training-only layers both
// consumers (convert/ and temporal/) skip, and errors that name the layer.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  check,
  QuantizedConv2D,
  QuantizedDense,
  QuantizedDepthwiseConv2D,
  QuantizedReLU,
  QuantizedSeparableConv2D,
} from '../../src/convert/index.js';
import type { GraphLayer } from '../../src/io/graph.js';
import { floatGraphFromTfjs, TRAINING_ONLY } from '../../src/io/tfjs.js';
import { floatForward } from '../../src/temporal/float-forward.js';
import { floatNetFromTfjs } from '../../src/temporal/float-net.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const L = tf.layers;
const seq = (shape: number[], layers: tf.layers.Layer[]) => tf.sequential({ layers: [L.inputLayer({ inputShape: shape }), ...layers] });
/** A layer's weights by short name, as the reader should hand them on. */
const values = (model: tf.LayersModel, layer: string, short: string) =>
  Array.from(model.getLayer(layer).weights.find((w) => w.originalName.endsWith(`/${short}`))!.read().dataSync());
const byName = (layers: GraphLayer[]) => Object.fromEntries(layers.map((l) => [l.name, l]));

describe('floatGraphFromTfjs', () => {
  it('reads every float layer kind with its geometry, activation, weights and output shape', () => {
    const model = seq([8, 8, 2], [
      L.rescaling({ name: 'scale', scale: 1 / 255, offset: -1 }),
      L.conv2d({ name: 'conv', filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'relu' }),
      L.batchNormalization({ name: 'bn', scale: false }),
      L.reLU({ name: 'relu', maxValue: 6 }),
      L.maxPooling2d({ name: 'max', poolSize: 2 }),
      L.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', depthMultiplier: 2, useBias: false }),
      L.separableConv2d({ name: 'sep', filters: 4, kernelSize: 3, strides: 2, padding: 'valid' }),
      L.activation({ name: 'a6', activation: 'relu6' }),
      L.averagePooling2d({ name: 'avg', poolSize: 1, strides: 1 }),
      L.dropout({ name: 'drop', rate: 0.5 }),
      L.globalAveragePooling2d({ name: 'gap' }),
      L.dense({ name: 'd1', units: 5, activation: 'tanh' }),
      L.activation({ name: 'lin', activation: 'linear' }),
      L.reshape({ name: 'flat', targetShape: [5] }),
      L.dense({ name: 'd2', units: 3, useBias: false }),
      L.softmax({ name: 'sm' }),
    ]);
    const g = floatGraphFromTfjs(model);
    expect(g.input).toEqual([8, 8, 2]);
    expect(g.skipped).toEqual([{ name: 'drop', className: 'Dropout', after: 'avg' }]);
    expect(g.layers.map((l) => `${l.name}:${l.kind}`)).toEqual([
      'scale:rescaling', 'conv:conv2d', 'bn:batchnorm', 'relu:relu', 'max:pool', 'dw:depthwise', 'sep:separable', 'a6:relu',
      'avg:pool', 'gap:pool', 'd1:dense', 'lin:activation', 'flat:flatten', 'd2:dense', 'sm:activation',
    ]);
    const r = byName(g.layers);
    expect(r.scale).toMatchObject({ scale: 1 / 255, offset: -1, output: [8, 8, 2] });
    expect(r.conv).toMatchObject({ className: 'Conv2D', kernel: [3, 2], strides: [1, 1], padding: 'same', inChannels: 2, filters: 3,
      activation: 'relu', output: [8, 8, 3] });
    expect(r.conv).not.toHaveProperty('quantizer');
    expect(Array.from((r.conv as Extract<GraphLayer, { kind: 'conv2d' }>).weights)).toEqual(values(model, 'conv', 'kernel'));
    expect(Array.from((r.conv as Extract<GraphLayer, { kind: 'conv2d' }>).bias!)).toEqual(values(model, 'conv', 'bias'));
    expect(r.bn).toMatchObject({ gamma: null, epsilon: 1e-3 });
    expect(Array.from((r.bn as Extract<GraphLayer, { kind: 'batchnorm' }>).variance)).toEqual(values(model, 'bn', 'moving_variance'));
    expect(r.relu).toMatchObject({ maxValue: 6 });
    expect(r.max).toMatchObject({ type: 'max', size: [2, 2], strides: [2, 2], padding: 'valid', output: [4, 4, 3] });
    expect(r.dw).toMatchObject({ depthMultiplier: 2, inChannels: 3, bias: null, activation: 'linear', output: [4, 4, 6] });
    expect(Array.from((r.dw as Extract<GraphLayer, { kind: 'depthwise' }>).depthwise)).toEqual(values(model, 'dw', 'depthwise_kernel'));
    expect(r.sep).toMatchObject({ filters: 4, depthMultiplier: 1, inChannels: 6, strides: [2, 2], padding: 'valid', output: [1, 1, 4] });
    expect(Array.from((r.sep as Extract<GraphLayer, { kind: 'separable' }>).pointwise)).toEqual(values(model, 'sep', 'pointwise_kernel'));
    expect(r.a6).toMatchObject({ kind: 'relu', maxValue: 6, className: 'Activation' });
    expect(r.avg).toMatchObject({ type: 'average', size: [1, 1] });
    expect(r.gap).toMatchObject({ type: 'global_avg', size: [1, 1], strides: [1, 1], output: [4] });
    expect(r.d1).toMatchObject({ inputs: 4, units: 5, activation: 'tanh', output: [5] });
    expect(r.lin).toMatchObject({ activation: 'linear' });
    expect(r.d2).toMatchObject({ bias: null, activation: 'linear' });
    expect(r.sm).toMatchObject({ kind: 'activation', activation: 'softmax', className: 'Softmax' });
  });

  it('reads the quantization-aware layers as float layers with their quantizer', () => {
    const model = seq([6, 6, 1], [
      new QuantizedConv2D({ name: 'qc', filters: 2, kernelSize: 3, padding: 'same', bits: 4, perAxis: true }),
      new QuantizedReLU({ name: 'qr', bits: 2, step: 0.5 }),
      new QuantizedDepthwiseConv2D({ name: 'qdw', kernelSize: 3, padding: 'same', bits: 8 }),
      new QuantizedConv2D({ name: 'qpw', filters: 3, kernelSize: 1, bits: 8 }),
      new QuantizedSeparableConv2D({ name: 'qs', filters: 2, kernelSize: 3, bits: 2, useBias: false }),
      L.flatten({ name: 'f' }),
      new QuantizedDense({ name: 'qd', units: 2, bits: 1 }),
    ]);
    const r = byName(floatGraphFromTfjs(model).layers);
    expect(r.qc).toMatchObject({ kind: 'conv2d', className: 'QuantizedConv2D', quantizer: { bits: 4, perAxis: true }, kernel: [3, 3], filters: 2 });
    expect(Array.from((r.qc as Extract<GraphLayer, { kind: 'conv2d' }>).weights)).toEqual(values(model, 'qc', 'kernel'));
    expect(r.qr).toMatchObject({ kind: 'quantized-relu', bits: 2, step: 0.5 });
    expect(r.qdw).toMatchObject({ kind: 'depthwise', quantizer: { bits: 8, perAxis: false }, depthMultiplier: 1 });
    expect(r.qpw).toMatchObject({ kind: 'conv2d', kernel: [1, 1], inChannels: 2 });
    expect(r.qs).toMatchObject({ kind: 'separable', quantizer: { bits: 2, perAxis: false }, bias: null, output: [4, 4, 2] });
    expect(r.qd).toMatchObject({ kind: 'dense', inputs: 32, units: 2, quantizer: { bits: 1, perAxis: false } });
  });

  it('marks what it cannot read as unsupported, naming the reason; throws on structure', () => {
    const model = seq([6, 6, 2], [
      L.upSampling2d({ name: 'up' }),
      L.conv2d({ name: 'dil', filters: 2, kernelSize: 3, dilationRate: 2 }),
      L.batchNormalization({ name: 'bnx', axis: 1 }),
      L.reshape({ name: 'rs', targetShape: [4, 16] }),
    ]);
    const r = byName(floatGraphFromTfjs(model).layers);
    expect(r.up).toMatchObject({ kind: 'unsupported', reason: 'layer type UpSampling2D is not supported' });
    expect(r.dil).toMatchObject({ kind: 'unsupported', reason: 'dilation rate [2,2] is not supported' });
    expect(r.bnx).toMatchObject({ kind: 'unsupported', reason: 'BatchNormalization over axis 1: only the channel axis (-1) can be folded' });
    expect(r.rs).toMatchObject({ kind: 'unsupported', reason: 'Reshape to [4,16] is not supported: only flattening reshapes', fix: 'use Flatten' });

    expect(() => floatGraphFromTfjs(seq([4, 4], [L.dense({ units: 2 })]))).toThrow(/input shape \[4,4\] is not supported/);
    const input = tf.input({ shape: [8] });
    const a = L.dense({ name: 'a', units: 4 }).apply(input) as tf.SymbolicTensor;
    const sum = L.add({ name: 'add' }).apply([a, L.dense({ name: 'b', units: 4 }).apply(input) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    expect(() => floatGraphFromTfjs(tf.model({ inputs: input, outputs: sum }))).toThrow(/layer '(add|b)'.*only serial models/);
  });

  it('both consumers name an unsupported layer', async () => {
    const model = seq([4, 4, 1], [
      new QuantizedConv2D({ name: 'conv', filters: 2, kernelSize: 3, padding: 'same', bits: 4 }),
      new QuantizedReLU({ name: 'relu', bits: 4 }),
      L.upSampling2d({ name: 'up' }),
      L.flatten(),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
    ]);
    const r = await check(model);
    expect(r.issues.map((i) => `${i.layer}: ${i.message}`)).toEqual(['up: layer type UpSampling2D is not supported']);
    const float = seq([4, 4, 1], [L.conv2d({ filters: 2, kernelSize: 3, activation: 'relu' }), L.upSampling2d({ name: 'up' }),
      L.flatten(), L.dense({ units: 2 })]);
    expect(() => floatNetFromTfjs(float)).toThrow("float model: layer 'up' (UpSampling2D): layer type UpSampling2D is not supported");
  });
});

/** The tfjs layer of a training-only class, or an identity stand-in with that class name (Keras-only classes). */
function trainingOnly(cls: string, name: string): tf.layers.Layer {
  const real: Record<string, () => tf.layers.Layer> = {
    Dropout: () => L.dropout({ name, rate: 0.5 }),
    GaussianNoise: () => L.gaussianNoise({ name, stddev: 0.3 }),
    GaussianDropout: () => L.gaussianDropout({ name, rate: 0.3 }),
    AlphaDropout: () => L.alphaDropout({ name, rate: 0.3 }),
  };
  if (real[cls]) return real[cls]!();
  const StandIn = class extends tf.layers.Layer {
    static className = cls;
    override call(x: tf.Tensor | tf.Tensor[]) {
      return x;
    }
  };
  return new StandIn({ name });
}

describe('training-only layers', () => {
  const classes = [...TRAINING_ONLY];

  it('the list holds the union of the old lists', () => {
    expect(classes.sort()).toEqual(['AlphaDropout', 'Dropout', 'GaussianDropout', 'GaussianNoise', 'SpatialDropout1D', 'SpatialDropout2D']);
  });

  it.each(classes)('%s is skipped by convert and by the temporal float network', async (cls) => {
    const quantized = seq([6, 6, 1], [
      trainingOnly(cls, 't0'),
      new QuantizedConv2D({ name: 'conv', filters: 2, kernelSize: 3, bits: 4 }),
      new QuantizedReLU({ name: 'relu', bits: 4 }),
      trainingOnly(cls, 't1'),
      L.flatten({ name: 'f' }),
      trainingOnly(cls, 't2'),
      new QuantizedDense({ name: 'dense', units: 2, bits: 4 }),
      L.softmax({ name: 'sm' }),
      trainingOnly(cls, 't3'),
    ]);
    const r = await check(quantized, { inputScaling: { scale: 255, shift: 0 } });
    expect(r.convertible).toBe(true);
    expect(r.issues.filter((i) => i.kind === 'conversion')).toEqual([]);
    expect(r.layers.map((l) => l.sources)).toEqual([['conv', 'relu', 't1'], ['f', 'dense', 'sm', 't3']]);
    expect(r.notes).toContain(`${cls} 't2' is training-only and is dropped`);

    const float = seq([6, 6, 1], [
      trainingOnly(cls, 't0'),
      L.conv2d({ name: 'conv', filters: 2, kernelSize: 3, activation: 'relu' }),
      trainingOnly(cls, 't1'),
      L.flatten({ name: 'f' }),
      trainingOnly(cls, 't2'),
      L.dense({ name: 'dense', units: 2, activation: 'softmax' }),
      trainingOnly(cls, 't3'),
    ]);
    const net = floatNetFromTfjs(float);
    expect(net.layers.map((l) => l.name)).toEqual(['conv', 'dense']);
    const x = tf.randomUniform([3, 6, 6, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const ours = floatForward(net, x).softmax().dataSync();
    const theirs = (float.predict(x) as tf.Tensor).dataSync();
    ours.forEach((v, i) => expect(v).toBeCloseTo(theirs[i]!, 5));
  });
});
