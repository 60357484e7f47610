// Fuzzing the parsers (issue 15): a seeded generator mutates valid inputs of every format a user
// can hand to spikemesh: spikemesh model .json/.bin pairs (parseModelJson + deserializeModel),
// tfjs model.json manifests and weights (modelFromArtifacts), IDX files (raw and gzipped) and
// PNG files (pngDirectoryDataset). Mutations: bit flips, truncations, extensions, huge and
// negative numbers, wrong types, deleted keys. Every case must end in a correct result or in an
// Error whose message names the file (a TypeError or RangeError from deep inside would not),
// within a time bound per case; a case's seed is in the failure message, to replay it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFromArtifacts, saveTfjsModel } from '../../src/convert/tfjs-io.js';
import { idxDataset } from '../../src/data/idx.js';
import { pngDirectoryDataset } from '../../src/data/png-dir.js';
import type { ImageDataset } from '../../src/data/batch.js';
import { deserializeModel, parseModelJson, serializeModel } from '../../src/ir/io.js';
import { validateModel } from '../../src/ir/validate.js';
import { idxPair } from '../helpers/idx.js';
import { mulberry32, randomInput, randomModel } from '../helpers/random-model.js';

const CASES = Number(process.env.FUZZ_CASES ?? 300);
const BOUND_MS = 3000;

type Rng = () => number;
const int = (rng: Rng, n: number) => Math.floor(rng() * n);
const HUGE: unknown[] = [2 ** 31, 2 ** 32 + 1, 1e300, -1, -(2 ** 31), 2 ** 53, 0, 1.5, Number.MAX_SAFE_INTEGER];
const WRONG: unknown[] = ['x', '', null, true, [], {}, [1, 'a'], { a: 1 }, '12'];

// ---- mutations ------------------------------------------------------------------------------

function bytesMutation(rng: Rng, b: Uint8Array, headerBytes = b.length): Uint8Array {
  const out = Uint8Array.from(b);
  switch (int(rng, 5)) {
    case 0: { // bit flips, mostly in the header
      for (let k = 1 + int(rng, 3); k > 0; k--) {
        const at = int(rng, rng() < 0.7 ? Math.min(headerBytes, out.length) : out.length);
        out[at]! ^= 1 << int(rng, 8);
      }
      return out;
    }
    case 1: return out.subarray(0, int(rng, out.length)); // truncation
    case 2: return Uint8Array.from([...out, ...Array.from({ length: 1 + int(rng, 9) }, () => int(rng, 256))]); // extension
    case 3: { // a big-endian 32-bit field set to a huge value
      const at = 4 * int(rng, Math.max(1, Math.floor(Math.min(headerBytes, out.length) / 4)));
      if (at + 4 <= out.length) new DataView(out.buffer).setUint32(at, [0xffffffff, 0x7fffffff, 0x10000, 1 << 24][int(rng, 4)]!);
      return out;
    }
    default: { // random bytes over a span
      const at = int(rng, out.length);
      for (let i = at; i < Math.min(out.length, at + 1 + int(rng, 16)); i++) out[i] = int(rng, 256);
      return out;
    }
  }
}

/** Every [parent, key] of a JSON value. */
function slots(v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) (out.push([v as Record<string, unknown>, k]), slots(x, out));
  return out;
}

function jsonMutation(rng: Rng, value: unknown, only?: (path: unknown) => boolean): unknown {
  const doc = structuredClone(value);
  const all = slots(doc).filter(([p]) => !only || only(p));
  for (let k = 1 + int(rng, 2); k > 0 && all.length; k--) {
    const [parent, key] = all[int(rng, all.length)]!;
    const p = parent as Record<string | number, unknown>;
    const r = int(rng, 4);
    if (r === 0) p[key] = HUGE[int(rng, HUGE.length)];
    else if (r === 1) p[key] = WRONG[int(rng, WRONG.length)];
    else if (r === 2 && !Array.isArray(parent)) delete p[key];
    else p[key] = typeof p[key] === 'number' ? -(p[key] as number) - 1 : structuredClone(p[key]) ?? 0;
  }
  return doc;
}

