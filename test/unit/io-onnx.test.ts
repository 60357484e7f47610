// ONNX reader: NCHW -> NHWC mapped exactly (checked against onnxruntime-node on the same file),
// the channel-major flatten's dense rows permuted, external data, and the refusals.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { floatGraphFromTfjs } from '../../src/io/tfjs.js';
import { loadFloatModel } from '../../src/io/load.js';
import { float32Decimal, onnxToTfjs } from '../../src/io/onnx.js';
import { fashionTest, fixture, fixtureBytes, fixtureJson, maxAbsDiff, predictRows, toInput } from './io-fixtures.js';

let images: Uint8Array;
beforeAll(async () => {
  tf.enableProdMode();
  images = (await fashionTest(32)).images;
});

/** onnxruntime's output for the same images, given NCHW as the file expects */
async function ortRun(file: string, n: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(fixture(file));
  const nchw = new Float32Array(n * 784);
  for (let i = 0; i < n * 784; i++) nchw[i] = images[i]! / 255; // one channel: NHWC = NCHW
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', nchw, [n, 1, 28, 28]) });
  const y = out[session.outputNames[0]!]!.data as Float32Array;
  await session.release();
  return y;
}

describe('ONNX files', () => {
  it('tiny.onnx (torch, opset 13): the NHWC model equals onnxruntime within 1e-4', async () => {
    const { model, format } = await loadFloatModel(fixture('tiny.onnx'));
    expect(format).toBe('onnx');
    const x = toInput(images, 32);
    expect(maxAbsDiff(predictRows(model, x), await ortRun('tiny.onnx', 32))).toBeLessThan(1e-4);
    const recorded = fixtureJson<{ onnxruntime: number[][] }>('tiny.expected.json').onnxruntime.flat();
    expect(maxAbsDiff(predictRows(model, x.slice(0, 16)), recorded)).toBeLessThan(1e-4);
    x.dispose();
    const graph = floatGraphFromTfjs(model);
    expect(graph.input).toEqual([28, 28, 1]);
    expect(graph.layers.map((l) => `${l.name}:${l.kind}`)).toEqual([
      'conv1:conv2d', 'bn1:batchnorm', 'relu1:relu', 'pool1:pool', 'dw2:depthwise', 'pw2:conv2d', 'bn2:batchnorm',
      'relu2:relu', 'pool2:pool', 'flatten:flatten', 'dense:dense']);
    expect(graph.layers[1]).toMatchObject({ epsilon: 0.001 }); // float32 0.001 read back as written
    expect(graph.layers[2]).toMatchObject({ maxValue: 6 }); // Clip(0, 6)
    model.dispose();
  });

  it('fashion-torch.onnx (torch dynamo exporter, opset 18) equals onnxruntime within 1e-4', async () => {
    const { model } = await loadFloatModel(fixture('fashion-torch.onnx'));
    const x = toInput(images, 32);
    expect(maxAbsDiff(predictRows(model, x), await ortRun('fashion-torch.onnx', 32))).toBeLessThan(1e-4);
    x.dispose();
    model.dispose();
  });

  it('the dense rows after a channel-major flatten are permuted CHW -> HWC', async () => {
    const { model } = await loadFloatModel(fixture('tiny.onnx'));
    const keras = (await loadFloatModel(fixture('tiny.keras'))).model;
    const w = (m: tf.LayersModel) => m.getLayer('dense').getWeights()[0]!.dataSync();
    expect(maxAbsDiff(w(model), w(keras))).toBe(0);
    model.dispose();
    keras.dispose();
  });

  it('external data is read from the file beside the model', async () => {
    const w = Float32Array.from({ length: 18 }, (_, i) => i / 10 - 0.9);
    const model = await onnxToTfjs(fixtureBytes('bad/external.onnx'), 'external.onnx', async (name) =>
      name === 'external-missing.bin' ? new Uint8Array(w.buffer) : undefined);
    // OIHW [2, 1, 3, 3] -> HWIO [3, 3, 1, 2]
    const k = model.layers[1]!.getWeights()[0]!;
    expect(k.shape).toEqual([3, 3, 1, 2]);
    expect(k.dataSync()[1]).toBeCloseTo(w[9]!, 6);
    model.dispose();
  });

  it('float32 attributes read as the decimal that was written', () => {
    expect(float32Decimal(Math.fround(0.001))).toBe(0.001);
    expect(float32Decimal(Math.fround(1e-5))).toBe(1e-5);
    expect(float32Decimal(6)).toBe(6);
  });
});

describe('bad ONNX files: one clear error naming the file and the node', () => {
  const fails = (name: string) => expect(loadFloatModel(fixture(name))).rejects;
  it('an operator outside the list', async () => {
    await fails('bad/unsupported-op.onnx').toThrow(/unsupported-op\.onnx: operator Tanh \(node '\/Tanh' \(Tanh\)\) is not supported/);
  });
  it('a dynamic dimension other than the batch', async () => {
    await fails('bad/dynamic.onnx').toThrow(/dynamic\.onnx: input 'x' has a dynamic dimension 'H' at axis 2: only the batch dimension may be dynamic/);
  });
  it('external data whose file is missing', async () => {
    await fails('bad/external.onnx').toThrow(/external\.onnx: tensor 'w' is stored in the external data file 'external-missing\.bin', which is missing/);
  });
  it('a branching graph (residual Add)', async () => {
    await fails('bad/branch.onnx').toThrow(/branch\.onnx: value 'image' feeds 2 nodes .*branching graphs/);
  });
  it('an opset outside 13..21', async () => {
    await fails('bad/opset11.onnx').toThrow(/opset11\.onnx: ONNX opset 11 is not supported: opsets 13 to 21/);
  });
  it('a truncated or corrupt protobuf', async () => {
    const bytes = fixtureBytes('tiny.onnx');
    await expect(loadFloatModel(bytes.subarray(0, 20000), { name: 'cut.onnx' })).rejects.toThrow(/^cut\.onnx: not a readable ONNX file \(truncated or corrupt protobuf/);
    await expect(loadFloatModel(Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff), { name: 'noise.onnx' }))
      .rejects.toThrow(/^noise\.onnx: /);
  });
  it('a tfjs model.json given as bytes without its loader', async () => {
    await expect(loadFloatModel(fixtureBytes('tiny-tfjs/model.json'), { name: 'model.json' })).rejects.toThrow(/model\.json: a tfjs model\.json needs the tfjs loader/);
  });
});
