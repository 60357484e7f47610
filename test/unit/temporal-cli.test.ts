// `spikemesh sweep`, run in-process through the CLI's main() on the reference backend.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveTfjsModel } from '../../src/convert/index.js';
import { saveModel } from '../../src/ir/files.js';
import type { SweepReport } from '../../src/temporal/index.js';
import { cli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { lcg } from './temporal-fixtures.js';

const dir = useTempDir('spikemesh-sweep-');
let floatModel = '';
let irModel = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  const L = tf.layers;
  const model = tf.sequential({ layers: [
    L.conv2d({ inputShape: [28, 28, 1], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    L.maxPooling2d({ poolSize: 2 }),
    L.flatten(),
    L.dense({ units: 10 }),
  ] });
  await saveTfjsModel(model, join(dir(), 'float'));
  floatModel = join(dir(), 'float', 'model.json');
  const rand = lcg(3);
  irModel = (await saveModel({
    version: 1,
    name: 'tiny-ir',
    layers: [
      { name: 'c', kind: 'InputConvolutional', inputShape: [28, 28, 1], inputBits: 8, kernel: [3, 3], stride: 2, padding: 'same', filters: 4, weightBits: 4,
        weights: Int8Array.from({ length: 36 }, () => Math.round(rand() * 14 - 7)), pooling: { type: 'max', size: [2, 2], stride: [2, 2], padding: 'valid' },
        activation: { bits: 4, threshold: new Int32Array(4).fill(200), actStep16: new Uint32Array(4).fill(2000) } },
      { name: 'fc', kind: 'FullyConnected', units: 10, weightBits: 4, weights: Int8Array.from({ length: 7 * 7 * 4 * 10 }, () => Math.round(rand() * 14 - 7)), activation: null },
    ],
  }, join(dir(), 'ir.json'))).json;
});

describe('spikemesh sweep', () => {
  it('a float tfjs model: JSON report with one row per checkpoint, source accuracy and MACs, and an SVG', async () => {
    const svg = join(dir(), 'plot.svg');
    const r = await cli('sweep', floatModel, '--data', 'mnist', '--limit', '20', '--calibration', '20', '--timesteps', '8', '--checkpoints', '2,8',
      '--method', 'percentile', '--scale', '255', '--backend', 'reference', '--json', '--svg', svg);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as SweepReport;
    expect(report.rows.map((row) => row.t)).toEqual([2, 8]);
    expect(report.n).toBe(20);
    expect(report.variant).toBe('float');
    expect(report.metadata.method).toBe('percentile');
    expect(report.sourceAccuracy).not.toBeNull();
    expect(report.sourceMacs).toBeGreaterThan(0);
    expect(report.rows[1]!.synops).toBeGreaterThan(report.rows[0]!.synops);
    expect(await readFile(svg, 'utf8')).toMatch(/^<svg/);
  });

  it('a spikemesh model (integer variant), CSV', async () => {
    const r = await cli('sweep', irModel, '--data', 'mnist', '--limit', '10', '--timesteps', '4', '--encoding', 'poisson', '--seed', '7',
      '--readout', 'potential', '--backend', 'reference', '--csv');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(/^t,accuracy,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2', '4']);
  });

  it('usage errors exit with 2 and say what is wrong', async () => {
    const late = await cli('sweep', irModel, '--data', 'mnist', '--timesteps', '4', '--checkpoints', '8', '--backend', 'reference');
    expect(late.code).toBe(2);
    expect(late.err).toMatch(/--checkpoints 8.*<= --timesteps 4/);
    const method = await cli('sweep', floatModel, '--data', 'mnist', '--method', 'median', '--backend', 'reference');
    expect(method.code).toBe(2);
    expect(method.err).toMatch(/--method median: expected one of max, percentile, ecc/);
    const both = await cli('sweep', floatModel, '--data', 'mnist', '--json', '--csv', '--backend', 'reference');
    expect(both.code).toBe(2);
    const missing = await cli('sweep', join(dir(), 'nope.json'), '--data', 'mnist', '--backend', 'reference');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/cannot read .*nope\.json/);
  });
});
