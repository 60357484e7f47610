// The committed MNIST reference models (models/, trained once by models/train.ts): the
// converted integer model must reproduce the quantized tfjs model sample by sample.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mnistHeldOut, strided } from '../../models/mnist.js';
import { alignThresholds, classAccuracy, convert, loadTfjsModel, predictClasses, referenceClasses } from '../../src/convert/index.js';
import { loadModel } from '../../src/ir/files.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { compareWithTfjs } from './convert-helpers.js';

const MODELS = new URL('../../models/', import.meta.url).pathname;
const SCALING = { scale: 255, shift: 0 };

let q4: tf.LayersModel;
let committed: ModelSpec;
beforeAll(async () => {
  tf.enableProdMode();
  q4 = await loadTfjsModel(`${MODELS}mnist-cnn-q4/model.json`);
  committed = await loadModel(`${MODELS}mnist-cnn-q4.akida.json`);
});

describe('MNIST reference models', () => {
  it('the committed spikemesh model is exactly what convert() makes of the committed quantized model', async () => {
    const spec = await convert(q4, { inputScaling: SCALING, name: 'mnist-cnn-q4' });
    expect(spec.layers.map((l) => [l.name, l.kind])).toEqual(committed.layers.map((l) => [l.name, l.kind]));
    expect(spec.layers).toEqual(committed.layers);
    expect(spec.inputScaling).toEqual(committed.inputScaling);
  });

  it('4-bit weights and activations, 8-bit input-layer weights', () => {
    const bits = committed.layers.map((l) => [l.kind, 'weightBits' in l ? l.weightBits : null, 'activation' in l ? l.activation?.bits ?? null : null]);
    expect(bits).toEqual([
      ['InputConvolutional', 8, 4],
      ['Convolutional', 4, 4],
      ['SeparableConvolutional', 4, 4],
      ['FullyConnected', 4, null],
    ]);
  });

  it('the integer model picks the quantized model\'s class on >= 99.9% of the held-out digits', () => {
    const d = mnistHeldOut();
    const x = tf.tidy(() => tf.tensor4d(d.images, [d.n, 28, 28, 1], 'int32').toFloat().div(255));
    const tfjs = predictClasses(q4, x);
    x.dispose();
    const integer = referenceClasses(committed, d.images, d.n);
    let same = 0;
    for (let i = 0; i < d.n; i++) if (tfjs[i] === integer[i]) same++;
    expect(same / d.n).toBeGreaterThanOrEqual(0.999);
    // and it is a working classifier on digits it never saw
    expect(classAccuracy(integer, d.labels)).toBeGreaterThan(0.95);
  });

  it('layer by layer, fed the quantized model\'s own levels, every integer level equals the quantized model\'s (its BatchNorms are aligned)', async () => {
    const d = strided(mnistHeldOut(), 200);
    const a = await compareWithTfjs(q4, committed, Int32Array.from(d.images), d.n, SCALING);
    for (const l of a.layers) expect(l.mismatches, `${l.name}: ${l.mismatches} of ${l.total}`).toBe(0);
    expect(a.sameClassLocal).toBe(d.n);
  });

  it('the committed quantized model is aligned: aligning it again moves nothing', async () => {
    const fresh = await loadTfjsModel(`${MODELS}mnist-cnn-q4/model.json`);
    const again = await alignThresholds(fresh, { inputScaling: SCALING });
    for (const l of again.layers) {
      expect(l.aligned, l.layer).toBe(true);
      expect(l.maxStepChange, l.layer).toBeLessThan(1e-6);
      expect(l.maxThresholdMove, l.layer).toBeLessThan(1e-3);
    }
  });
});
