// finetune(): a few Adam steps on a tiny quantized model reduce its loss (no full training here).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/convert/index.js';
import { finetune, type FinetuneProgress } from '../../src/convert/finetune.js';
import { mnistDataset } from '../../src/data/mnist.js';

const L = tf.layers;

describe('finetune', () => {
  it('trains a quantized model on the cpu backend: loss falls over six epochs of the same 64 digits, progress per batch', async () => {
    tf.enableProdMode();
    const float = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [28, 28, 1] }),
      L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, activation: 'relu' }),
      L.maxPooling2d({ name: 'p1', poolSize: 2 }),
      L.flatten({ name: 'f' }),
      L.dense({ name: 'd', units: 10, activation: 'softmax' }),
    ] });
    const model = quantize(float, { weightBits: 4, activationBits: 4, inputWeightBits: 8 });
    const before = model.getLayer('d').getWeights()[0]!.dataSync().slice();
    const seen: FinetuneProgress[] = [];
    const history = await finetune(model, await mnistDataset(), {
      epochs: 6, limit: 64, batchSize: 32, learningRate: 0.01, inputScaling: { scale: 255, shift: 0 }, backend: 'cpu',
      onBatch: (p) => seen.push(p),
    });
    expect(history.backend).toBe('cpu');
    expect(seen.map((p) => [p.epoch, p.batch, p.batches])).toEqual([1, 2, 3, 4, 5, 6].flatMap((e) => [[e, 1, 2], [e, 2, 2]]));
    expect(history.batches).toEqual(seen);
    for (const p of seen) {
      expect(p.loss).toBeGreaterThan(0);
      expect(p.accuracy).toBeGreaterThanOrEqual(0);
      expect(p.accuracy).toBeLessThanOrEqual(1);
      expect(p.samplesPerSecond).toBeGreaterThan(0);
    }
    const first = history.epochs[0]!;
    const last = history.epochs[5]!;
    expect(last.loss).toBeLessThan(first.loss * 0.85);
    expect(last.accuracy).toBeGreaterThan(first.accuracy);
    const after = model.getLayer('d').getWeights()[0]!.dataSync();
    expect(after.some((v, i) => v !== before[i])).toBe(true);
    await expect(finetune(model, await mnistDataset(), { epochs: 0 })).rejects.toThrow(/epochs must be a positive integer/);
  });
});
