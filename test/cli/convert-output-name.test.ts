// `spikemesh convert -o name`: without .json it writes name.json + name.bin (issue 14); a name
// that cannot be a model's file is a usage error.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/ir/files.js';
import { cli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/temp-dir.js';
import { saveTinyFloatModel } from '../helpers/tiny-tfjs.js';

const dir = useTempDir('spikemesh-convert-name-');
let float = '';
beforeAll(async () => {
  (await import('@tensorflow/tfjs')).enableProdMode();
  float = await saveTinyFloatModel(dir(), 7);
});

const Q = ['--wq', '4', '--aq', '4', '--scale', '255'];

describe('spikemesh convert -o', () => {
  it('-o name writes name.json + name.bin, the same model as -o name.json', async () => {
    const r = await cli('convert', float, ...Q, '-o', join(dir(), 'tiny-q4'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote ${join(dir(), 'tiny-q4.json')} and ${join(dir(), 'tiny-q4.bin')}`);
    expect(JSON.parse(await readFile(join(dir(), 'tiny-q4.json'), 'utf8')).weightsFile).toBe('tiny-q4.bin');
    expect((await cli('convert', float, ...Q, '-o', join(dir(), 'same.json'))).code).toBe(0);
    const a = await loadModel(join(dir(), 'tiny-q4.json'));
    const b = await loadModel(join(dir(), 'same.json'));
    expect(a.layers).toEqual(b.layers);
    // a dotted name keeps its dots: mnist-q4.akida -> mnist-q4.akida.json
    expect((await cli('convert', float, ...Q, '-o', join(dir(), 'tiny.akida'))).code).toBe(0);
    expect((await readdir(dir())).filter((f) => f.startsWith('tiny.akida')).sort()).toEqual(['tiny.akida.bin', 'tiny.akida.json']);
  });

  it('a directory name (trailing /) or the .bin is a usage error (exit 2); nothing written', async () => {
    const before = (await readdir(dir())).sort();
    const slash = await cli('convert', float, ...Q, '-o', `${dir()}/`);
    expect(slash.code).toBe(2);
    expect(slash.err).toContain('expected a file name');
    const bin = await cli('convert', float, ...Q, '-o', join(dir(), 'm.bin'));
    expect(bin.code).toBe(2);
    expect(bin.err).toContain(`name the model's .json (${join(dir(), 'm.json')})`);
    expect((await readdir(dir())).sort()).toEqual(before);
  });

  it('-o name is checked like name.json before any work (exit 1)', async () => {
    const r = await cli('convert', join(dir(), 'absent.json'), '-o', join(dir(), 'no-such-dir', 'm'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/-o .*no-such-dir\/m\.json: cannot write the model there: the directory .*no-such-dir does not exist/);
  });
});
