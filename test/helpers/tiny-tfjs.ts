// A tiny float tfjs CNN for the CLI tests: not convertible as is (float weights and ReLU), but
// convertible once quantized.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { saveTfjsModel } from '../../src/convert/index.js';

/**
 * 8x8x1 input, conv 3x3 (4 filters) + BatchNorm + ReLU6 + 2x2 max pool, dense 3 units; seeded
 * initializers (seed, seed + 1). Saved under dir/tiny; returns the path of its model.json.
 */
export async function saveTinyFloatModel(dir: string, seed: number): Promise<string> {
  const L = tf.layers;
  let next = seed;
  const init = () => tf.initializers.glorotUniform({ seed: next++ });
  const model = tf.sequential({ name: 'tiny', layers: [
    L.inputLayer({ inputShape: [8, 8, 1] }),
    L.conv2d({ name: 'conv1', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init() }),
    L.batchNormalization({ name: 'bn1' }),
    L.reLU({ name: 'relu1', maxValue: 6 }),
    L.maxPooling2d({ name: 'pool1', poolSize: 2, padding: 'same' }),
    L.flatten({ name: 'flatten' }),
    L.dense({ name: 'dense', units: 3, kernelInitializer: init() }),
  ] });
  await saveTfjsModel(model, join(dir, 'tiny'));
  return join(dir, 'tiny', 'model.json');
}
