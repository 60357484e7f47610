// The user-facing Model: the same answers on 'webgpu' and 'reference', predict's rescaling,
// evaluate, statistics, save/load, and clear errors for bad inputs.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Model } from '../../src/index.js';
import type { FullyConnectedLayer, ModelSpec } from '../../src/ir/types.js';
import { modelInput, randomInput, randomModel } from '../helpers/random-model.js';

function classifier(seed: number): ModelSpec {
  const spec = randomModel(seed, {
    inputShape: [9, 9, 1],
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 6, pooling: 'max', thresholds: 'typical' },
      { kind: 'Convolutional', kernel: [3, 3], filters: 8, pooling: 'none', thresholds: 'typical' },
      { kind: 'FullyConnected', units: 5, activation: false },
    ],
  });
  const last = spec.layers[spec.layers.length - 1] as FullyConnectedLayer;
  // Per-channel rescaling constants, as the converter would set them.
  last.predictScale = {
    threshold: Int32Array.from({ length: 5 }, (_, c) => c * 3 - 6),
    actStep16: Uint32Array.from({ length: 5 }, (_, c) => 8 + c * 5),
  };
  return spec;
}

describe('Model API', () => {
  const spec = classifier(7);
  const gpu = new Model(spec, { backend: 'webgpu' });
  const ref = new Model(spec, { backend: 'reference' });
  const { shape, bits } = modelInput(spec);
  const input = randomInput(11, shape, 37, bits);
  afterAll(() => gpu.dispose());

  it('forward: webgpu equals the reference, raw values or a batch', async () => {
    const a = await gpu.forward(input);
    const b = await ref.forward(Uint8Array.from(input.data));
    expect(a.n).toBe(37);
    expect(a.shape).toEqual([1, 1, 5]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });

  it('predict rescales potentials per channel: (p - T) / (s16 / 16)', async () => {
    const p = await ref.forward(input);
    const y = await gpu.predict(input);
    const scale = (spec.layers[2] as FullyConnectedLayer).predictScale!;
    for (let i = 0; i < p.data.length; i++) {
      const c = i % 5;
      expect(y.data[i]).toBeCloseTo(((p.data[i]! - scale.threshold[c]!) * 16) / scale.actStep16[c]!, 4);
    }
  });

  it('evaluate: accuracy of the argmax against labels', async () => {
    const y = await ref.predict(input);
    const best = Array.from({ length: y.n }, (_, s) => {
      const row = Array.from(y.data.subarray(s * 5, s * 5 + 5));
      return row.indexOf(Math.max(...row));
    });
    // Labels right on the first 30 samples, wrong (shifted class) on the last 7.
    const labels = best.map((c, s) => (s < 30 ? c : (c + 1) % 5));
    const e = await gpu.evaluate(input, labels);
    expect(e.correct).toBe(30);
    expect(e.accuracy).toBeCloseTo(30 / 37, 10);
    expect(Array.from(e.predictions)).toEqual(best);
  });

  it('statistics count the spikes of every layer over the samples seen', async () => {
    const m = new Model(spec, { backend: 'webgpu' });
    const all = await ref.forwardAll(input);
    await m.forward(input);
    const stats = m.statistics;
    expect(stats.map((s) => s.spikes)).toEqual(all.map((l) => l.data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0)));
    expect(stats.every((s) => s.samples === 37)).toBe(true);
    expect(stats[1]!.sparsity).toBeCloseTo(1 - stats[1]!.spikes / (37 * stats[1]!.outputs), 10);
    m.resetStatistics();
    expect(m.statistics.every((s) => s.spikes === 0 && s.samples === 0)).toBe(true);
    await m.dispose();
  });

  it('save and load give the same model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'spikemesh-api-'));
    await ref.save(join(dir, 'm.json'));
    const back = await Model.load(join(dir, 'm.json'), { backend: 'reference' });
    expect(Array.from((await back.forward(input)).data)).toEqual(Array.from((await ref.forward(input)).data));
    expect(back.summary()).toBe(ref.summary());
  });

  it('rejects inputs that are not whole samples, out-of-range values and unknown backends', async () => {
    await expect(ref.forward(new Uint8Array(80))).rejects.toThrow(/81 values each/);
    const bad = Int32Array.from(input.data);
    bad[5] = 300;
    await expect(ref.forward({ ...input, data: bad })).rejects.toThrow(/outside \[0, 255\]/);
    await expect(gpu.forward({ ...input, data: bad })).rejects.toThrow(/300/);
    const odd = new Model(spec, { backend: 'cuda' as never });
    await expect(odd.forward(input)).rejects.toThrow(/unknown backend 'cuda'/);
    await expect(ref.evaluate(input, [1, 2])).rejects.toThrow(/2 labels for 37 samples/);
  });
});
