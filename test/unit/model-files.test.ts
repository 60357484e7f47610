// saveModel / loadModel / fetchModel: real files in a temporary directory, a real local HTTP
// server, and failures that must leave no partial file behind.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchModel, loadModel, saveModel } from '../../src/ir/files.js';
import type { ModelSpec } from '../../src/ir/types.js';
import { validateModel } from '../../src/ir/validate.js';
import { act, conv, dense, inputData, model } from '../helpers/builders.js';

function small(threshold = 3): ModelSpec {
  return {
    ...model(
      inputData([4, 4, 1], 8, 'in'),
      conv({ name: 'c', kernel: [3, 3], padding: 'same', filters: 2, weightBits: 2, weights: Array.from({ length: 18 }, (_, i) => (i % 3) - 1), activation: act(2, [threshold, 5], [16, 24]) }),
      dense({ name: 'fc', units: 3, weightBits: 4, weights: Array.from({ length: 96 }, (_, i) => (i % 15) - 7), activation: null }),
    ),
    name: 'small',
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'spikemesh-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const d = join(dir, name);
  await mkdir(d);
  return d;
}

describe('saveModel / loadModel', () => {
  it('writes model.json and model.bin beside it and reads them back', async () => {
    const d = await freshDir('roundtrip');
    const path = join(d, 'model.json');
    const written = await saveModel(small(), path);
    expect(written).toEqual({ json: path, bin: join(d, 'model.bin') });
    expect((await readdir(d)).sort()).toEqual(['model.bin', 'model.json']);
    const json = JSON.parse(await readFile(path, 'utf8'));
    expect(json.weightsFile).toBe('model.bin');
    expect(await loadModel(path)).toEqual(validateModel(small()));
  });

  it('overwrites an existing model', async () => {
    const d = await freshDir('overwrite');
    const path = join(d, 'm.json');
    await saveModel(small(3), path);
    await saveModel(small(9), path);
    const back = (await loadModel(path)).layers[1] as { activation: { threshold: Int32Array } };
    expect(Array.from(back.activation.threshold)).toEqual([9, 5]);
    expect((await readdir(d)).sort()).toEqual(['m.bin', 'm.json']);
  });

  it('writes nothing for an invalid model', async () => {
    const d = await freshDir('invalid');
    const bad = small();
    (bad.layers[1] as { weightBits: number }).weightBits = 3;
    await expect(saveModel(bad, join(d, 'model.json'))).rejects.toThrow("layer 1 'c': weightBits is 3");
    expect(await readdir(d)).toEqual([]);
  });

  it('leaves no partial or temporary file when a write fails, and keeps the previous model', async () => {
    const d = await freshDir('failure');
    const path = join(d, 'model.json');
    await saveModel(small(3), path);
    // Make the .bin target a non-empty directory: renaming the new .bin onto it fails.
    await rm(join(d, 'model.bin'));
    await mkdir(join(d, 'model.bin'));
    await writeFile(join(d, 'model.bin', 'keep'), 'x');
    const before = await readFile(path, 'utf8');
    await expect(saveModel(small(9), path)).rejects.toThrow(/^.*model\.json: could not save the model \(.+\)$/);
    expect((await readdir(d)).sort()).toEqual(['model.bin', 'model.json']);
    expect(await readFile(path, 'utf8')).toBe(before);
  });

  it('fails in an unwritable place without leaving files', async () => {
    const d = await freshDir('missing-dir');
    await expect(saveModel(small(), join(d, 'no', 'such', 'model.json'))).rejects.toThrow(/could not save the model \(ENOENT/);
    expect(await readdir(d)).toEqual([]);
  });

  it('names why a file cannot be read, never its contents: a directory, a .bin longer than its manifest (issue 15)', async () => {
    const d = await freshDir('strict');
    const path = join(d, 'model.json');
    await mkdir(path);
    await expect(loadModel(path)).rejects.toThrow(`${path}: cannot read the file (it is a directory)`);
    await rm(path, { recursive: true });
    await saveModel(small(), path);
    const bin = await readFile(join(d, 'model.bin'));
    await writeFile(join(d, 'model.bin'), Buffer.concat([bin, Buffer.from('tail')]));
    await expect(loadModel(path)).rejects.toThrow(`${path}: model.bin is ${bin.length + 4} bytes, the manifest describes ${bin.length}: 4 extra bytes`);
  });

  it('requires a .json path', async () => {
    await expect(saveModel(small(), join(dir, 'model.bin'))).rejects.toThrow('a model path must end in .json');
  });

  it('reports a missing file, a missing .bin, a truncated .bin and corrupted JSON by name', async () => {
    const d = await freshDir('broken');
    const path = join(d, 'model.json');
    await expect(loadModel(path)).rejects.toThrow(`${path}: cannot read the file (not found)`);
    await saveModel(small(), path);
    const bin = await readFile(join(d, 'model.bin'));
    await writeFile(join(d, 'model.bin'), bin.subarray(0, 20));
    await expect(loadModel(path)).rejects.toThrow(`${path}: model.bin is 20 bytes, the manifest needs ${bin.length}`);
    await rm(join(d, 'model.bin'));
    await expect(loadModel(path)).rejects.toThrow(`${path}: cannot read model.bin (not found)`);
    await writeFile(path, '{"format": "spikemesh-model", "layers": [');
    await expect(loadModel(path)).rejects.toThrow(new RegExp(`^${path.replace(/[.]/g, '\\.')}: invalid JSON`));
  });

  it('refuses a weightsFile outside the JSON directory', async () => {
    const d = await freshDir('escape');
    const path = join(d, 'model.json');
    await saveModel(small(), path);
    const json = JSON.parse(await readFile(path, 'utf8'));
    json.weightsFile = '../other.bin';
    await writeFile(path, JSON.stringify(json));
    await expect(loadModel(path)).rejects.toThrow(`${path}: weightsFile is "../other.bin", expected a file name beside the JSON`);
  });

  it('loads a hand-written JSON with inline arrays and no .bin', async () => {
    const d = await freshDir('inline');
    const path = join(d, 'inline.json');
    await writeFile(path, JSON.stringify({
      format: 'spikemesh-model', version: 1,
      layers: [
        { name: 'in', kind: 'InputData', inputShape: [1, 1, 2], inputBits: 8 },
        { name: 'fc', kind: 'FullyConnected', units: 1, weightBits: 2, weights: [1, -1], activation: null },
      ],
    }));
    const spec = await loadModel(path);
    expect(spec.layers[1]).toEqual({ name: 'fc', kind: 'FullyConnected', units: 1, weightBits: 2, weights: Int8Array.from([1, -1]), activation: null });
  });
});

describe('fetchModel', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const d = await freshDir('served');
    await saveModel(small(), join(d, 'model.json'));
    server = createServer(async (req, res) => {
      try {
        const body = await readFile(join(d, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404, 'Not Found').end();
      }
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const addr = server.address() as { port: number };
    base = `http://127.0.0.1:${addr.port}`;
  });
  afterAll(async () => {
    await new Promise((ok) => server.close(ok));
  });

  it('fetches the JSON and the .bin it names, relative to the JSON URL', async () => {
    expect(await fetchModel(`${base}/model.json`)).toEqual(validateModel(small()));
  });

  it('refuses file: and other non-HTTP URLs, for the JSON and for the weights it names (issue 15)', async () => {
    await expect(fetchModel('file:///etc/passwd')).rejects.toThrow('file:///etc/passwd: file: URLs are not fetched, only http: and https:');
    await expect(fetchModel(new URL('data:application/json,{}'))).rejects.toThrow(/data: URLs are not fetched/);
    // a weightsFile that resolves to another scheme against the JSON's URL
    await writeFile(join(dir, 'served', 'scheme.json'), JSON.stringify({ ...JSON.parse(await readFile(join(dir, 'served', 'model.json'), 'utf8')), weightsFile: 'file:model.bin' }));
    await expect(fetchModel(`${base}/scheme.json`)).rejects.toThrow(`${base}/scheme.json: file: URLs are not fetched`);
  });

  it('names the URL and the HTTP status when a file is missing', async () => {
    await writeFile(join(dir, 'served', 'nobin.json'), JSON.stringify({ ...JSON.parse(await readFile(join(dir, 'served', 'model.json'), 'utf8')), weightsFile: 'gone.bin' }));
    await expect(fetchModel(`${base}/nobin.json`)).rejects.toThrow(`${base}/nobin.json: cannot fetch gone.bin (HTTP 404 Not Found)`);
    await expect(fetchModel(`${base}/nope.json`)).rejects.toThrow(`${base}/nope.json: cannot fetch the file (HTTP 404 Not Found)`);
  });
});
