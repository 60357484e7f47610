// `spikemesh quantize | check | convert | summary`: in-process through main(), plus the built
// CLI in a real process for exit codes.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { alignThresholds, loadTfjsModel } from '../../src/convert/index.js';
import { loadModel } from '../../src/ir/files.js';
import { buildCliIfStale, cli, runBuiltCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { saveTinyFloatModel } from '../helpers/tiny-tfjs.js';

const dir = useTempDir('spikemesh-convert-cli-');
let float = '';
beforeAll(async () => {
  float = await saveTinyFloatModel(dir(), 1);
});

describe('spikemesh check', () => {
  it('a float model is checked as it will be once quantized (as cnn2snn does): exit 0, and it says to quantize first', async () => {
    const r = await cli('check', float);
    expect(r.code).toBe(0);
    expect(r.out).toContain('convertible once quantized');
    expect(r.out).not.toContain('NOT convertible');
  });

  it('with quantization flags it converts; hardware issues are listed but only fail with --hardware', async () => {
    const args = ['check', float, '--wq', '4', '--aq', '4', '--iq', '4', '--scale', '255'];
    const r = await cli(...args);
    expect(r.code).toBe(0);
    expect(r.out).toContain("model 'tiny': convertible, does not map to AKD1000 as is");
    expect(r.out).toContain('conv1 (InputConvolutional) <- conv1, bn1, relu1, pool1');
    expect(r.out).toMatch(/dense: .*\[fc\/spatial\]/);
    expect((await cli(...args, '--hardware')).code).toBe(1);
  });

  it('--json prints the report', async () => {
    const r = await cli('check', float, '--wq', '2', '--aq', '2', '--scale', '255', '--json');
    const report = JSON.parse(r.out) as { convertible: boolean; device: string; layers: Array<{ name: string; kind: string }> };
    expect(report.convertible).toBe(true);
    expect(report.device).toBe('AKD1000');
    expect(report.layers.map((l) => l.kind)).toEqual(['InputConvolutional', 'FullyConnected']);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    expect((await cli('check', float, '--wq', '3', '--aq', '4')).code).toBe(2);
    expect((await cli('check', float, '--wq', '4')).code).toBe(2);
    expect((await cli('check', float, '--scale', '0')).code).toBe(2);
    const r = await cli('check', float, '--device', 'NoSuchChip');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--device NoSuchChip');
  });

  it('a missing model names the file (exit 1)', async () => {
    const r = await cli('check', join(dir(), 'absent', 'model.json'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spikemesh: .*absent\/model.json: cannot read the model: not found/);
  });
});

describe('spikemesh convert and summary', () => {
  it('converts with --wq/--aq/--iq and writes a model that loads; summary prints it', async () => {
    const out = join(dir(), 'tiny.akida.json');
    const r = await cli('convert', float, '-o', out, '--wq', '2', '--aq', '4', '--iq', '4', '--scale', '255', '--per-axis');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote ${out} and ${join(dir(), 'tiny.akida.bin')}`);
    const spec = await loadModel(out);
    expect(spec.name).toBe('tiny');
    expect(spec.inputScaling).toEqual({ scale: 255, shift: 0 });
    expect(spec.layers.map((l) => [l.name, l.kind, 'weightBits' in l ? l.weightBits : null])).toEqual([
      ['conv1', 'InputConvolutional', 4],
      ['dense', 'FullyConnected', 2],
    ]);
    const s = await cli('summary', out);
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/conv1 \(InputConvolutional\)\s+\[4, 4, 4\]/);
    const j = await cli('summary', out, '--json');
    expect((JSON.parse(j.out) as { rows: unknown[] }).rows).toHaveLength(2);
  });

  it('a model that cannot convert exits 1 and writes nothing', async () => {
    const out = join(dir(), 'never.json');
    const r = await cli('convert', float, '-o', out);
    expect(r.code).toBe(1);
    expect(r.err).toContain('spikemesh: the model cannot be converted:');
    expect(r.err).toContain('conv1: Conv2D has float weights');
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir(), 'never.bin'))).toBe(false);
  });

  it('an unwritable output leaves no partial or temporary file', async () => {
    const out = join(dir(), 'no-such-dir', 'm.json');
    const r = await cli('convert', float, '-o', out, '--wq', '4', '--aq', '4', '--scale', '255');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/-o .*no-such-dir\/m\.json: cannot write the model there: the directory .*no-such-dir does not exist/);
    expect((await readdir(dir())).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('usage errors: -o names a model (not a directory or a .bin), -o is required', async () => {
    expect((await cli('convert', float, '-o', join(dir(), 'x.bin'))).code).toBe(2);
    expect((await cli('convert', float, '-o', `${dir()}/`)).code).toBe(2);
    expect((await cli('convert', float)).code).not.toBe(0);
  });

  it('summary refuses a tfjs model.json with the command to run instead', async () => {
    const r = await cli('summary', float);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${float} is a tfjs model: convert it first`);
  });
});

describe('spikemesh quantize', () => {
  it('writes a quantized tfjs model named as cnn2snn does; check then reports what converts', async () => {
    const r = await cli('quantize', float, '--wq', '2', '--aq', '2', '--iq', '8');
    expect(r.code, r.err).toBe(0);
    const outDir = join(dir(), 'tiny_iq8_wq2_aq2');
    expect(r.out).toContain(`wrote ${outDir}/model.json`);
    const q = await loadTfjsModel(join(outDir, 'model.json'));
    expect(q.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'QuantizedConv2D', 'BatchNormalization', 'QuantizedReLU', 'MaxPooling2D', 'Flatten', 'QuantizedDense']);
    // 8-bit weights on 8-bit pixels with ReLU6's range in 3 levels: a level spans ~10^5 potentials
    const wide = await cli('check', join(outDir, 'model.json'), '--scale', '255');
    expect(wide.code).toBe(1);
    expect(wide.out).toMatch(/conv1: channel 0: act_step \d+(\.\d+)? is outside \[1\/16, 65535.9375\]/);
    expect((await cli('quantize', float, '--wq', '2', '--aq', '2', '--iq', '2', '-o', join(dir(), 'q2'))).code).toBe(0);
    expect((await cli('check', join(dir(), 'q2', 'model.json'), '--scale', '255')).code).toBe(0);
    expect((await cli('quantize', float)).code).toBe(2);
  });

  it('--align moves the BatchNorms so the integer thresholds reproduce the quantized model; convert --align does the same in memory', async () => {
    const out = join(dir(), 'aligned');
    const r = await cli('quantize', float, '--wq', '4', '--aq', '4', '--iq', '4', '--scale', '255', '--align', '-o', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^align: conv1 \(bn1\): level widths moved by \d+\.\d\d% at most, first boundaries by 0\.\d\d potential units$/m);
    // the saved model is aligned: aligning it again moves nothing
    const again = await alignThresholds(await loadTfjsModel(join(out, 'model.json')), { inputScaling: { scale: 255, shift: 0 } });
    expect(again.layers.map((l) => [l.layer, l.aligned])).toEqual([['conv1', true]]);
    expect(again.layers[0]!.maxStepChange).toBeLessThan(1e-6);
    const c = await cli('convert', float, '--wq', '4', '--aq', '4', '--iq', '4', '--scale', '255', '--align', '-o', join(dir(), 'aligned.json'));
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/^align: conv1 \(bn1\): level widths moved by/m);
    // the converted model is the conversion of the aligned quantized model
    const fromAligned = await cli('convert', join(out, 'model.json'), '--scale', '255', '-o', join(dir(), 'from-aligned.json'));
    expect(fromAligned.code, fromAligned.err).toBe(0);
    expect((await loadModel(join(dir(), 'aligned.json'))).layers).toEqual((await loadModel(join(dir(), 'from-aligned.json'))).layers);
  });
});

describe('the built CLI', () => {
  beforeAll(() => buildCliIfStale());

  it('returns the exit codes of check in a real process, with no tfjs banner in the output', async () => {
    const run = (...a: string[]) => runBuiltCli(a);
    const bad = await run('check', join(dir(), 'absent.json'));
    expect(bad.status).toBe(1);
    const floatOnly = await run('check', float);
    expect(floatOnly.status).toBe(0);
    expect(floatOnly.stdout).toContain('convertible once quantized');
    const good = await run('check', float, '--wq', '4', '--aq', '4', '--iq', '4', '--scale', '255');
    expect(good.status).toBe(0);
    expect(good.stdout + good.stderr).not.toContain('Hi, looks like');
  });
});
