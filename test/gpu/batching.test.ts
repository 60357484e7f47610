// Batching and the forward pass's contract: any split gives identical results (blank samples
// among the others too, blank-site skipping on and off), the memory
// budget and maxBatch split a batch, a batch too large for the default budget is split on its
// own, a dispatch too large for one grid dimension is folded, bad input fails before any GPU work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuRunner } from '../../src/gpu/index.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { ModelError } from '../../src/ir/validate.js';
import { referenceForward } from '../../src/reference/index.js';
import { GpuModel } from '../../src/engine/run.js';
import { modelInput, randomInput, randomModel } from '../helpers/random-model.js';
import { expectReference, testRunner } from './compare.js';

let runner: GpuRunner;
beforeAll(async () => {
  runner = await testRunner();
});
afterAll(() => runner.dispose());

/** conv + max pool, separable + average pool, dense: every kernel in one model */
function mixedModel(seed: number): ModelSpec {
  return randomModel(seed, {
    inputShape: [9, 11, 1],
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 12, pooling: 'max' },
      { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 20, pooling: 'average' },
      { kind: 'FullyConnected', units: 7, activation: false },
    ],
    thresholds: 'typical',
  });
}

describe('batch splitting', () => {
  it('gives identical results for every split (maxBatch) and equals the reference', async () => {
    const spec = mixedModel(1);
    const model = await GpuModel.create(runner, spec);
    const input = randomInput(2, modelInput(spec).shape, 23, 8);
    const whole = await model.forward(input, { keepAll: true });
    expect(whole.chunks).toBe(1);
    expectReference(spec, input, whole, 'one chunk');
    for (const maxBatch of [1, 2, 7, 22]) {
      const split = await model.forward(input, { keepAll: true, maxBatch });
      expect(split.chunks).toBe(Math.ceil(23 / maxBatch));
      expect(split.spikes).toEqual(whole.spikes);
      split.layers!.forEach((l, k) => expect(l.data, `maxBatch ${maxBatch}, layer ${k}`).toEqual(whole.layers![k]!.data));
    }
    model.dispose();
  });

  it('blank samples among the others: every split equals the reference, blank-site skipping on and off', async () => {
    // mixed thresholds: some channels fire on a blank window, so the blank output is not all zeros
    const spec = randomModel(20, {
      inputShape: [9, 11, 1],
      layers: [
        { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 12, pooling: 'max' },
        { kind: 'Convolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 10, pooling: 'none' },
        { kind: 'SeparableConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 20, pooling: 'average' },
        { kind: 'FullyConnected', units: 7, activation: false },
      ],
      thresholds: 'mixed',
    });
    const { shape } = modelInput(spec);
    const size = shape[0] * shape[1] * shape[2];
    const input = randomInput(21, shape, 23, 8);
    const blanks = [0, 5, 6, 22];
    for (const s of blanks) input.data.fill(0, s * size, (s + 1) * size);
    const blank = referenceForward(spec, { data: new Int32Array(size), n: 1, shape }, true);
    expect(blank.layers!.slice(1).some((l) => l.data.some((v) => v !== 0)), 'a blank sample fires somewhere').toBe(true);
    for (const siteSkipping of [true, false]) {
      const model = await GpuModel.create(runner, spec, { siteSkipping });
      const whole = await model.forward(input, { keepAll: true });
      expectReference(spec, input, whole, `site skipping ${siteSkipping}`);
      for (const maxBatch of [1, 5, 22]) {
        const split = await model.forward(input, { keepAll: true, maxBatch });
        expect(split.chunks).toBe(Math.ceil(23 / maxBatch));
        expect(split.spikes, `site skipping ${siteSkipping}, maxBatch ${maxBatch}`).toEqual(whole.spikes);
        split.layers!.forEach((l, k) => expect(l.data, `site skipping ${siteSkipping}, maxBatch ${maxBatch}, layer ${k}`).toEqual(whole.layers![k]!.data));
      }
      model.dispose();
    }
  });

  it('splits by the memory budget', async () => {
    const spec = mixedModel(3);
    const tight = await GpuModel.create(runner, spec, { memoryBudget: 64 * 1024 });
    const input = randomInput(4, modelInput(spec).shape, 40, 8);
    const perChunk = tight.chunkSize(40, { keepAll: true });
    expect(perChunk).toBeLessThan(40);
    const got = await tight.forward(input, { keepAll: true });
    expect(got.chunks).toBe(Math.ceil(40 / perChunk));
    expectReference(spec, input, got, 'memory budget 64 KiB');
    tight.dispose();
  });

  /** 64x64x2 inputs into a dense layer: 96 KB of buffers and 4096 event invocations per sample, little arithmetic */
  function wideModel(seed: number): ModelSpec {
    return randomModel(seed, {
      inputShape: [64, 64, 2],
      thresholds: 'typical',
      layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 2, weightBits: 4, activation: false }],
    });
  }

  it('splits a batch too large for the default budget on its own', async () => {
    const spec = wideModel(5);
    const model = await GpuModel.create(runner, spec);
    const perChunk = model.chunkSize(1e6, { keepAll: true });
    expect(perChunk).toBeLessThan(4000);
    const n = perChunk + 100;
    const input = randomInput(6, [64, 64, 2], n, 8, { zeros: 0.7 });
    const got = await model.forward(input, { keepAll: true });
    expect(got.chunks).toBe(2);
    expectReference(spec, input, got, `${n} samples`);
    model.dispose();
  });

  it('folds a dispatch wider than maxComputeWorkgroupsPerDimension into 2D', async () => {
    const spec = wideModel(7);
    const model = await GpuModel.create(runner, spec);
    // one event invocation per pixel: this batch needs more than 65535 workgroups of 64
    const n = Math.ceil((runner.limits.maxComputeWorkgroupsPerDimension * 64) / 4096) + 10;
    expect(runner.grid(n * 4096, 64)[1]).toBeGreaterThan(1);
    const input = randomInput(8, [64, 64, 2], n, 8, { zeros: 0.7 });
    const got = await model.forward(input, { keepAll: true });
    expect(got.chunks).toBe(1);
    expectReference(spec, input, got, `${n} samples`);
    model.dispose();
  });
});

