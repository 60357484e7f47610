// One exit-code contract for every command (issue 15; README "Exit codes"):
//   0 success, 1 a failure of the work (bad model, bad data, an unusable output path, GPU
//   error), 2 bad usage (unknown command or option, missing or malformed option, unknown
//   dataset name; commander's own errors too), 130/143/129 interrupted (test/cli/interrupt.test.ts).
// In process through main() where no GPU is needed (the reference backend); the built CLI where
// the GPU worker matters. Output paths are checked before any work: the model argument of these
// runs does not exist, and the message is about the output.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../src/ir/files.js';
import { buildCliIfStale, cli, runBuiltCli } from '../helpers/cli.js';
import { idxPair } from '../helpers/idx.js';
import { mulberry32, randomInput, randomModel } from '../helpers/random-model.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { saveTinyFloatModel } from '../helpers/tiny-tfjs.js';

const MNIST = new URL('../../models/mnist-cnn-q4.akida.json', import.meta.url).pathname;
const dir = useTempDir('spikemesh-contract-');
let model = '';
let images = '';
let float = '';
let nowhere = '';

beforeAll(async () => {
  const spec = randomModel(41, {
    inputShape: [8, 8, 1],
    thresholds: 'typical',
    layers: [
      { kind: 'InputConvolutional', kernel: [3, 3], stride: 1, padding: 'same', filters: 4, pooling: 'max' },
      { kind: 'FullyConnected', units: 3, activation: false },
    ],
  });
  model = (await saveModel(spec, join(dir(), 'model.json'))).json;
  const rng = mulberry32(42);
  const pair = idxPair(randomInput(43, [8, 8, 1], 12, 8).data, Array.from({ length: 12 }, () => Math.floor(rng() * 3)), 8, 8);
  images = join(dir(), 'd-images-idx3-ubyte');
  await writeFile(images, pair.images);
  await writeFile(join(dir(), 'd-labels-idx1-ubyte'), pair.labels);
  float = await saveTinyFloatModel(dir(), 44);
  nowhere = join(dir(), 'no-such-dir');
});

async function expectCode(args: string[], code: number, stderr?: RegExp | string): Promise<void> {
  const r = await cli(...args);
  expect(r.code, `spikemesh ${args.join(' ')}\n${r.err}`).toBe(code);
  if (typeof stderr === 'string') expect(r.err).toContain(stderr);
  else if (stderr) expect(r.err).toMatch(stderr);
}

describe('usage (exit 2) and help (exit 0) for the program', () => {
  it('--help and --version exit 0; an unknown command, no command, an unknown option exit 2', async () => {
    await expectCode(['--version'], 0);
    await expectCode(['--help'], 0);
    await expectCode(['eval', '--help'], 0);
    await expectCode(['nosuchcommand'], 2, /unknown command/);
    await expectCode([], 2);
    await expectCode(['devices', '--bogus'], 2, /unknown option '--bogus'/);
  });
});