function textMutation(rng: Rng, text: string): string {
  const r = int(rng, 3);
  if (r === 0) return text.slice(0, int(rng, text.length));
  const at = int(rng, text.length);
  if (r === 1) return text.slice(0, at) + String.fromCharCode(32 + int(rng, 90)) + text.slice(at + 1);
  return text.slice(0, at) + text.slice(at + 1 + int(rng, 20));
}

// ---- the oracle -----------------------------------------------------------------------------

/**
 * Runs one case within BOUND_MS. It may succeed (then `check` judges the result), or fail with
 * an Error naming `source`. Returns 'ok' or 'error' for the tally.
 */
async function oneCase<T>(label: string, source: string, run: () => Promise<T>, check: (r: T) => void = () => {}): Promise<'ok' | 'error'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${label} took more than ${BOUND_MS} ms`)), BOUND_MS);
  });
  try {
    const r = await Promise.race([run(), bound]);
    check(r);
    return 'ok';
  } catch (e) {
    if (String(e).startsWith('Error: HANG')) throw e;
    expect(e, `${label}: a non-Error was thrown`).toBeInstanceOf(Error);
    const msg = (e as Error).message;
    expect(msg, `${label}: the message must name ${source}; got ${(e as Error).stack}`).toContain(source);
    expect(msg.length, `${label}: a message of one line, not a dump`).toBeLessThan(2000);
    return 'error';
  } finally {
    clearTimeout(timer);
  }
}

async function readAll(ds: ImageDataset): Promise<number> {
  let n = 0;
  for await (const b of ds.batches({ batchSize: 3 })) {
    expect(b.images.length).toBe(b.n * b.shape[0] * b.shape[1] * b.shape[2]);
    n += b.n;
  }
  return n;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spikemesh-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzzed inputs end in a correct result or a clear error', () => {
  it(`spikemesh model .json/.bin pairs (${CASES} cases)`, async () => {
    const tally = { ok: 0, error: 0 };
    for (let c = 0; c < CASES; c++) {
      const rng = mulberry32(1000 + c);
      const spec = randomModel(c % 7, { inputShape: [6, 6, 2] });
      const { json, bin } = serializeModel(spec, { weightsFile: 'fz.bin' });
      let text = JSON.stringify(json);
      let weights = bin;
      const what = int(rng, 3);
      if (what === 0) text = JSON.stringify(jsonMutation(rng, json));
      else if (what === 1) text = textMutation(rng, text);
      else weights = bytesMutation(rng, bin, 64);
      tally[await oneCase(`model case ${c} (seed ${1000 + c})`, 'fz.json', async () => deserializeModel(parseModelJson(text, 'fz.json'), weights, 'fz.json'), (m) => {
        expect(validateModel(m)).toEqual(m);
      })]++;
    }
    expect(tally.error).toBeGreaterThan(CASES / 4);
  }, 60_000);

  it(`tfjs model.json manifests and weights (${CASES} cases)`, async () => {
    const L = tf.layers;
    const model = tf.sequential({ layers: [
      L.inputLayer({ inputShape: [6, 6, 1] }),
      L.conv2d({ name: 'conv', filters: 2, kernelSize: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      L.flatten({ name: 'flat' }),
      L.dense({ name: 'dense', units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ] });
    const d = join(dir, 'tfjs');
    await saveTfjsModel(model, d);
    const json = JSON.parse(readFileSync(join(d, 'model.json'), 'utf8')) as Record<string, unknown>;
    const weights = new Uint8Array(readFileSync(join(d, 'weights.bin')));
    const source = 'fz/model.json';
    const tensorsBefore = tf.memory().numTensors;
    const tally = { ok: 0, error: 0 };
    for (let c = 0; c < CASES; c++) {
      const rng = mulberry32(5000 + c);
      let doc: unknown = json;
      let w: Uint8Array = weights;
      const what = int(rng, 4);
      if (what === 0) doc = { ...json, weightsManifest: jsonMutation(rng, json.weightsManifest) };
      else if (what === 1) doc = jsonMutation(rng, json, (p) => p === doc || !Array.isArray(p)); // anywhere, topology included
      else if (what === 2) w = bytesMutation(rng, weights, weights.length);
      else doc = int(rng, 2) ? WRONG[int(rng, WRONG.length)] : { ...json, modelTopology: WRONG[int(rng, WRONG.length)] };
      const read = async (p: string) => (p === 'weights.bin' ? w.slice().buffer as ArrayBuffer : undefined);
      tally[await oneCase(`tfjs case ${c} (seed ${5000 + c})`, source, async () => {
        const m = await modelFromArtifacts(doc, read, source);
        m.dispose();
        return m;
      })]++;
    }
    expect(tally.error).toBeGreaterThan(CASES / 4);
    console.log(`tfjs fuzz: ${tally.ok} loaded, ${tally.error} refused; tensors ${tensorsBefore} -> ${tf.memory().numTensors}`);
    expect(tf.memory().numTensors - tensorsBefore).toBeLessThan(10); // failed cases do not keep their tensors
  }, 60_000);

  it(`IDX files, raw and gzipped, in memory and on disk (${CASES} cases)`, async () => {
    const pair = idxPair(randomInput(3, [5, 4, 1], 7, 8).data, [1, 2, 3, 4, 5, 6, 7], 5, 4);
    const tally = { ok: 0, error: 0 };
    for (let c = 0; c < CASES; c++) {
      const rng = mulberry32(9000 + c);
      const labels = int(rng, 2) === 0;
      const raw = labels ? pair.labels : pair.images;
      const mutated = bytesMutation(rng, raw, labels ? 8 : 16);
      const gz = int(rng, 3) === 0;
      const bytes = gz ? (int(rng, 2) ? gzipSync(mutated) : bytesMutation(rng, gzipSync(raw), 12)) : mutated;
      const onDisk = int(rng, 2) === 0;
      const file = join(dir, `fz-${c}${gz ? '.gz' : ''}`);
      if (onDisk) writeFileSync(file, bytes);
      const src = onDisk ? file : bytes;
      const source = onDisk ? file : `<${bytes.length} bytes in memory>`;
      const sources = labels ? { images: pair.images, labels: src } : { images: src };
      tally[await oneCase(`IDX case ${c} (seed ${9000 + c})`, labels && !onDisk ? 'bytes in memory' : source, async () => readAll(await idxDataset(sources)), (n) => {
        expect(n).toBe(7);
      })]++;
    }
    expect(tally.error).toBeGreaterThan(CASES / 4);
  }, 60_000);

  it(`PNG files in a dataset directory (${CASES} cases)`, async () => {
    const png = new PNG({ width: 8, height: 6, colorType: 0, inputColorType: 6 });
    for (let i = 0; i < png.data.length; i++) png.data[i] = i % 4 === 3 ? 255 : (i * 7) % 256;
    const valid = new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 6 }));
    const tally = { ok: 0, error: 0 };
    for (let c = 0; c < CASES; c++) {
      const rng = mulberry32(13000 + c);
      const d = join(dir, `png-${c}`);
      mkdirSync(join(d, 'a'), { recursive: true });
      writeFileSync(join(d, 'a', '0.png'), valid);
      const file = join(d, 'a', '1.png');
      writeFileSync(file, bytesMutation(rng, valid, 33));
      tally[await oneCase(`PNG case ${c} (seed ${13000 + c})`, file, async () => readAll(await pngDirectoryDataset(d)), (n) => {
        expect(n).toBe(2);
      })]++;
      rmSync(d, { recursive: true });
    }
    expect(tally.error).toBeGreaterThan(CASES / 4);
  }, 60_000);
});