describe('forward contract', () => {
  it('an empty batch returns no samples and zero spikes', async () => {
    const spec = mixedModel(9);
    const model = await GpuModel.create(runner, spec);
    const got = await model.forward({ data: new Int32Array(0), n: 0, shape: modelInput(spec).shape });
    expect(got.output.n).toBe(0);
    expect(got.output.data.length).toBe(0);
    expect(got.spikes).toEqual([0, 0, 0]);
    model.dispose();
  });

  it('an InputData-only model returns its input and counts its non-zero values', async () => {
    const spec: ModelSpec = { version: 1, layers: [{ name: 'in', kind: 'InputData', inputShape: [3, 2, 2], inputBits: 4 }] };
    const model = await GpuModel.create(runner, spec);
    const input = randomInput(10, [3, 2, 2], 5, 4);
    const got = await model.forward(input, { keepAll: true });
    expectReference(spec, input, got);
    expect(got.output.data).toEqual(input.data);
    model.dispose();
  });

  it('rejects bad input before any GPU work, with messages that say what was expected', async () => {
    const spec = mixedModel(11);
    const model = await GpuModel.create(runner, spec);
    const shape = modelInput(spec).shape;
    const good = randomInput(12, shape, 2, 8);
    const before = runner.allocatedBytes;
    await expect(model.forward({ ...good, shape: [9, 11, 3] })).rejects.toThrow(/input shape \[9,11,3\] does not match the model input \[9,11,1\]/);
    await expect(model.forward({ ...good, n: 3 })).rejects.toThrow(/holds 198 values, expected 3 x 99 = 297/);
    const tooBig = { ...good, data: good.data.slice() };
    tooBig.data[150] = 256;
    await expect(model.forward(tooBig)).rejects.toThrow(/input value 256 at index 150 \(sample 1\) is outside \[0, 255\]/);
    tooBig.data[150] = -1;
    await expect(model.forward(tooBig)).rejects.toThrow(/input value -1 at index 150/);
    await expect(model.forward(good, { maxBatch: 0 })).rejects.toThrow(/maxBatch is 0/);
    expect(runner.allocatedBytes).toBe(before);
    model.dispose();
    await expect(model.forward(good)).rejects.toThrow(/after dispose/);
  });

  it('checks the input range of narrow input bits', async () => {
    const spec = randomModel(13, { inputShape: [4, 4, 1], inputBits: 2, layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 3 }] });
    const model = await GpuModel.create(runner, spec);
    const input = randomInput(14, [4, 4, 1], 1, 2);
    input.data[5] = 4;
    await expect(model.forward(input)).rejects.toThrow(/input value 4 at index 5 \(sample 0\) is outside \[0, 3\] \(2-bit input\)/);
    model.dispose();
  });

  it('rejects a model whose potentials could overflow int32, naming the layer', async () => {
    const spec = randomModel(15, { inputShape: [5, 5, 1], layers: [{ kind: 'InputData' }, { kind: 'FullyConnected', units: 2 }] });
    const fc = spec.layers[1] as { activation: { threshold: Int32Array } };
    fc.activation.threshold[1] = 2 ** 31 - 1;
    await expect(GpuModel.create(runner, spec)).rejects.toThrow(ModelError);
    await expect(GpuModel.create(runner, spec)).rejects.toThrow(/layer 1 'L1'.*threshold\[1\]/);
  });

  it('reuses its buffers: repeating forwards allocates nothing new', async () => {
    const spec = mixedModel(16);
    const model = await GpuModel.create(runner, spec);
    const input = randomInput(17, modelInput(spec).shape, 9, 8);
    const sequence = async () => {
      for (const maxBatch of [9, 4, 3, 2]) await model.forward(input, { keepAll: true, maxBatch });
    };
    await sequence();
    const held = runner.allocatedBytes;
    await sequence();
    await sequence();
    expect(runner.allocatedBytes).toBe(held);
    model.dispose();
  });

  it('reports GPU time per dispatch when the device has timestamp-query', async () => {
    const spec = mixedModel(18);
    const model = await GpuModel.create(runner, spec);
    const input = randomInput(19, modelInput(spec).shape, 4, 8);
    const got = await model.forward(input, { profile: true, maxBatch: 2 });
    if (!runner.device.features.has('timestamp-query')) {
      expect(got.profile).toBeUndefined();
    } else {
      expect(got.profile!.map((p) => p.label)).toEqual([
        'conv2d:L0', 'separable:L1:depthwise', 'separable:L1:pointwise', 'dense:L2:events', 'dense:L2',
      ]);
      for (const p of got.profile!) expect(p.ns).toBeGreaterThanOrEqual(0);
    }
    model.dispose();
  });
});
