// `spikemesh eval`: accuracy, confusion matrix, statistics and per-sample output checked against
// the integer reference computed here; --batch does not change any output (webgpu and
// reference); tfjs models converted on the fly; atomic --output; usage errors; the built CLI in
// a real process (GPU work in the child, exit code from the parent; over many runs:
// exit-codes.test.ts).
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSpecialization, SPECIALIZE_FROM } from '../../src/cli/commands/eval.js';
import { analyze, loadTfjsModel, quantize, referenceClasses } from '../../src/convert/index.js';
import { saveModel } from '../../src/ir/files.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { referenceForward } from '../../src/reference/forward.js';
import { buildCliIfStale, cli, runBuiltCli } from '../helpers/cli.js';
import { idxPair } from '../helpers/idx.js';
import { mulberry32, randomInput, randomModel } from '../helpers/random-model.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { saveTinyFloatModel } from '../helpers/tiny-tfjs.js';

const N = 40;
const SHAPE: [number, number, number] = [8, 8, 1];

function argmaxRows(data: ArrayLike<number>, n: number): number[] {
  const k = data.length / n;
  return Array.from({ length: n }, (_, s) => {
    let best = 0;
    for (let i = 1; i < k; i++) if (data[s * k + i]! > data[s * k + best]!) best = i;
    return best;
  });
}

const dir = useTempDir('spikemesh-eval-');
let spec: ModelSpec;
let modelPath = '';
let images = '';
let imageData: Int32Array;
let labels: number[] = [];
beforeAll(async () => {
  // webgpu commands run in this process (no child) so the in-process tests reach the GPU code
  process.env.SPIKEMESH_IN_PROCESS = '1';
  spec = randomModel(29, {
    inputShape: SHAPE,
    thresholds: 'typical',
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 6, pooling: 'max' },
      { kind: 'Convolutional', kernel: [3, 3], filters: 8, pooling: 'none' },
      { kind: 'FullyConnected', units: 3, activation: false },
    ],
  });
  modelPath = (await saveModel(spec, join(dir(), 'model.json'))).json;
  imageData = randomInput(22, SHAPE, N, 8).data;
  const rng = mulberry32(23);
  labels = Array.from({ length: N }, () => Math.floor(rng() * 3));
  const pair = idxPair(imageData, labels, 8, 8);
  images = join(dir(), 't10k-images-idx3-ubyte');
  await writeFile(images, pair.images);
  await writeFile(join(dir(), 't10k-labels-idx1-ubyte'), pair.labels);
});
afterAll(() => {
  delete process.env.SPIKEMESH_IN_PROCESS;
});

interface EvalJson {
  n: number;
  accuracy: number;
  correct: number;
  confusion: number[][];
  statistics: Array<{ name: string; spikes: number; samples: number }>;
  compared: Record<string, { accuracy: number; correct: number; sameAsModel: number }>;
  samplesPerSecond: number;
  specialize: string;
}