describe('every command: 0 success, 1 failure of the work, 2 bad usage', () => {
  it('devices', async () => {
    await expectCode(['devices', '--json'], 0);
    await expectCode(['devices', 'extra'], 2, /too many arguments/);
  });

  it('map', async () => {
    await expectCode(['map', MNIST], 0);
    await expectCode(['map', join(dir(), 'absent.json')], 1, 'cannot read the file (not found)');
    await expectCode(['map', MNIST, '--mode', 'most'], 2);
    await expectCode(['map'], 2, /missing required argument/);
  });

  it('summary', async () => {
    await expectCode(['summary', model], 0);
    await expectCode(['summary', join(dir(), 'absent.json')], 1, 'cannot read the file (not found)');
    await expectCode(['summary', dir()], 1, 'cannot read the file (it is a directory)');
    await expectCode(['summary', model, '--bogus'], 2);
  });

  it('check', async () => {
    await expectCode(['check', float, '--wq', '4', '--aq', '4', '--scale', '255'], 0);
    await expectCode(['check', join(dir(), 'absent.json')], 1, 'cannot read the model');
    await expectCode(['check', float, '--wq', '4', '--aq', '4', '--hardware'], 1); // does not map to AKD1000
    await expectCode(['check', float, '--device', 'AKD9'], 2);
    await expectCode(['check', float, '--wq', '3', '--aq', '4'], 2, '--wq 3');
  });

  it('convert: the output path is checked before any work (exit 1), never half a pair', async () => {
    const out = join(dir(), 'conv.json');
    await expectCode(['convert', float, '-o', out, '--wq', '4', '--aq', '4', '--scale', '255'], 0);
    await expectCode(['convert', float, '-o', join(dir(), 'never.json')], 1, 'the model cannot be converted');
    await expectCode(['convert', float], 2, /required option '-o, --output/);
    await expectCode(['convert', float, '-o', join(dir(), 'x.bin')], 2);
    // the model does not even exist: the output is what is wrong, and it is said first
    await expectCode(['convert', join(dir(), 'absent.json'), '-o', join(nowhere, 'm.json')], 1,
      `-o ${join(nowhere, 'm.json')}: cannot write the model there: the directory ${nowhere} does not exist`);
    // the case: m.json is a directory; the old m.bin stays as it was
    const d = join(dir(), 'pair');
    mkdirSync(join(d, 'm.json'), { recursive: true });
    writeFileSync(join(d, 'm.bin'), 'old weights');
    await expectCode(['convert', float, '-o', join(d, 'm.json'), '--wq', '4', '--aq', '4'], 1, `${join(d, 'm.json')} is a directory`);
    expect(readFileSync(join(d, 'm.bin'), 'utf8')).toBe('old weights');
    expect(readdirSync(d).sort()).toEqual(['m.bin', 'm.json']);
  });

  it('quantize', async () => {
    const out = join(dir(), 'q');
    await expectCode(['quantize', float, '--wq', '4', '--aq', '4', '-o', out], 0);
    expect(readdirSync(out).sort()).toEqual(['model.json', 'weights.bin']);
    await expectCode(['quantize', float], 2, 'quantize needs --wq and --aq');
    await expectCode(['quantize', join(dir(), 'absent.json'), '--wq', '4', '--aq', '4', '-o', join(dir(), 'q2')], 1, 'cannot read');
    writeFileSync(join(dir(), 'a-file'), '');
    await expectCode(['quantize', join(dir(), 'absent.json'), '--wq', '4', '--aq', '4', '-o', join(dir(), 'a-file')], 1,
      `-o ${join(dir(), 'a-file')}: cannot write the quantized model there: ${join(dir(), 'a-file')} exists and is not a directory`);
  });

  it('eval (reference backend): output paths before any work, dataset names, shapes', async () => {
    const base = ['eval', model, '--backend', 'reference'];
    await expectCode([...base, '--data', images], 0);
    await expectCode([...base, '--data', 'mnst'], 2, "--data mnst: unknown dataset; expected 'mnist'");
    await expectCode([...base, '--data', 'fashion-mnist:bogus'], 2, 'unknown dataset');
    await expectCode([...base, '--data', join(dir(), 'absent-images')], 1, 'unknown dataset');
    await expectCode(['eval', model], 2, /required option '--data/);
    await expectCode([...base, '--data', images, '--batch', 'x'], 2);
    await expectCode([...base, '--data', 'mnist', '--limit', '2'], 1, "dataset 'mnist' has images of shape [28,28,1], the model expects [8,8,1]");
    await expectCode([...base, '--data', images, '--output', dir()], 1, `--output ${dir()}: cannot write the per-sample output there: ${dir()} is a directory`);
    await expectCode(['eval', join(dir(), 'absent.json'), '--backend', 'reference', '--data', images, '--output', join(nowhere, 'x.jsonl')], 1,
      `the directory ${nowhere} does not exist`);
    await expectCode(['eval', join(dir(), 'absent.json'), '--backend', 'reference', '--data', images], 1, `cannot read ${join(dir(), 'absent.json')} (not found)`);
    await expectCode(['eval', dir(), '--backend', 'reference', '--data', images], 1, `cannot read ${dir()} (it is a directory)`);
  });

  it('sweep (reference backend): --svg checked before any work and written atomically', async () => {
    const base = ['sweep', model, '--backend', 'reference', '--timesteps', '4', '--data', images];
    const svg = join(dir(), 'p.svg');
    await expectCode([...base, '--svg', svg], 0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
    expect(readdirSync(dir()).filter((f) => f.includes('.tmp'))).toEqual([]);
    await expectCode(['sweep', model, '--backend', 'reference', '--data', 'mnst'], 2, 'unknown dataset');
    await expectCode(['sweep', join(dir(), 'absent.json'), '--backend', 'reference', '--data', images, '--svg', join(nowhere, 'p.svg')], 1,
      `--svg ${join(nowhere, 'p.svg')}: cannot write the plot there: the directory ${nowhere} does not exist`);
    await expectCode([...base, '--svg', dir()], 1, 'is a directory');
    await expectCode(['sweep', model, '--backend', 'reference', '--data', 'mnist'], 1, 'the model expects [8,8,1]');
    await expectCode([...base, '--method', 'median'], 2);
  });

  it('bench: bad usage exits 2 before anything runs', async () => {
    await expectCode(['bench', '--batch', '0'], 2);
    await expectCode(['bench', '--model', model], 2, '--model and --float go together');
  });
});

describe('the built CLI (the GPU worker)', () => {
  beforeAll(() => buildCliIfStale(), 300_000);
  const env = () => {
    const e = { ...process.env };
    delete e.SPIKEMESH_IN_PROCESS;
    delete e.SPIKEMESH_GPU_CHILD;
    return e;
  };

  it('usage and output-path errors exit 2 and 1 in the parent; a model beyond the size limits exits 1 at load, before any GPU work', async () => {
    const bogus = await runBuiltCli(['eval', MNIST, '--data', 'mnist', '--bogus'], env());
    expect(bogus.status, bogus.stderr).toBe(2);
    expect((await runBuiltCli(['eval', MNIST, '--data', 'mnst'], env())).status).toBe(2);
    const out = await runBuiltCli(['eval', MNIST, '--data', 'mnist', '--output', dir()], env());
    expect(out.status, out.stderr).toBe(1);
    expect(out.stderr).toContain('cannot write the per-sample output there');
    // a valid model with a 20000 x 20000 input: refused when read, with the number and the limit
    const big = JSON.parse(readFileSync(model, 'utf8'));
    big.layers[0].inputShape = [20000, 20000, 1];
    const bigPath = join(dir(), 'big.json');
    writeFileSync(bigPath, JSON.stringify(big));
    writeFileSync(join(dir(), 'big.bin'), readFileSync(join(dir(), 'model.bin')));
    big.weightsFile = 'big.bin';
    writeFileSync(bigPath, JSON.stringify(big));
    const t0 = Date.now();
    const r = await runBuiltCli(['eval', bigPath, '--data', 'mnist', '--limit', '10'], env());
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('inputShape [20000, 20000, 1] has 400000000 pixels (20000 x 20000), above the limit of 16777216');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(existsSync(join(dir(), 'big.bin'))).toBe(true);
  });
});
