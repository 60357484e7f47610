// Layer blocks: a model built from them passes check(), converts, and the integer reference
// reproduces the quantized tfjs model level by level.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { alignThresholds, check, convert, quantize, QuantizedConv2D, QuantizedReLU } from '../../src/convert/index.js';
import { convBlock, denseBlock, separableConvBlock } from '../../src/convert/layer-blocks.js';
import { compareWithTfjs, randomImages, randomize } from './convert-helpers.js';

const SCALING = { scale: 255, shift: 0 };

function blocksModel(q: { weightBits?: 4; activationBits?: 4 }) {
  return tf.sequential({ layers: [
    tf.layers.inputLayer({ inputShape: [16, 16, 1] }),
    ...convBlock({ name: 'conv1', filters: 8, kernelSize: 3, pooling: 'max', batchNorm: true, ...q }),
    ...separableConvBlock({ name: 'sep2', filters: 16, kernelSize: 3, pooling: 'global_avg', batchNorm: true, ...q }),
    ...denseBlock({ name: 'dense3', units: 10, activation: false, ...q }),
  ] });
}

describe('layer blocks', () => {
  it('emit neural -> pool -> BatchNorm -> activation, quantization-aware when bits are given', () => {
    const q = blocksModel({ weightBits: 4, activationBits: 4 });
    expect(q.layers.slice(1).map((l) => `${l.name}:${l.getClassName()}`)).toEqual([
      'conv1:QuantizedConv2D', 'conv1_pool:MaxPooling2D', 'conv1_bn:BatchNormalization', 'conv1_relu:QuantizedReLU',
      'sep2:QuantizedSeparableConv2D', 'sep2_pool:GlobalAveragePooling2D', 'sep2_bn:BatchNormalization', 'sep2_relu:QuantizedReLU',
      'dense3:QuantizedDense',
    ]);
    const relu = q.getLayer('conv1_relu') as QuantizedReLU;
    expect(relu.levelWidth()).toBeCloseTo(6 / 15, 6);
    const f = blocksModel({});
    expect(f.layers.map((l) => l.getClassName())).toEqual([
      'InputLayer', 'Conv2D', 'MaxPooling2D', 'BatchNormalization', 'ReLU', 'SeparableConv2D', 'GlobalAveragePooling2D', 'BatchNormalization', 'ReLU', 'Dense',
    ]);
    const flat = denseBlock({ name: 'd', units: 3, flatten: true, weightBits: 2, activationBits: 2, maxValue: 3 });
    expect(flat.map((l) => l.getClassName())).toEqual(['Flatten', 'QuantizedDense', 'QuantizedReLU']);
    expect((convBlock({ name: 'c', filters: 2, kernelSize: 3, weightBits: 8, perAxis: true })[0] as QuantizedConv2D).quantizer)
      .toEqual({ bits: 8, perAxis: true });
  });

  it('a float model from blocks passes check() as it will be quantized; quantized, it converts and runs exactly', async () => {
    const float = blocksModel({});
    const report = await check(float, { inputScaling: SCALING, quantization: { weightBits: 4, activationBits: 4 } });
    expect(report.issues).toEqual([]);
    expect([report.quantized, report.convertible, report.hardwareCompatible]).toEqual([false, true, true]);

    const model = blocksModel({ weightBits: 4, activationBits: 4 });
    const n = 64;
    const images = randomImages(n, [16, 16, 1], 5);
    const x = tf.tensor4d(Float32Array.from(images), [n, 16, 16, 1]).div(255);
    randomize(model, x, 5);
    const checked = await check(model, { inputScaling: SCALING });
    expect(checked.issues).toEqual([]);
    expect([checked.quantized, checked.convertible, checked.hardwareCompatible]).toEqual([true, true, true]);
    expect(checked.layers.map((l) => [l.name, l.kind])).toEqual([
      ['conv1', 'InputConvolutional'], ['sep2', 'SeparableConvolutional'], ['dense3', 'FullyConnected'],
    ]);
    await alignThresholds(model, { inputScaling: SCALING });
    const spec = await convert(model, { inputScaling: SCALING });
    const a = await compareWithTfjs(model, spec, images, n, SCALING);
    for (const l of a.layers) expect(l.mismatches, `${l.name}: ${l.mismatches} of ${l.total}`).toBe(0);
    expect(a.sameClass).toBe(n);
    // the float blocks quantize to the same layer classes with the cnn2snn 1.x BatchNorm fold; the
    // default (cnn2snn 2.x, issue 23) folds the BatchNorms into the weights
    const classes = (m: tf.LayersModel) => m.layers.map((l) => l.getClassName());
    expect(classes(quantize(float, { weightBits: 4, activationBits: 4, bnFold: 'threshold' }))).toEqual(classes(model));
    expect(classes(quantize(float, { weightBits: 4, activationBits: 4, bnFold: 'weights' }))).toEqual(classes(model).filter((c) => c !== 'BatchNormalization'));
    x.dispose();
  });
});
