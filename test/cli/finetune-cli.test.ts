// `spikemesh finetune`: a tiny quantized model fine-tuned for one epoch on 32 digits (tfjs cpu
// backend, in process); usage errors exit 2; an unusable -o exits 1 before any work.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, quantize, saveTfjsModel } from '../../src/convert/index.js';
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { progressBar } from '../../src/cli/progress.js';
import { buildCliIfStale, cli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';

const dir = useTempDir('spikemesh-finetune-cli-');
const L = tf.layers;
let float = '';
let quantized = '';

/** 28x28x1 digits: conv 3x3 stride 2 (4 filters) + ReLU6 + 2x2 max pool, dense 10; seeded. */
function digitsModel(): tf.Sequential {
  return tf.sequential({ name: 'digits', layers: [
    L.inputLayer({ inputShape: [28, 28, 1] }),
    L.conv2d({ name: 'c1', filters: 4, kernelSize: 3, strides: 2, padding: 'same', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    L.reLU({ name: 'r1', maxValue: 6 }),
    L.maxPooling2d({ name: 'p1', poolSize: 2, padding: 'same' }),
    L.flatten({ name: 'f' }),
    L.dense({ name: 'd', units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ] });
}

beforeAll(async () => {
  tf.enableProdMode();
  const model = digitsModel();
  await saveTfjsModel(model, join(dir(), 'float'));
  await saveTfjsModel(quantize(model, { weightBits: 4, activationBits: 4, inputWeightBits: 8 }), join(dir(), 'q'));
  float = join(dir(), 'float', 'model.json');
  quantized = join(dir(), 'q', 'model.json');
});

const weightsOf = async (path: string) => (await loadTfjsModel(path)).getWeights().map((w) => Array.from(w.dataSync()));

describe('spikemesh finetune', () => {
  it('one epoch on 32 digits (--backend cpu): exit 0, progress per epoch, the written model loads and its weights changed', async () => {
    const out = join(dir(), 'tuned');
    const r = await cli('finetune', quantized, '--data', 'mnist', '--epochs', '1', '--limit', '32', '--batch', '16',
      '--lr', '0.01', '--scale', '255', '--backend', 'cpu', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('on mnist: 32 of 10000 images, 1 epoch of 2 batches of 16, Adam lr 0.01, input = (pixel - 0) / 255');
    expect(r.out).toMatch(/epoch 1\/1: loss \d+\.\d{4}, accuracy \d+\.\d\d%, [\d.]+ samples\/s/);
    expect(r.out).toMatch(/trained on tfjs cpu in [\d.]+ s/);
    expect(r.out).toMatch(/final \(epoch 1, on the training images\): loss \d+\.\d{4}, accuracy \d+\.\d\d%/);
    expect(r.out).toContain(`wrote ${out}/model.json and ${out}/weights.bin`);
    const before = await weightsOf(quantized);
    const tuned = await loadTfjsModel(join(out, 'model.json'));
    expect(tuned.layers.map((l) => l.getClassName())).toEqual((await loadTfjsModel(quantized)).layers.map((l) => l.getClassName()));
    const after = tuned.getWeights().map((w) => Array.from(w.dataSync()));
    expect(after.map((w) => w.length)).toEqual(before.map((w) => w.length));
    expect(after.some((w, i) => w.some((v, j) => v !== before[i]![j]))).toBe(true);
    // `-o <dir>/model.json` names the same directory; no temporary file is left
    const again = await cli('finetune', quantized, '--data', 'mnist', '--epochs', '1', '--limit', '16', '--backend', 'cpu', '-o', join(out, 'model.json'));
    expect(again.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('bad options are usage errors (exit 2), before any work', async () => {
    const o = join(dir(), 'never');
    const base = [quantized, '--data', 'mnist', '-o', o];
    const cases: Array<[string[], string | RegExp]> = [
      [[...base, '--epochs', '0'], '--epochs 0: expected an integer >= 1'],
      [[...base, '--epochs', 'two'], '--epochs two'],
      [[...base, '--epochs', '1', '--limit', '0'], '--limit 0'],
      [[...base, '--epochs', '1', '--batch', '1.5'], '--batch 1.5'],
      [[...base, '--epochs', '1', '--lr', '-1'], '--lr -1: expected a positive number'],
      [[...base, '--epochs', '1', '--backend', 'tpu'], '--backend tpu: expected auto, cpu, webgpu'],
      [[...base, '--epochs', '1', '--scale', '0'], '--scale 0'],
      [[quantized, '--data', 'mnst', '--epochs', '1', '-o', o], '--data mnst: unknown dataset'],
      [[quantized, '--data', 'fashion-mnist:bogus', '--epochs', '1', '-o', o], 'unknown dataset'],
      [[quantized, '--data', 'mnist', '--epochs', '1', '-o', join(dir(), 'x.json')], 'give the directory'],
      [[...base], /required option '--epochs/],
      [[quantized, '--epochs', '1', '-o', o], /required option '--data/],
      [[quantized, '--data', 'mnist', '--epochs', '1'], /required option '-o/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('finetune', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      if (typeof message === 'string') expect(r.err).toContain(message);
      else expect(r.err).toMatch(message);
    }
    expect(existsSync(o)).toBe(false);
  });

  it('an unusable -o exits 1 before any work (the model is not even read)', async () => {
    const file = join(dir(), 'a-file');
    await writeFile(file, 'x');
    const t0 = performance.now();
    const r = await cli('finetune', join(dir(), 'absent', 'model.json'), '--data', 'mnist', '--epochs', '1', '--backend', 'cpu', '-o', join(file, 'out'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^spikemesh: -o .*a-file\/out: cannot write the fine-tuned model there: .*a-file is not a directory\n$/);
    expect(performance.now() - t0).toBeLessThan(2000);
    const d = join(dir(), 'is-dir');
    await cli('finetune', quantized, '--data', 'mnist', '--epochs', '1', '--limit', '1', '--backend', 'cpu', '-o', d); // writes d/
    const m = join(d, 'model.json');
    const { rm, mkdir } = await import('node:fs/promises');
    await rm(m);
    await mkdir(m);
    const blocked = await cli('finetune', quantized, '--data', 'mnist', '--epochs', '1', '--backend', 'cpu', '-o', d);
    expect(blocked.code).toBe(1);
    expect(blocked.err).toContain(`${m} is a directory`);
  });

  it('the work fails (exit 1): a float model, a dataset of another image shape, a missing model', async () => {
    const o = join(dir(), 'never2');
    const r = await cli('finetune', float, '--data', 'mnist', '--epochs', '1', '--limit', '8', '--backend', 'cpu', '-o', o);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${float} is a float tfjs model: quantize it first`);
    const small = tf.sequential({ layers: [L.inputLayer({ inputShape: [8, 8, 1] }), L.flatten(), L.dense({ units: 10 })] });
    await saveTfjsModel(quantize(small, { weightBits: 4, activationBits: 4 }), join(dir(), 'small'));
    const s = await cli('finetune', join(dir(), 'small', 'model.json'), '--data', 'mnist', '--epochs', '1', '--backend', 'cpu', '-o', o);
    expect(s.code).toBe(1);
    expect(s.err).toContain("dataset 'mnist' has images of shape [28,28,1], the model expects [8,8,1]");
    const a = await cli('finetune', join(dir(), 'absent.json'), '--data', 'mnist', '--epochs', '1', '--backend', 'cpu', '-o', o);
    expect(a.code).toBe(1);
    expect(a.err).toContain('absent.json');
    expect(existsSync(o)).toBe(false);
  });

  it('Ctrl-C stops training on the cpu backend at once (the built CLI): exit 130, nothing written', async () => {
    await buildCliIfStale();
    const out = join(dir(), 'interrupted');
    const child = spawn('node', [new URL('../../bin/spikemesh.js', import.meta.url).pathname, 'finetune', quantized, '--data', 'mnist',
      '--epochs', '20', '--scale', '255', '--backend', 'cpu', '-o', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (stdout.includes('fine-tuning')) resolve();
    }));
    await new Promise((resolve) => setTimeout(resolve, 500)); // training under way (20 epochs of 10,000 digits: minutes)
    const t0 = performance.now();
    child.kill('SIGINT');
    const late = setTimeout(() => child.kill('SIGKILL'), 10_000); // never an orphan that trains on
    const code = await exited;
    clearTimeout(late);
    expect(code).toBe(130);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(stderr).toContain('interrupted by SIGINT');
    expect(existsSync(out)).toBe(false);
  });

  it("the progress line on a terminal: epoch, batch, loss, accuracy, samples/s, ETA; an epoch's line is written above the bar", async () => {
    const tty = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
    let text = '';
    tty.on('data', (d: Buffer) => (text += d.toString()));
    Object.assign(tty, { isTTY: true, columns: 160, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const bar = await progressBar(64, 'samples', tty, {
      format: 'epoch {epoch} {bar} batch {batch} | loss {loss} | acc {acc} | {rate} samples/s | ETA {eta_formatted}',
      fields: { epoch: '1/2', batch: '0/2', loss: '-', acc: '-' },
    });
    bar.update(32, { epoch: '1/2', batch: '2/2', loss: '2.3012', acc: '12.50%', rate: '8.4' });
    const lines = new PassThrough();
    let logged = '';
    lines.on('data', (d: Buffer) => (logged += d.toString()));
    bar.log('epoch 1/2: loss 2.3012, accuracy 12.50%, 8.4 samples/s', lines);
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged).toBe('epoch 1/2: loss 2.3012, accuracy 12.50%, 8.4 samples/s\n');
    expect(text).toContain('epoch 1/2 ░░░');
    // the bar's line cleared, its new row saved (cli-progress returns there when it stops), then the bar drawn again
    expect(text).toMatch(/\r\x1b\[2K\x1b7[^\r]*epoch 1\/2 \S+ batch 2\/2 \| loss 2\.3012 \| acc 12\.50% \| 8\.4 samples\/s \| ETA \S+/);
  });
});
