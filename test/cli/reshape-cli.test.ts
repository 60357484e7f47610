// `spikemesh reshape`: a model on a new input size with the same weights (then converted); a
// layer that does not allow the new size is named (exit 1); usage errors exit 2; an unusable
// -o exits 1 before any work.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, saveTfjsModel } from '../../src/convert/index.js';
import { loadModel } from '../../src/ir/files.js';
import { inferShapes } from '../../src/ir/shapes.js';
import { cli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { saveTinyFloatModel } from '../helpers/tiny-tfjs.js';

const dir = useTempDir('spikemesh-reshape-cli-');
const L = tf.layers;
let gap = '';
let flat = '';

beforeAll(async () => {
  tf.enableProdMode();
  const seed = (s: number) => tf.initializers.glorotUniform({ seed: s });
  // conv + global average pooling + BatchNorm + ReLU6, dense: any input size works
  const model = tf.sequential({ name: 'gap', layers: [
    L.inputLayer({ inputShape: [16, 16, 1] }),
    L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: seed(3) }),
    L.globalAveragePooling2d({ name: 'gap' }),
    L.batchNormalization({ name: 'bn1' }),
    L.reLU({ name: 'r1', maxValue: 6 }),
    L.dense({ name: 'd', units: 3, kernelInitializer: seed(4) }),
  ] });
  await saveTfjsModel(model, join(dir(), 'gap'));
  gap = join(dir(), 'gap', 'model.json');
  flat = await saveTinyFloatModel(dir(), 5); // 8x8: conv, pool, flatten, dense
});

describe('spikemesh reshape', () => {
  it('a model with global pooling on 24x32: exit 0, new input shape, the same weights; it then converts', async () => {
    const out = join(dir(), 'wide');
    const r = await cli('reshape', gap, '--width', '32', '--height', '24', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('reshaped gap: input [16, 16, 1] -> [24, 32, 1], output [3] -> [3]; weights unchanged');
    expect(r.out).toContain(`wrote ${out}/model.json and ${out}/weights.bin`);
    const source = await loadTfjsModel(gap);
    const wide = await loadTfjsModel(join(out, 'model.json'));
    expect(wide.inputs[0]!.shape).toEqual([null, 24, 32, 1]);
    expect(wide.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(source.getWeights().map((w) => Array.from(w.dataSync())));
    const spec = join(dir(), 'wide.akida.json');
    const c = await cli('convert', join(out, 'model.json'), '--wq', '4', '--aq', '4', '--scale', '255', '-o', spec);
    expect(c.code, c.err).toBe(0);
    expect(inferShapes((await loadModel(spec)).layers).inputs[0]).toEqual([24, 32, 1]);
  });

  it('a Flatten + Dense whose size would change: exit 1, naming the layer; nothing written', async () => {
    const out = join(dir(), 'never');
    const r = await cli('reshape', flat, '--width', '12', '--height', '12', '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^spikemesh: reshape: layer 'dense' \(Dense\) does not accept the new input size: it receives \[144\] instead of \[64\]/);
    expect(existsSync(out)).toBe(false);
    // the same size is fine
    expect((await cli('reshape', flat, '--width', '8', '--height', '8', '-o', out)).code).toBe(0);
  });

  it('usage errors exit 2; an unusable -o exits 1 before the model is read', async () => {
    const o = join(dir(), 'never2');
    for (const args of [
      ['--width', '0', '--height', '8'], ['--width', '8', '--height', 'x'], ['--width', '8.5', '--height', '8'],
      ['--width', '8'], ['--height', '8'], ['--width', '8', '--height', '8', '-o', join(dir(), 'm.bin')],
    ]) {
      const r = await cli('reshape', gap, ...args, ...(args.includes('-o') ? [] : ['-o', o]));
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect((await cli('reshape', gap, '--width', '8', '--height', '8')).code).toBe(2);
    const file = join(dir(), 'a-file');
    await writeFile(file, 'x');
    const r = await cli('reshape', join(dir(), 'absent.json'), '--width', '8', '--height', '8', '-o', join(file, 'out'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^spikemesh: -o .*a-file\/out: cannot write the reshaped model there: .*a-file is not a directory\n$/);
    const a = await cli('reshape', join(dir(), 'absent.json'), '--width', '8', '--height', '8', '-o', o);
    expect(a.code).toBe(1);
    expect(a.err).toContain('absent.json');
    expect(existsSync(o)).toBe(false);
  });
});
