// A model's .json and .bin (and a tfjs model.json and weights.bin) are replaced as a pair
// (issue 15): a failure injected before or after every step of writeFilePair leaves the old pair
// or the new pair, each loadable, never the new JSON with the old weights or the reverse; an
// interruption finds only registered temporary files to remove.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as nodefs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTfjsModel, saveTfjsModel } from '../../src/convert/tfjs-io.js';
import { loadModel, pendingOutputs, saveModel, writeFilePair, type PairFs } from '../../src/ir/files.js';
import { serializeModel } from '../../src/ir/io.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { validateModel } from '../../src/ir/validate.js';
import { act, conv, dense, inputData, model } from '../helpers/builders.js';

function small(threshold: number): ModelSpec {
  return {
    ...model(
      inputData([4, 4, 1], 8, 'in'),
      conv({ name: 'c', kernel: [3, 3], padding: 'same', filters: 2, weightBits: 2, weights: Array.from({ length: 18 }, (_, i) => ((i + threshold) % 3) - 1), activation: act(2, [threshold, 5], [16, 24]) }),
      dense({ name: 'fc', units: 3, weightBits: 4, weights: Array.from({ length: 96 }, (_, i) => ((i * threshold) % 15) - 7), activation: null }),
    ),
    name: `small-${threshold}`,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spikemesh-pair-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

class Injected extends Error {}

/** node:fs/promises, failing at the `failAt`-th call of writeFile, rename or rm (1-based); counts the calls. */
function failingFs(failAt: number): PairFs & { calls: number } {
  const fs = {
    calls: 0,
    step(op: string, path: string) {
      fs.calls++;
      if (fs.calls === failAt) throw new Injected(`injected failure at step ${failAt} (${op} ${path})`);
    },
    readFile: (p: string, e: 'utf8') => nodefs.readFile(p, e),
    stat: (p: string) => nodefs.stat(p),
    access: (p: string, m?: number) => nodefs.access(p, m),
    async writeFile(p: string, d: string | Uint8Array, o?: { flag?: string }) {
      fs.step('writeFile', p);
      await nodefs.writeFile(p, d, o);
    },
    async rename(a: string, b: string) {
      fs.step('rename', b);
      await nodefs.rename(a, b);
    },
    async rm(p: string, o: { force: true }) {
      fs.step('rm', p);
      await nodefs.rm(p, o);
    },
  };
  return fs;
}

/** writeFilePair of a spikemesh model, as saveModel does it, on `fs`. */
async function savePair(spec: ModelSpec, path: string, fs: PairFs): Promise<void> {
  const { json, bin } = serializeModel(spec, { weightsFile: 'm.bin' });
  await writeFilePair({
    json: path,
    binName: 'm.bin',
    bin,
    jsonText: (name) => JSON.stringify({ ...json, weightsFile: name }),
    binNamesOf: (t) => [JSON.parse(t).weightsFile as string],
  }, fs);
}

describe('writeFilePair: a failure at any step leaves the old pair or the new pair', () => {
  const OLD = small(3);
  const NEW = small(9);

  it('over an existing pair, with a failure injected at each step in turn', async () => {
    const clean = failingFs(0);
    await savePair(NEW, join(dir, 'count.json'), clean); // over nothing: the simple path
    await savePair(OLD, join(dir, 'count.json'), clean);
    const steps = clean.calls;
    expect(steps).toBeGreaterThan(4);
    const outcomes: string[] = [];
    for (let k = 1; k <= steps + 1; k++) {
      const d = join(dir, `over-${k}`);
      await mkdir(d);
      const path = join(d, 'm.json');
      await saveModel(OLD, path);
      const failing = failingFs(k);
      const failed = await savePair(NEW, path, failing).then(() => false, (e) => {
        if (!(e instanceof Injected)) throw e;
        return true;
      });
      const loaded = await loadModel(path);
      const which = JSON.stringify(loaded) === JSON.stringify(validateModel(NEW)) ? 'new' : 'old';
      expect(loaded, `failure at step ${k}`).toEqual(validateModel(which === 'new' ? NEW : OLD));
      outcomes.push(`${k}:${failed ? 'failed' : 'ok'}:${which}`);
      // no temporary file and at most the pair and one versioned weights file (a failure while settling)
      const files = (await readdir(d)).sort();
      expect(files.filter((f) => f.endsWith('.tmp')), `step ${k}: ${files}`).toEqual([]);
      expect(files.length, `step ${k}: ${files}`).toBeLessThanOrEqual(3);
      expect(pendingOutputs().paths.size).toBe(0);
      // the next save settles on the plain pair; a versioned file stays only when removing it was what failed
      await saveModel(NEW, path);
      const after = (await readdir(d)).sort();
      const versioned = after.filter((f) => /^m\.[0-9a-z]{8}\.bin$/.test(f));
      expect(after.filter((f) => !versioned.includes(f))).toEqual(['m.bin', 'm.json']);
      expect(versioned.length, `step ${k}: ${after}`).toBeLessThanOrEqual(outcomes.at(-1)!.endsWith(':new') ? 1 : 0);
      expect(await loadModel(path)).toEqual(validateModel(NEW));
    }
    // failures before the commit keep the old pair; from the commit on, the new pair is there
    expect(outcomes[0]).toBe('1:failed:old');
    expect(outcomes.at(-1)).toBe(`${steps + 1}:ok:new`);
    expect(outcomes.some((o) => o.endsWith(':new') && o.includes('failed')) || outcomes.filter((o) => o.endsWith(':old')).length >= 2).toBe(true);
  });

  it('into an empty directory, with a failure at each step: no file, or the whole new pair', async () => {
    for (let k = 1; k <= 5; k++) {
      const d = join(dir, `fresh-${k}`);
      await mkdir(d);
      const path = join(d, 'm.json');
      const ok = await savePair(NEW, path, failingFs(k)).then(() => true, (e) => {
        if (!(e instanceof Injected)) throw e;
        return false;
      });
      const files = (await readdir(d)).sort();
      if (ok) {
        expect(files).toEqual(['m.bin', 'm.json']);
        expect(await loadModel(path)).toEqual(validateModel(NEW));
      } else {
        expect(files, `failure at step ${k}`).toEqual([]);
      }
    }
  });

  it('refuses a target .json or .bin that is a directory before writing anything (the old pair stays)', async () => {
    const d = join(dir, 'dirs');
    await mkdir(d);
    await saveModel(OLD, join(d, 'a.json'));
    await rm(join(d, 'a.json'));
    await mkdir(join(d, 'a.json'));
    const binBefore = await readFile(join(d, 'a.bin'));
    await expect(saveModel(NEW, join(d, 'a.json'))).rejects.toThrow(`${join(d, 'a.json')}: could not save the model (${join(d, 'a.json')} is a directory)`);
    expect(await readFile(join(d, 'a.bin'))).toEqual(binBefore);
    expect((await readdir(d)).sort()).toEqual(['a.bin', 'a.json']);
  });

  it('removes weights files of an interrupted earlier save that the old JSON named, and never other files', async () => {
    const d = join(dir, 'leftover');
    await mkdir(d);
    const path = join(d, 'm.json');
    await saveModel(OLD, path);
    // as an interruption after the commit leaves it: the JSON names a versioned file
    const json = JSON.parse(await readFile(path, 'utf8'));
    await nodefs.rename(join(d, 'm.bin'), join(d, 'm.abcd1234.bin'));
    await writeFile(path, JSON.stringify({ ...json, weightsFile: 'm.abcd1234.bin' }));
    await writeFile(join(d, 'other.bin'), 'not ours');
    expect(await loadModel(path)).toEqual(validateModel(OLD));
    await saveModel(NEW, path);
    expect((await readdir(d)).sort()).toEqual(['m.bin', 'm.json', 'other.bin']);
    // a JSON naming a file of another scheme: that file is left alone
    await writeFile(path, JSON.stringify({ ...JSON.parse(await readFile(path, 'utf8')), weightsFile: 'other.bin' }));
    await saveModel(OLD, path);
    expect((await readdir(d)).sort()).toEqual(['m.bin', 'm.json', 'other.bin']);
  });
});

describe('saveTfjsModel: model.json and weights.bin as a pair', () => {
  function tiny(seed: number): tf.LayersModel {
    const m = tf.sequential();
    m.add(tf.layers.dense({ inputShape: [3], units: 2, kernelInitializer: tf.initializers.constant({ value: seed }), biasInitializer: 'zeros' }));
    return m;
  }
  const kernel = async (m: tf.LayersModel) => Array.from(await m.layers[0]!.getWeights()[0]!.data());

  it('a failure at each step leaves a model.json whose weights load: the old model or the new one', async () => {
    for (let k = 1; k <= 7; k++) {
      const d = join(dir, `tfjs-${k}`);
      await saveTfjsModel(tiny(1), d);
      const failed = await saveTfjsModel(tiny(2), d, failingFs(k)).then(() => false, (e) => {
        if (!(e instanceof Injected) && !String(e).includes('injected failure')) throw e;
        return true;
      });
      const back = await kernel(await loadTfjsModel(join(d, 'model.json')));
      expect([[1, 1, 1, 1, 1, 1], [2, 2, 2, 2, 2, 2]], `step ${k} (${failed ? 'failed' : 'ok'})`).toContainEqual(back);
      if (k === 1) expect(back).toEqual([1, 1, 1, 1, 1, 1]);
      expect((await readdir(d)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
  });
});
