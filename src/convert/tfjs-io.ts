// Loading and saving tfjs LayersModels (model.json + weight files) with errors that name the
// file, the weight and the layer. The parsing is environment-free; only loadTfjsModel and
// saveTfjsModel touch the file system, through dynamic imports (Node only).
import * as tf from '@tensorflow/tfjs';
import './qlayers.js'; // registers the quantization-aware layers before any model is parsed
import { addPendingOutput, httpUrl, readFailure, removePendingOutput, writeFilePair, type PairFs } from '../ir/files.js';
import { jsonSyntaxError } from '../ir/io.js';

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/** Reads one weight file named in the manifest; resolves undefined when it does not exist. */
export type WeightFileReader = (path: string) => Promise<ArrayBuffer | undefined>;

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

function weightBytes(w: ManifestWeight, source: string): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  const per = BYTES[dtype];
  if (per === undefined) throw new Error(`${source}: weight '${w.name}' has unsupported dtype '${dtype}'`);
  return w.shape.reduce((a, b) => a * b, 1) * per;
}

function parseManifest(json: Record<string, unknown>, source: string): ManifestGroup[] {
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) throw new Error(`${source}: no 'weightsManifest' array (is this a tfjs LayersModel model.json?)`);
  return manifest.map((g: unknown, gi: number) => {
    const group = g as Partial<ManifestGroup>;
    if (!Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new Error(`${source}: weightsManifest[${gi}] needs 'paths' and 'weights' arrays`);
    }
    if (!group.paths.every((p) => typeof p === 'string' && p !== '')) {
      throw new Error(`${source}: weightsManifest[${gi}].paths must hold file names (strings)`);
    }
    group.weights.forEach((w: ManifestWeight, wi: number) => {
      if (typeof w?.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') {
        throw new Error(`${source}: weightsManifest[${gi}] has an entry without name, shape and dtype`);
      }
      const bad = w.shape.findIndex((d) => !Number.isSafeInteger(d) || (d as number) < 0);
      if (bad >= 0) {
        const found = typeof w.shape[bad] === 'number' ? String(w.shape[bad]) : `a ${typeof w.shape[bad]}`;
        throw new Error(`${source}: weightsManifest[${gi}].weights[${wi}] ('${w.name}'): shape[${bad}] is ${found}, expected a non-negative integer`);
      }
    });
    return group as ManifestGroup;
  });
}

/**
 * Reads the weight files of every manifest group and checks that their sizes match the
 * manifest exactly: a missing or truncated file names the weights it should hold.
 */
async function readWeights(
  groups: ManifestGroup[],
  read: WeightFileReader,
  source: string,
): Promise<{ specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer }> {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of groups) {
    const files: Array<{ path: string; bytes: number; start: number }> = [];
    let total = 0;
    for (const path of group.paths) {
      const buf = await read(path);
      if (!buf) {
        const names = group.weights.map((w) => w.name).join(', ');
        throw new Error(`${source}: weight file '${path}' is missing (its group holds ${names})`);
      }
      files.push({ path, bytes: buf.byteLength, start: total });
      total += buf.byteLength;
      buffers.push(buf);
    }
    const fileAt = (offset: number) => [...files].reverse().find((f) => f.start <= offset) ?? files[0];
    let offset = 0;
    for (const w of group.weights) {
      const need = weightBytes(w, source);
      if (offset + need > total) {
        const file = fileAt(Math.min(offset, Math.max(total - 1, 0)));
        throw new Error(
          `${source}: weight file '${file?.path ?? group.paths.join(', ')}' is truncated: weight '${w.name}' ` +
            `[${w.shape}] needs bytes ${offset}..${offset + need} of the group but its files hold ${total}`,
        );
      }
      offset += need;
      specs.push(w as tf.io.WeightsManifestEntry);
    }
    if (offset !== total) {
      throw new Error(
        `${source}: weight files ${group.paths.map((p) => `'${p}'`).join(', ')} hold ${total} bytes ` +
          `but the manifest describes ${offset} (${total - offset} extra bytes): the files do not belong to this model.json`,
      );
    }
  }
  return { specs, data: tf.io.concatenateArrayBuffers(buffers) };
}