describe('spikemesh eval on a spikemesh model', () => {
  it('reports the reference accuracy, confusion matrix and spike counts (IDX data, labels found beside it)', async () => {
    const ref = referenceForward(spec, { data: imageData, n: N, shape: SHAPE });
    expect(ref.spikes.every((s) => s > 0), `spikes ${ref.spikes}`).toBe(true); // every layer fires
    const predicted = argmaxRows(ref.output.data, N);
    const correct = predicted.filter((p, i) => p === labels[i]).length;
    expect(new Set(predicted).size).toBe(3); // not a constant classifier
    for (const backend of ['reference', 'webgpu']) {
      const r = await cli('eval', modelPath, '--data', images, '--backend', backend, '--batch', '16', '--json');
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe(''); // stderr is not a terminal here: no progress bar
      const j = JSON.parse(r.out) as EvalJson;
      expect(j.n).toBe(N);
      expect(j.correct).toBe(correct);
      expect(j.accuracy).toBeCloseTo(correct / N, 12);
      const confusion = [0, 1, 2].map((l) => [0, 1, 2].map((p) => predicted.filter((q, i) => labels[i] === l && q === p).length));
      expect(j.confusion).toEqual(confusion);
      expect(j.statistics.map((s) => s.spikes)).toEqual(ref.spikes);
      expect(j.statistics.every((s) => s.samples === N)).toBe(true);
      expect(j.samplesPerSecond).toBeGreaterThan(0);
      // a run this short keeps the generic kernels unless --specialize says otherwise
      expect(j.specialize).toBe('never');
    }
  });

  it('--specialize defaults to auto from SPECIALIZE_FROM samples, never below', () => {
    expect(defaultSpecialization(SPECIALIZE_FROM)).toBe('auto');
    expect(defaultSpecialization(SPECIALIZE_FROM - 1)).toBe('never');
    expect(defaultSpecialization(10_000)).toBe('auto'); // the MNIST test set
  });

  it('prints accuracy, the confusion matrix, per-layer statistics and samples/s as text', async () => {
    const r = await cli('eval', modelPath, '--data', images, '--backend', 'reference', '--limit', '10');
    expect(r.code, r.err).toBe(0);
    const ref = referenceForward(spec, { data: imageData.subarray(0, 10 * 64), n: 10, shape: SHAPE });
    const correct = argmaxRows(ref.output.data, 10).filter((p, i) => p === labels[i]).length;
    expect(r.out).toContain(`accuracy: ${((100 * correct) / 10).toFixed(2)}% (${correct} / 10)`);
    expect(r.out).toContain('confusion matrix (rows: true class, columns: predicted class)');
    expect(r.out).toMatch(/per-layer spike statistics \(10 samples\):\n\s+layer\s+kind\s+outputs\s+spikes\/sample\s+sparsity/);
    for (const [k, layer] of spec.layers.entries()) {
      expect(r.out).toMatch(new RegExp(`${layer.name}\\s+${layer.kind}\\s+\\d+\\s+${(ref.spikes[k]! / 10).toFixed(1)}`));
    }
    expect(r.out).toMatch(/throughput: \d+ samples\/s on reference/);
  });

  it('--output: one line per sample with the integer outputs; identical for every --batch, both backends and specialised kernels', async () => {
    const ref = referenceForward(spec, { data: imageData, n: N, shape: SHAPE });
    const predicted = argmaxRows(ref.output.data, N);
    const runs: string[] = [];
    const variants = [['reference', '40'], ['webgpu', '1'], ['webgpu', '7'], ['webgpu', '40'], ['webgpu', '1000'], ['webgpu', '7', 'always']] as const;
    for (const [backend, batch, specialize = 'never'] of variants) {
      const out = join(dir(), `pred-${backend}-${batch}-${specialize}.jsonl`);
      const r = await cli('eval', modelPath, '--data', images, '--backend', backend, '--batch', batch, '--specialize', specialize, '--output', out);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`wrote ${out} (${N} lines)`);
      runs.push(await readFile(out, 'utf8'));
    }
    for (const text of runs.slice(1)) expect(text).toBe(runs[0]);
    const lines = runs[0]!.trimEnd().split('\n').map((l) => JSON.parse(l) as { index: number; label: number; predicted: number; output: number[] });
    expect(lines).toHaveLength(N);
    lines.forEach((l, i) => {
      expect(l.index).toBe(i);
      expect(l.label).toBe(labels[i]);
      expect(l.predicted).toBe(predicted[i]);
      expect(l.output).toEqual(Array.from(ref.output.data.subarray(i * 3, i * 3 + 3)));
    });
    // no temporary files are left beside the outputs
    expect((await readdir(dir())).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('--output is atomic: a run that fails midway leaves the previous file and no temporary file', async () => {
    const sub = await mkdtemp(join(dir(), 'atomic-'));
    const bad = labels.slice();
    bad[5] = 7; // outside the model's 3 classes: the third batch of 2 fails
    const pair = idxPair(imageData, bad, 8, 8);
    await writeFile(join(sub, 'bad-images-idx3-ubyte'), pair.images);
    await writeFile(join(sub, 'bad-labels-idx1-ubyte'), pair.labels);
    const out = join(sub, 'pred.jsonl');
    await writeFile(out, 'previous\n');
    const r = await cli('eval', modelPath, '--data', join(sub, 'bad-images-idx3-ubyte'), '--backend', 'reference', '--batch', '2', '--output', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain('sample 5: label 7 is outside the model\'s 3 classes');
    expect(await readFile(out, 'utf8')).toBe('previous\n');
    expect(await readdir(sub)).toEqual(['bad-images-idx3-ubyte', 'bad-labels-idx1-ubyte', 'pred.jsonl']);
  });

  it('--labels names the labels of an IDX images file; without labels there is no accuracy', async () => {
    const sub = await mkdtemp(join(dir(), 'labels-'));
    const pair = idxPair(imageData, labels, 8, 8);
    await writeFile(join(sub, 'digits.idx3'), pair.images);
    await writeFile(join(sub, 'classes.idx1'), pair.labels);
    const unlabelled = await cli('eval', modelPath, '--data', join(sub, 'digits.idx3'), '--backend', 'reference', '--json');
    expect(unlabelled.code, unlabelled.err).toBe(0);
    const u = JSON.parse(unlabelled.out) as EvalJson;
    expect(u.accuracy).toBeNull();
    expect(u.confusion).toBeNull();
    expect(u.n).toBe(N);
    const text = await cli('eval', modelPath, '--data', join(sub, 'digits.idx3'), '--backend', 'reference');
    expect(text.out).toContain('accuracy: - (the dataset has no labels)');
    const labelled = await cli('eval', modelPath, '--data', join(sub, 'digits.idx3'), '--labels', join(sub, 'classes.idx1'), '--backend', 'reference', '--json');
    const withLabels = await cli('eval', modelPath, '--data', images, '--backend', 'reference', '--json');
    expect((JSON.parse(labelled.out) as EvalJson).confusion).toEqual((JSON.parse(withLabels.out) as EvalJson).confusion);
  });

  it('bad arguments are usage errors (exit 2); bad data and models are errors (exit 1)', async () => {
    const usage = [
      ['--backend', 'cuda'],
      ['--specialize', 'sometimes'],
      ['--batch', '0'],
      ['--limit', '-3'],
      ['--wq', '4', '--aq', '4'],
      ['--scale', '255'],
      ['--labels', join(dir(), 't10k-labels-idx1-ubyte'), '--data', 'mnist'],
    ];
    for (const extra of usage) {
      const args = extra.includes('--data') ? ['eval', modelPath, ...extra] : ['eval', modelPath, '--data', images, ...extra];
      const r = await cli(...args, '--backend', extra[0] === '--backend' ? extra[1]! : 'reference');
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/^spikemesh: /);
    }
    const missing = await cli('eval', modelPath, '--data', join(dir(), 'nope'), '--backend', 'reference');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`unknown dataset '${join(dir(), 'nope')}'`);
    const mnist = await cli('eval', modelPath, '--data', 'mnist', '--limit', '2', '--backend', 'reference');
    expect(mnist.code).toBe(1);
    expect(mnist.err).toContain("dataset 'mnist' has images of shape [28,28,1], the model expects [8,8,1]");
    const noModel = await cli('eval', join(dir(), 'absent.json'), '--data', images, '--backend', 'reference');
    expect(noModel.code).toBe(1);
    expect(noModel.err).toContain(`cannot read ${join(dir(), 'absent.json')}`);
  });
});

describe('spikemesh eval on a tfjs model', () => {
  let float = '';
  let floatModel: tf.LayersModel;
  beforeAll(async () => {
    float = await saveTinyFloatModel(dir(), 31);
    floatModel = await loadTfjsModel(float);
  });

  function tfClasses(m: tf.LayersModel): number[] {
    return tf.tidy(() => {
      const x = tf.tensor4d(Float32Array.from(imageData, (v) => v / 255), [N, ...SHAPE]);
      return Array.from((m.predict(x) as tf.Tensor).argMax(-1).dataSync());
    });
  }
  const accuracy = (p: number[]) => p.filter((c, i) => c === labels[i]).length / N;

  it('quantizes and converts a float model on the fly: float, quantized and spiking accuracy side by side', async () => {
    const q = { weightBits: 4, activationBits: 4, inputWeightBits: 4, perAxis: false } as const;
    const quantized = quantize(floatModel, q);
    const converted = (await analyze(quantized, { inputScaling: { scale: 255, shift: 0 } })).spec!;
    const floatCls = tfClasses(floatModel);
    const quantCls = tfClasses(quantized);
    const spikeCls = Array.from(referenceClasses(converted, imageData, N));
    const args = ['eval', float, '--data', images, '--wq', '4', '--aq', '4', '--iq', '4', '--scale', '255', '--batch', '16'];
    const r = await cli(...args, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out) as EvalJson;
    expect(j.compared.float!.accuracy).toBeCloseTo(accuracy(floatCls), 12);
    expect(j.compared.quantized!.accuracy).toBeCloseTo(accuracy(quantCls), 12);
    expect(j.accuracy).toBeCloseTo(accuracy(spikeCls), 12);
    expect(j.compared.quantized!.sameAsModel).toBe(spikeCls.filter((c, i) => c === quantCls[i]).length);
    const text = await cli(...args, '--backend', 'reference');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/float \(tfjs\)\s+[\d.]+%/);
    expect(text.out).toMatch(/quantized \(tfjs\)\s+[\d.]+%/);
    expect(text.out).toContain(`spiking (spikemesh)     ${(100 * accuracy(spikeCls)).toFixed(2)}%`);
  });

  it('a float model without --wq/--aq is a usage error that says how to quantize it', async () => {
    const r = await cli('eval', float, '--data', images, '--backend', 'reference');
    expect(r.code).toBe(2);
    expect(r.err).toContain('is a float tfjs model: give --wq and --aq');
  });
});

describe('the built CLI', () => {
  beforeAll(() => buildCliIfStale());

  it('runs eval on the GPU in a child process and returns its exit code', async () => {
    const env = { ...process.env };
    delete env.SPIKEMESH_IN_PROCESS;
    const run = (...a: string[]) => runBuiltCli(a, env);
    const ok = await run('eval', modelPath, '--data', images, '--limit', '10');
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/accuracy: [\d.]+% \(\d+ \/ 10\)/);
    expect(ok.stderr).toBe('');
    const usage = await run('eval', modelPath, '--data', images, '--batch', 'x');
    expect(usage.status).toBe(2);
  });
});
