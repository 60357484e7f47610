// Keras readers: Keras 3 .keras (zip), full-model .h5 from Keras 3's legacy writer and in the
// tf.keras 2 layout, Sequential and Functional chains, against Keras's own outputs; bad files.
import * as tf from '@tensorflow/tfjs';
import { strToU8, zipSync, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatGraphFromTfjs } from '../../src/io/tfjs.js';
import { detectFormat } from '../../src/io/detect.js';
import { normaliseKerasConfig } from '../../src/io/keras.js';
import { loadFloatModel } from '../../src/io/load.js';
import { fashionTest, fixture, fixtureBytes, fixtureJson, maxAbsDiff, predictRows, toInput } from './io-fixtures.js';

let x16: tf.Tensor4D;
let expected: number[];
beforeAll(async () => {
  tf.enableProdMode();
  const d = await fashionTest(16);
  x16 = toInput(d.images, 16);
  expected = fixtureJson<{ keras: number[][] }>('tiny.expected.json').keras.flat();
});

const load = (name: string) => loadFloatModel(fixture(name));
const fails = (name: string) => expect(load(name)).rejects;

describe('Keras files', () => {
  for (const [file, format] of [['tiny.keras', 'keras'], ['tiny.h5', 'h5'], ['tiny.tf2.h5', 'h5']] as const) {
    it(`${file}: Keras's predictions within 1e-4`, async () => {
      const { model, format: f } = await load(file);
      expect(f).toBe(format);
      expect(maxAbsDiff(predictRows(model, x16), expected)).toBeLessThan(1e-4);
      const graph = floatGraphFromTfjs(model);
      expect(graph.input).toEqual([28, 28, 1]);
      expect(graph.layers.map((l) => l.kind)).toEqual(
        ['conv2d', 'batchnorm', 'relu', 'pool', 'depthwise', 'conv2d', 'batchnorm', 'relu', 'pool', 'flatten', 'dense']);
      expect(graph.skipped.map((s) => s.name)).toEqual(['dropout']);
      expect(graph.layers[2]).toMatchObject({ kind: 'relu', maxValue: 6 });
      model.dispose();
    });
  }

  for (const file of ['functional.keras', 'functional.h5']) {
    it(`${file}: a Functional chain`, async () => {
      const { model } = await load(file);
      const x = tf.linspace(0, 1, 64).reshape([1, 8, 8, 1]);
      const y = predictRows(model, x);
      expect(maxAbsDiff(y, fixtureJson<{ keras: number[] }>('functional.expected.json').keras)).toBeLessThan(1e-5);
      expect(model.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Conv2D', 'ReLU', 'Flatten', 'Dense']);
      x.dispose();
      model.dispose();
    });
  }

  it('the format is found by content, whatever the name', () => {
    expect(detectFormat(fixtureBytes('tiny.keras'), 'x')).toBe('keras');
    expect(detectFormat(fixtureBytes('tiny.h5'), 'x')).toBe('h5');
    expect(detectFormat(fixtureBytes('tiny-tfjs/model.json'), 'x')).toBe('tfjs');
    expect(detectFormat(fixtureBytes('tiny.onnx'), 'x')).toBe('onnx');
    expect(() => detectFormat(new Uint8Array(0), 'empty.keras')).toThrow(/empty\.keras: the file is empty/);
  });

  it('bytes work as paths do (browser uploads)', async () => {
    const { model, format } = await loadFloatModel(fixtureBytes('tiny.keras'), { name: 'upload.bin' });
    expect(format).toBe('keras');
    expect(maxAbsDiff(predictRows(model, x16), expected)).toBeLessThan(1e-4);
    model.dispose();
  });

  it('normalises Keras 3 configs: dtype policies, module, registered_name, build_config, batch_shape', () => {
    const files = unzipSync(fixtureBytes('tiny.keras'));
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const topo = normaliseKerasConfig(config, 'tiny.keras');
    const text = JSON.stringify(topo);
    for (const key of ['"module"', '"registered_name"', '"build_config"', '"batch_shape"', 'DTypePolicy']) expect(text).not.toContain(key);
    expect(text).toContain('"batch_input_shape":[null,28,28,1]');
  });
});

describe('bad Keras files: one clear error naming the file', () => {
  it('a Lambda layer, named with its class', async () => {
    await fails('bad/lambda.keras').toThrow(/lambda\.keras: layer 'double' is a Lambda layer/);
    await fails('bad/lambda.h5').toThrow(/lambda\.h5: layer 'double' is a Lambda layer/);
  });

  it('a custom layer, named with its class', async () => {
    await fails('bad/custom.keras').toThrow(/custom\.keras: layer 'scale' has the custom class 'Scale' \(registered as 'fixtures>Scale'\)/);
  });

  it('a branching graph (residual Add)', async () => {
    await fails('bad/branch.keras').toThrow(/branch\.keras: layer 'add' \(Add\) has 2 inputs: only serial models/);
    await fails('bad/branch.h5').toThrow(/branch\.h5: layer 'add' \(Add\) has 2 inputs/);
  });

  it('a truncated or corrupt zip', async () => {
    const bytes = fixtureBytes('tiny.keras');
    await expect(loadFloatModel(bytes.subarray(0, 5000), { name: 'cut.keras' })).rejects.toThrow(/^cut\.keras: not a readable \.keras zip/);
    await expect(loadFloatModel(bytes.subarray(0, 2), { name: 'two.keras' })).rejects.toThrow(/^two\.keras: /);
  });

  it('a zip that is not a Keras model, or lacks its weights', async () => {
    await expect(loadFloatModel(zipSync({ 'a.txt': strToU8('hi') }), { name: 'other.zip' }))
      .rejects.toThrow(/^other\.zip: the zip has no config\.json: not a Keras 3 \.keras file/);
    const files = unzipSync(fixtureBytes('tiny.keras'));
    await expect(loadFloatModel(zipSync({ 'config.json': files['config.json']! }), { name: 'now.keras' }))
      .rejects.toThrow(/^now\.keras: the \.keras zip has no model\.weights\.h5/);
    const weights = files['model.weights.h5']!;
    await expect(loadFloatModel(weights, { name: 'model.weights.h5' })).rejects.toThrow(/^model\.weights\.h5: the HDF5 file has no 'model_config' attribute: it holds weights only/);
  });

  it('a truncated or corrupt HDF5 file', async () => {
    const bytes = fixtureBytes('tiny.h5');
    await expect(loadFloatModel(bytes.subarray(0, 3000), { name: 'cut.h5' })).rejects.toThrow(/^cut\.h5: /);
    const broken = Uint8Array.from(bytes);
    for (let i = 8; i < 64; i++) broken[i] = 0xff;
    await expect(loadFloatModel(broken, { name: 'broken.h5' })).rejects.toThrow(/^broken\.h5: the \.h5 file (is not a readable HDF5 file|is corrupt)/);
  });

  it('weights that do not fit the config', async () => {
    const files = unzipSync(fixtureBytes('tiny.keras'));
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    config.config.layers[1].config.filters = 9; // conv1: 8 filters in the weights file
    config.config.layers[2].build_config = null;
    const zip = zipSync({ 'config.json': strToU8(JSON.stringify(config)), 'model.weights.h5': files['model.weights.h5']! });
    await expect(loadFloatModel(zip, { name: 'edited.keras' })).rejects.toThrow(/^edited\.keras: /);
  });

  it('a missing file', async () => {
    await expect(loadFloatModel(fixture('nope.keras'))).rejects.toThrow(/nope\.keras: cannot read the model: not found/);
  });
});