/** Config keys that size a layer's tensors: tfjs allocates them when it builds the model. */
const SIZE_KEYS = new Set(['units', 'filters', 'kernel_size', 'batch_input_shape', 'input_dim', 'output_dim', 'depth_multiplier', 'target_shape', 'dims', 'n']);
/** Largest value of a size key, and of the product of a shape (more is not a real model). */
const MAX_SIZE = 2 ** 24;

/**
 * Refuses a topology whose layer sizes are beyond any real model before tfjs builds it (it
 * allocates and initialises every weight when it does): a damaged or hostile model.json must
 * fail with a message, not exhaust the memory.
 */
function checkTopologySizes(topology: unknown, source: string): void {
  const visit = (v: unknown, path: string, depth: number): void => {
    if (depth > 64) throw new Error(`${source}: modelTopology is nested deeper than 64 levels`);
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    if (typeof v !== 'object' || v === null) return;
    for (const [k, x] of Object.entries(v)) {
      if (SIZE_KEYS.has(k)) {
        const values = (Array.isArray(x) ? x : [x]).filter((d) => d !== null);
        const bad = values.find((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < -1 || d > MAX_SIZE);
        if (bad !== undefined) {
          const found = typeof bad === 'number' ? String(bad) : `a ${typeof bad}`;
          throw new Error(`${source}: modelTopology ${path}.${k} holds ${found}, expected integers up to ${MAX_SIZE}`);
        }
        const product = values.reduce((a: number, d) => a * Math.max(1, d as number), 1);
        if (product > MAX_SIZE * 16) throw new Error(`${source}: modelTopology ${path}.${k} is [${values.join(', ')}]: ${product} values, above ${MAX_SIZE * 16}`);
      } else {
        visit(x, `${path}.${k}`, depth + 1);
      }
    }
  };
  visit(topology, '', 0);
}

/**
 * Builds a LayersModel from a parsed model.json and its weight files. `source` names the model
 * in error messages. Weights are checked against the layers: names, shapes and finiteness.
 */
export async function modelFromArtifacts(json: unknown, read: WeightFileReader, source: string): Promise<tf.LayersModel> {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: not a JSON object`);
  const obj = json as Record<string, unknown>;
  if (obj.format === 'graph-model') {
    throw new Error(`${source}: this is a tfjs GraphModel; only LayersModels (format 'layers-model') can be converted`);
  }
  if (typeof obj.modelTopology !== 'object' || obj.modelTopology === null) {
    throw new Error(`${source}: no 'modelTopology' (is this a tfjs LayersModel model.json?)`);
  }
  const { specs, data } = await readWeights(parseManifest(obj, source), read, source);
  checkTopologySizes(obj.modelTopology, source);

  let model: tf.LayersModel;
  // a topology that fails halfway leaves the weights of the layers already built: free them
  const variables = () => tf.engine().registeredVariables;
  const before = new Set(Object.keys(variables()));
  try {
    model = await tf.models.modelFromJSON({ modelTopology: obj.modelTopology as tf.io.ModelJSON['modelTopology'] });
  } catch (err) {
    for (const [name, v] of Object.entries(variables())) if (!before.has(name)) v.dispose();
    throw new Error(`${source}: cannot build the model from its topology: ${(err as Error).message}`);
  }

  const named = tf.io.decodeWeights(data, specs);
  try {
    const used = new Set<string>();
    for (const layer of model.layers) {
      for (const v of layer.weights) {
        const name = v.originalName;
        const t = named[name];
        if (!t) throw new Error(`${source}: layer '${layer.name}' expects weight '${name}' [${v.shape}], which the manifest lacks`);
        if (t.shape.join() !== v.shape.join()) {
          throw new Error(
            `${source}: weight '${name}' has shape [${t.shape}] in the manifest but layer '${layer.name}' expects [${v.shape}]`,
          );
        }
        if (t.dtype === 'float32') {
          const values = t.dataSync();
          const bad = values.findIndex((x) => !Number.isFinite(x));
          if (bad >= 0) {
            throw new Error(`${source}: layer '${layer.name}': weight '${name}' holds ${values[bad]} at flat index ${bad}`);
          }
        }
        used.add(name);
      }
    }
    const extra = Object.keys(named).filter((n) => !used.has(n));
    if (extra.length) throw new Error(`${source}: the manifest has weights no layer uses: ${extra.join(', ')}`);
    model.loadWeights(named, true);
  } catch (err) {
    model.dispose();
    throw err;
  } finally {
    tf.dispose(Object.values(named));
  }
  return model;
}

// A variable specifier keeps browser bundlers from resolving node:fs (as src/ir/files.ts).
const FS_MODULE = 'node:fs/promises';
function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import(/* @vite-ignore */ FS_MODULE);
}

/** `name` resolved against the directory of `path` ('/' or '\\' separated). */
function beside(path: string, name: string): string {
  if (name.startsWith('/')) return name;
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1) + name;
}

/** Loads model.json and the weight files it names (Node; paths relative to model.json). */
export async function loadTfjsModel(path: string): Promise<tf.LayersModel> {
  const fs = await nodeFs();
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${path}: cannot read the model: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${path}: not valid JSON: ${jsonSyntaxError(err)}`);
  }
  const read: WeightFileReader = async (p) => {
    try {
      const b = await fs.readFile(beside(path, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Error(`${path}: cannot read weight file '${p}' (${readFailure(err)})`);
    }
  };
  return modelFromArtifacts(json, read, path);
}

/** Loads a LayersModel over fetch (browser or Node), with the same checks; http(s) URLs only. */
export async function fetchTfjsModel(url: string): Promise<tf.LayersModel> {
  const at = httpUrl(url, url);
  const res = await fetch(at);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  let json: unknown;
  try {
    json = JSON.parse(await res.text());
  } catch (err) {
    throw new Error(`${url}: not valid JSON: ${jsonSyntaxError(err)}`);
  }
  const read: WeightFileReader = async (p) => {
    const r = await fetch(httpUrl(p, url, at));
    return r.ok ? r.arrayBuffer() : undefined;
  };
  return modelFromArtifacts(json, read, url);
}

/** Writes a file through a temporary name so no partial file is left on failure or interruption (Node). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const fs = await nodeFs();
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  addPendingOutput(tmp);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  } finally {
    removePendingOutput(tmp);
  }
}

/** The weight files a tfjs model.json names (every group's paths). */
function weightPathsOf(text: string): string[] | undefined {
  try {
    const manifest = (JSON.parse(text) as { weightsManifest?: Array<{ paths?: unknown }> }).weightsManifest;
    if (!Array.isArray(manifest)) return undefined;
    return manifest.flatMap((g) => (Array.isArray(g?.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : []));
  } catch {
    return undefined;
  }
}

/**
 * Saves a LayersModel as `dir/model.json` + `dir/weights.bin` (Node), atomically as a pair
 * (writeFilePair in src/ir/files.ts): a failure or an interruption leaves the previous pair or
 * the new one. `fs` is for tests (a file system that fails on cue).
 */
export async function saveTfjsModel(model: tf.LayersModel, dir: string, fs?: PairFs): Promise<void> {
  const nodefs = await nodeFs();
  await nodefs.mkdir(dir, { recursive: true });
  const join = (d: string, f: string) => `${d.replace(/[\\/]+$/, '')}/${f}`;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const json = (binName: string) => ({
        format: 'layers-model',
        generatedBy: artifacts.generatedBy,
        convertedBy: 'spikemesh',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [binName], weights: artifacts.weightSpecs ?? [] }],
      });
      await writeFilePair({
        json: join(dir, 'model.json'),
        binName: 'weights.bin',
        bin: new Uint8Array(weights),
        jsonText: (name) => `${JSON.stringify(json(name))}\n`,
        binNamesOf: weightPathsOf,
      }, fs ?? nodefs);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    }),
  );
}
