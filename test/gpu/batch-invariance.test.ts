// Batch-size invariance through the public Model API: a sample's outputs and the spike totals do
// not depend on the batch size, on how a batch was split (random split points, maxBatch chunks),
// on the other samples in the batch or their order, nor on the dataset batch size of a
// streamed evaluation; blank samples with blank-site skipping on and off. Every variant is also
// compared with the integer reference.
import { afterAll, describe, expect, it } from 'vitest';
import { idxDataset } from '../../src/data/index.js';
import { Model } from '../../src/index.js';
import type { IntBatch, ModelSpec } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/forward.js';
import { evaluateDataset } from '../../src/eval/evaluate.js';
import { idxPair } from '../helpers/idx.js';
import { modelInput, mulberry32, randomInput, randomModel } from '../helpers/random-model.js';

const N = 53;

/** strided input conv, separable + average pool, conv + max pool, dense with activation, dense out */
function mixedModel(seed: number): ModelSpec {
  return randomModel(seed, {
    inputShape: [12, 10, 1],
    thresholds: 'typical',
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 2, padding: 'same', filters: 8, pooling: 'none' },
      { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 12, pooling: 'average' },
      { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 10, pooling: 'max' },
      { kind: 'FullyConnected', units: 9, actBits: 2 },
      { kind: 'FullyConnected', units: 4, activation: false },
    ],
  });
}

function slice(b: IntBatch, start: number, end: number): IntBatch {
  const size = b.data.length / b.n;
  return { data: b.data.slice(start * size, end * size), n: end - start, shape: b.shape };
}

function concat(parts: IntBatch[]): Int32Array {
  const out = new Int32Array(parts.reduce((s, p) => s + p.data.length, 0));
  parts.reduce((o, p) => (out.set(p.data, o), o + p.data.length), 0);
  return out;
}

const spec = mixedModel(41);
const input = randomInput(42, modelInput(spec).shape, N, 8);
const expected = referenceForward(spec, input);
const models: Model[] = [];
afterAll(async () => {
  for (const m of models) await m.dispose();
});

describe('batch-size invariance (Model API, webgpu)', () => {
  it('whole batch, single samples and random splits give the reference outputs and spike totals', async () => {
    // a model where every layer fires, so the comparisons are not of zeros
    expect(expected.spikes.every((s) => s > 0), `spikes ${expected.spikes}`).toBe(true);
    const model = new Model(spec, { backend: 'webgpu' });
    models.push(model);
    expect(Array.from(await model.forward(input).then((o) => o.data))).toEqual(Array.from(expected.output.data));
    const singles: IntBatch[] = [];
    for (let s = 0; s < N; s++) singles.push(await model.forward(slice(input, s, s + 1)));
    expect(Array.from(concat(singles))).toEqual(Array.from(expected.output.data));
    const rng = mulberry32(43);
    for (let trial = 0; trial < 3; trial++) {
      model.resetStatistics();
      const parts: IntBatch[] = [];
      for (let start = 0; start < N;) {
        const end = Math.min(N, start + 1 + Math.floor(rng() * 20));
        parts.push(await model.forward(slice(input, start, end)));
        start = end;
      }
      expect(Array.from(concat(parts)), `split trial ${trial}`).toEqual(Array.from(expected.output.data));
      expect(model.statistics.map((s) => s.spikes)).toEqual(expected.spikes);
    }
  });

  it('maxBatch chunking does not change any output', async () => {
    for (const maxBatch of [1, 4, 17]) {
      const model = new Model(spec, { backend: 'webgpu', maxBatch });
      models.push(model);
      const out = await model.forward(input);
      expect(Array.from(out.data), `maxBatch ${maxBatch}`).toEqual(Array.from(expected.output.data));
      expect(model.statistics.map((s) => s.spikes)).toEqual(expected.spikes);
    }
  });

  it('a sample does not depend on its neighbours: a permuted batch gives permuted outputs', async () => {
    const model = new Model(spec, { backend: 'webgpu' });
    models.push(model);
    const rng = mulberry32(44);
    const order = Array.from({ length: N }, (_, i) => i);
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const permuted = concat(order.map((s) => slice(input, s, s + 1)));
    const out = await model.forward({ data: permuted, n: N, shape: input.shape });
    const k = out.data.length / N;
    order.forEach((s, i) => {
      expect(Array.from(out.data.subarray(i * k, (i + 1) * k)), `sample ${s}`).toEqual(Array.from(expected.output.data.subarray(s * k, (s + 1) * k)));
    });
  });

  it('blank samples: alone, among the others and split, with blank-site skipping on and off, give the reference outputs', async () => {
    // mixed thresholds: a blank window fires on some channels, so the blank outputs are not zeros
    const blankSpec = randomModel(45, {
      inputShape: [12, 10, 1],
      thresholds: 'mixed',
      layers: [
        { kind: 'InputConvolutional', kernel: [3, 3], stride: 2, padding: 'same', filters: 8, pooling: 'none' },
        { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 10, pooling: 'max' },
        { kind: 'FullyConnected', units: 4, activation: false },
      ],
    });
    const x = randomInput(46, modelInput(blankSpec).shape, 12, 8);
    const size = x.data.length / x.n;
    for (let s = 0; s < x.n; s += 3) x.data.fill(0, s * size, (s + 1) * size);
    const want = referenceForward(blankSpec, x);
    const blankOut = want.output.data.subarray(0, want.output.data.length / x.n);
    expect(blankOut.some((v) => v !== 0), 'the blank output is not all zeros').toBe(true);
    for (const siteSkipping of [true, false]) {
      for (const maxBatch of [undefined, 5]) {
        const model = new Model(blankSpec, { backend: 'webgpu', siteSkipping, maxBatch });
        models.push(model);
        const what = `site skipping ${siteSkipping}, maxBatch ${maxBatch}`;
        expect(Array.from((await model.forward(x)).data), what).toEqual(Array.from(want.output.data));
        expect(model.statistics.map((s) => s.spikes), what).toEqual(want.spikes);
        // a blank sample alone gives the blank output
        expect(Array.from((await model.forward(slice(x, 3, 4))).data), `${what}: blank sample alone`).toEqual(Array.from(blankOut));
      }
    }
  });

  it('a streamed evaluation gives the same predictions and statistics for every dataset batch size', async () => {
    const [h, w] = modelInput(spec).shape;
    const labels = Array.from({ length: N }, (_, i) => i % 4);
    const pair = idxPair(input.data, labels, h, w);
    const dataset = await idxDataset({ images: pair.images, labels: pair.labels, name: 'random' });
    const model = new Model(spec, { backend: 'webgpu' });
    models.push(model);
    const k = expected.output.data.length / N;
    const runs = [];
    for (const batchSize of [1, 6, N, 500]) {
      const outputs = new Int32Array(N * k);
      const r = await evaluateDataset(model, dataset, { batchSize, onBatch: (b) => outputs.set(b.output.data, b.start * k) });
      expect(Array.from(outputs), `batch ${batchSize}`).toEqual(Array.from(expected.output.data));
      expect(r.statistics.map((s) => s.spikes)).toEqual(expected.spikes);
      runs.push(r);
    }
    for (const r of runs.slice(1)) {
      expect(r.correct).toBe(runs[0]!.correct);
      expect(r.confusion!.rows()).toEqual(runs[0]!.confusion!.rows());
    }
  });
});
