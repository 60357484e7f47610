// loadTfjsModel: model.json + weight files from disk, with errors naming the file, the weight
// and the layer for every way the files can be broken.
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, QuantizedConv2D, saveTfjsModel } from '../../src/convert/index.js';

let dir: string;
let modelJson: Record<string, unknown>;
let weights: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spikemesh-io-'));
  const model = tf.sequential({ layers: [
    tf.layers.inputLayer({ inputShape: [4, 4, 1] }),
    new QuantizedConv2D({ name: 'conv', filters: 2, kernelSize: 3, bits: 4 }),
    tf.layers.flatten(),
    tf.layers.dense({ name: 'dense', units: 3 }),
  ] });
  await saveTfjsModel(model, join(dir, 'good'));
  modelJson = JSON.parse(await readFile(join(dir, 'good', 'model.json'), 'utf8'));
  weights = await readFile(join(dir, 'good', 'weights.bin'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Writes a variant of the saved model into its own directory and returns its model.json path. */
async function variant(name: string, json: unknown, bin: Uint8Array | null): Promise<string> {
  const d = join(dir, name);
  await rm(d, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  await writeFile(join(d, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  if (bin) await writeFile(join(d, 'weights.bin'), bin);
  return join(d, 'model.json');
}

const manifest = () => structuredClone(modelJson) as { weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[] }> }> };

describe('loadTfjsModel', () => {
  it('loads what saveTfjsModel wrote, custom layers included', async () => {
    const m = await loadTfjsModel(join(dir, 'good', 'model.json'));
    expect(m.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'QuantizedConv2D', 'Flatten', 'Dense']);
    expect(m.getLayer('conv').getWeights()[0]!.shape).toEqual([3, 3, 1, 2]);
  });

  it('missing model.json and invalid JSON name the file', async () => {
    await expect(loadTfjsModel(join(dir, 'nowhere', 'model.json'))).rejects.toThrow(/nowhere\/model.json: cannot read the model: ENOENT/);
    const p = await variant('badjson', '{"modelTopology": ', weights);
    await expect(loadTfjsModel(p)).rejects.toThrow(/badjson\/model.json: not valid JSON/);
  });

  it('a graph model or a JSON without topology is refused', async () => {
    const g = await variant('graph', { ...modelJson, format: 'graph-model' }, weights);
    await expect(loadTfjsModel(g)).rejects.toThrow(/tfjs GraphModel; only LayersModels/);
    const { modelTopology: _t, ...rest } = modelJson;
    const n = await variant('notopo', rest, weights);
    await expect(loadTfjsModel(n)).rejects.toThrow(/no 'modelTopology'/);
  });

  it('a missing weights file names the file and the weights it holds', async () => {
    const p = await variant('nobin', modelJson, null);
    await expect(loadTfjsModel(p)).rejects.toThrow(/weight file 'weights.bin' is missing \(its group holds conv\/kernel, conv\/bias, dense\/kernel, dense\/bias\)/);
  });

  it('a truncated weights file names the file and the first weight that does not fit', async () => {
    // conv kernel 18 floats + conv bias 2 = 80 bytes; cut inside dense/kernel
    const p = await variant('short', modelJson, weights.subarray(0, 100));
    await expect(loadTfjsModel(p)).rejects.toThrow(/weight file 'weights.bin' is truncated: weight 'dense\/kernel' \[8,3\] needs bytes 80..176 of the group but its files hold 100/);
    const empty = await variant('empty', modelJson, new Uint8Array(0));
    await truncate(join(dir, 'empty', 'weights.bin'), 0);
    await expect(loadTfjsModel(empty)).rejects.toThrow(/is truncated: weight 'conv\/kernel'/);
  });

  it('extra bytes mean the weights belong to another model', async () => {
    const p = await variant('long', modelJson, Buffer.concat([weights, Buffer.alloc(8)]));
    await expect(loadTfjsModel(p)).rejects.toThrow(/hold 196 bytes but the manifest describes 188/);
  });

  it('a manifest shape that differs from the layer names both', async () => {
    const j = manifest();
    // same byte count, different shape: [8, 3] -> [6, 4]
    j.weightsManifest[0]!.weights.find((w) => w.name === 'dense/kernel')!.shape = [6, 4];
    const p = await variant('shape', j, weights);
    await expect(loadTfjsModel(p)).rejects.toThrow(/weight 'dense\/kernel' has shape \[6,4\] in the manifest but layer 'dense' expects \[8,3\]/);
  });

  it('a weight missing from the manifest names the layer', async () => {
    const j = manifest();
    j.weightsManifest[0]!.weights = j.weightsManifest[0]!.weights.filter((w) => w.name !== 'dense/bias');
    const p = await variant('lack', j, weights.subarray(0, weights.length - 12));
    await expect(loadTfjsModel(p)).rejects.toThrow(/layer 'dense' expects weight 'dense\/bias' \[3\], which the manifest lacks/);
  });

  it('NaN or infinite weights name the layer, the weight and the index', async () => {
    const bad = new Float32Array(weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength));
    bad[18 + 2 + 5] = Number.NaN; // dense/kernel, flat index 5
    const p = await variant('nan', modelJson, new Uint8Array(bad.buffer));
    await expect(loadTfjsModel(p)).rejects.toThrow(/layer 'dense': weight 'dense\/kernel' holds NaN at flat index 5/);
    bad[18 + 2 + 5] = 0;
    bad[1] = Number.POSITIVE_INFINITY;
    const q = await variant('inf', modelJson, new Uint8Array(bad.buffer));
    await expect(loadTfjsModel(q)).rejects.toThrow(/layer 'conv': weight 'conv\/kernel' holds Infinity at flat index 1/);
  });

  it('a quantized layer with bits out of range fails naming the layer', async () => {
    const j = structuredClone(modelJson) as { modelTopology: { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } } };
    j.modelTopology.config.layers.find((l) => l.class_name === 'QuantizedConv2D')!.config.bits = 3;
    const p = await variant('bits', j, weights);
    await expect(loadTfjsModel(p)).rejects.toThrow(/cannot build the model from its topology: layer 'conv': weight bits 3 not in \{1, 2, 4, 8\}/);
  });
});
