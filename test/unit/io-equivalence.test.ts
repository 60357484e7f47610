// The same weights read from tfjs, Keras 3 .keras, legacy .h5 (Keras 3 and tf.keras 2 layouts)
// and ONNX (an NCHW torch twin with the weights copied in) give the same float predictions and
// convert to byte-identical spikemesh models; natively trained Keras and torch models convert at
// 4/4/8 within 3 points of the float accuracy their training script recorded.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classAccuracy, convert, referenceClasses } from '../../src/convert/index.js';
import { loadSourceModel } from '../../src/convert/source.js';
import { serializeModel } from '../../src/ir/io.js';
import { fashionTest, fixture, fixtureJson, maxAbsDiff, predictRows, toInput } from './io-fixtures.js';

const SCALING = { scale: 255, shift: 0 };
const Q448 = { weightBits: 4, activationBits: 4, inputWeightBits: 8 } as const;
const TINY = { tfjs: 'tiny-tfjs/model.json', keras: 'tiny.keras', h5: 'tiny.h5', 'tf2.h5': 'tiny.tf2.h5', onnx: 'tiny.onnx' } as const;
/** images the converted models are evaluated on (the first of the Fashion-MNIST test set) */
const SUBSET = 1000;

let data: Awaited<ReturnType<typeof fashionTest>>;
const models: Record<string, tf.LayersModel> = {};
beforeAll(async () => {
  tf.enableProdMode();
  data = await fashionTest(SUBSET);
  for (const [k, f] of Object.entries(TINY)) models[k] = (await loadSourceModel(fixture(f))).model;
});

describe('one model, five files', () => {
  it('each file is read as its format', async () => {
    const formats = await Promise.all(Object.values(TINY).map(async (f) => {
      const { model, format } = await loadSourceModel(fixture(f));
      model.dispose();
      return format;
    }));
    expect(formats).toEqual(['tfjs', 'keras', 'h5', 'h5', 'onnx']);
  });

  it('the same layers in the same order (names from the Keras model and the torch modules)', () => {
    const layers = (m: tf.LayersModel) => m.layers.map((l) => `${l.name}:${l.getClassName()}`).filter((s) => !s.includes('Dropout'));
    for (const k of Object.keys(TINY)) expect(layers(models[k]!), k).toEqual(layers(models.keras!));
  });

  it('float predictions equal Keras\'s own within 1e-4 on 64 Fashion-MNIST images', () => {
    const expected = fixtureJson<{ keras: number[][]; onnxruntime: number[][] }>('tiny.expected.json');
    const x16 = toInput(data.images.subarray(0, 16 * 784), 16);
    for (const k of Object.keys(TINY)) {
      expect(maxAbsDiff(predictRows(models[k]!, x16), expected.keras.flat()), k).toBeLessThan(1e-4);
    }
    x16.dispose();
    const x = toInput(data.images.subarray(0, 64 * 784), 64);
    const ref = predictRows(models.keras!, x);
    for (const k of Object.keys(TINY)) expect(maxAbsDiff(predictRows(models[k]!, x), ref), k).toBeLessThan(1e-4);
    x.dispose();
  });

  it('convert() at 4/4/8 gives byte-identical spikemesh models from every file', async () => {
    const bytes: Record<string, { json: string; bin: Uint8Array }> = {};
    for (const k of Object.keys(TINY)) {
      const spec = await convert(models[k]!, { inputScaling: SCALING, quantization: Q448, name: 'tiny' });
      const s = serializeModel(spec);
      bytes[k] = { json: JSON.stringify(s.json), bin: s.bin };
    }
    for (const k of Object.keys(TINY)) {
      expect(bytes[k]!.json, k).toBe(bytes.keras!.json);
      expect(Buffer.from(bytes[k]!.bin).equals(Buffer.from(bytes.keras!.bin)), `${k}: .bin bytes`).toBe(true);
    }
    // and so the same integer predictions
    const spec = await convert(models.onnx!, { inputScaling: SCALING, quantization: Q448, name: 'tiny' });
    const a = referenceClasses(spec, data.images.subarray(0, 200 * 784), 200);
    const b = referenceClasses(await convert(models.h5!, { inputScaling: SCALING, quantization: Q448, name: 'tiny' }), data.images.subarray(0, 200 * 784), 200);
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

describe('models trained natively in each tool convert at 4/4/8 within 3 points of their float accuracy', () => {
  for (const [file, meta] of [['fashion-keras.keras', 'fashion-keras.json'], ['fashion-torch.onnx', 'fashion-torch.json']] as const) {
    it(file, async () => {
      const recorded = fixtureJson<{ float_accuracy_test: number; float_accuracy_first_1000: number }>(meta);
      const { model } = await loadSourceModel(fixture(file));
      const x = toInput(data.images, data.n);
      const float = tf.tidy(() => (model.predict(x) as tf.Tensor).argMax(-1).dataSync() as Int32Array).slice();
      x.dispose();
      // the reader reproduces the tool's float model
      expect(Math.abs(classAccuracy(float, data.labels) - recorded.float_accuracy_first_1000)).toBeLessThanOrEqual(0.002);
      const spec = await convert(model, { inputScaling: SCALING, quantization: Q448, name: file });
      const accuracy = classAccuracy(referenceClasses(spec, data.images, data.n), data.labels);
      console.log(`${file}: float ${recorded.float_accuracy_test} (test set), ${recorded.float_accuracy_first_1000} (first ${SUBSET}); ` +
        `converted 4/4/8 ${accuracy} (first ${SUBSET}, reference engine)`);
      expect(accuracy).toBeGreaterThanOrEqual(recorded.float_accuracy_test - 0.03);
      model.dispose();
    });
  }
});
