// reshape(): new input size, same weights; the reshaped model converts and the integer
// reference reproduces it.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { alignThresholds, calibrate, convert, QuantizedConv2D, QuantizedDense, QuantizedReLU } from '../../src/convert/index.js';
import { reshape } from '../../src/convert/reshape.js';
import { inferShapes } from '../../src/ir/shapes.js';
import { compareWithTfjs, randomImages, randomize } from './convert-helpers.js';

const L = tf.layers;
const SCALING = { scale: 255, shift: 0 };

describe('reshape', () => {
  it('conv + global average pooling: same weights on a 20x24 input; converts and runs exactly on the reference', async () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [16, 16, 1] }),
      new QuantizedConv2D({ name: 'c1', filters: 6, kernelSize: 3, padding: 'same', bits: 4 }),
      L.maxPooling2d({ name: 'p1', poolSize: 2, padding: 'same' }),
      L.batchNormalization({ name: 'bn1' }),
      new QuantizedReLU({ name: 'r1', bits: 4 }),
      new QuantizedConv2D({ name: 'c2', filters: 8, kernelSize: 3, padding: 'same', bits: 4 }),
      L.globalAveragePooling2d({ name: 'gap' }),
      L.batchNormalization({ name: 'bn2' }),
      new QuantizedReLU({ name: 'r2', bits: 4 }),
      new QuantizedDense({ name: 'd', units: 5, bits: 4 }),
    ] });
    randomize(model, tf.randomUniform([16, 16, 16, 1], 0, 1, 'float32', 3), 3);
    const wide = reshape(model, { width: 24, height: 20 });
    expect(wide.inputs[0]!.shape).toEqual([null, 20, 24, 1]);
    expect(wide.layers.slice(1).map((l) => l.name)).toEqual(model.layers.slice(1).map((l) => l.name));
    const w0 = model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wide.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(w0);
    expect(model.inputs[0]!.shape).toEqual([null, 16, 16, 1]); // the source is untouched

    const n = 32;
    const images = randomImages(n, [20, 24, 1], 9);
    const x = tf.tensor4d(Float32Array.from(images), [n, 20, 24, 1]).div(255);
    // calibrate the activations on the new size, as a user would before converting
    calibrate(wide, x);
    await alignThresholds(wide, { inputScaling: SCALING });
    const spec = await convert(wide, { inputScaling: SCALING });
    expect(inferShapes(spec.layers).inputs[0]).toEqual([20, 24, 1]);
    const a = await compareWithTfjs(wide, spec, images, n, SCALING);
    for (const l of a.layers) expect(l.mismatches, `${l.name}: ${l.mismatches} of ${l.total}`).toBe(0);
    expect(a.sameClass).toBe(n);
    x.dispose();
  });

  it('a Flatten + Dense refuses a new size unless the flattened size is unchanged; a too small input is named', () => {
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [8, 4, 1] }),
      L.conv2d({ name: 'c1', filters: 2, kernelSize: 3, padding: 'same' }),
      L.flatten({ name: 'f' }),
      L.dense({ name: 'd', units: 3 }),
    ] });
    expect(() => reshape(model, { width: 8, height: 8 })).toThrow(/reshape: layer 'd' \(Dense\) does not accept the new input size: it receives \[128\] instead of \[64\]/);
    const swapped = reshape(model, { width: 8, height: 4 });
    expect(swapped.outputs[0]!.shape).toEqual([null, 3]);
    const valid = tf.sequential({ layers: [L.inputLayer({ inputShape: [8, 8, 1] }), L.conv2d({ name: 'c5', filters: 2, kernelSize: 5 }), L.globalAveragePooling2d({ name: 'g' })] });
    expect(() => reshape(valid, { width: 3, height: 3 })).toThrow(/reshape: layer 'c5' \(Conv2D\)/);
    expect(() => reshape(valid, { width: 0, height: 3 })).toThrow(/width must be a positive integer/);
  });
});
