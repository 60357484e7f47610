// Keras files -> tfjs LayersModel: Keras 3 `.keras` (a zip of config.json, model.weights.h5 and
// metadata.json) and full-model `.h5` files (tf.keras 2 and Keras 3's legacy writer: the
// `model_config` attribute and the `model_weights` group). The Keras config is normalised into
// the Keras 2 JSON that tfjs's `modelFromJSON` parses (tfjs reads the same Keras layer configs
// and weight layouts), the model is built, and the weights are set from the HDF5 file in each
// layer's weight order. Keras is channels-last, as the engine: nothing is transposed.
import * as tf from '@tensorflow/tfjs';
import { unzipSync } from 'fflate';
import { withHdf5, type Hdf5Reader } from './hdf5.js';
import { serialLayers } from './tfjs.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Largest size-like config value, and product of a shape, a real model has (as tfjs-io's check). */
const MAX_SIZE = 2 ** 24;
const SIZE_KEYS = new Set(['units', 'filters', 'kernel_size', 'batch_input_shape', 'batch_shape', 'input_dim', 'output_dim',
  'depth_multiplier', 'target_shape', 'pool_size', 'strides']);
/** The largest member of a .keras zip that is inflated, and the largest inflation ratio. */
const MAX_MEMBER = 1 << 30;
const MAX_RATIO = 2000;

/** Training-only Keras classes that tfjs does not have: read as a Dropout of the same name. */
const AS_DROPOUT = new Set(['SpatialDropout2D', 'SpatialDropout3D']);
/** Keras 3 config keys tfjs does not know and that do not change inference. */
const DROP_KEYS = new Set(['module', 'registered_name', 'build_config', 'compile_config', 'shared_object_id', 'optional',
  'lora_rank', 'lora_alpha', 'quantization_config', 'ragged']);
const CONSTRAINTS = new Set(['NonNeg', 'MaxNorm', 'MinMaxNorm', 'UnitNorm']);
const MODEL_CLASSES = new Set(['Sequential', 'Functional', 'Model']);

/** A Keras 3 dtype policy object (or a string) -> the dtype tfjs computes in (float32 only). */
function dtypeOf(v: unknown): string {
  if (typeof v === 'string') return v === 'float32' || v === 'int32' || v === 'bool' ? v : 'float32';
  return 'float32';
}

function registered(): Set<string> {
  return new Set(Object.keys(tf.serialization.SerializationMap.getMap().classNameMap));
}

/** Recursively drops Keras 3 bookkeeping and normalises the leaves tfjs parses differently. */
function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (DROP_KEYS.has(k)) continue;
    if (k === 'dtype') out[k] = dtypeOf(isObject(x) ? (x.config as Json | undefined)?.name : x);
    else if (k.endsWith('_initializer')) out[k] = { class_name: 'Zeros', config: {} }; // the weights are set from the file
    else if (k.endsWith('_regularizer')) out[k] = null; // training only
    else if (k.endsWith('_constraint')) out[k] = isObject(x) && CONSTRAINTS.has(String(x.class_name)) ? strip(x) : null;
    else out[k] = strip(x);
  }
  return out;
}

/** Keras 3 functional inbound nodes ({args: [keras tensors]}) -> Keras 2 lists [[layer, node, tensor, {}]]. */
function inboundNodes(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    if (!isObject(node)) return node;
    const refs: unknown[] = [];
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (isObject(x)) {
        if (x.class_name === '__keras_tensor__' && isObject(x.config) && Array.isArray(x.config.keras_history)) {
          const [name, n, t] = x.config.keras_history as [string, number, number];
          refs.push([name, n, t, {}]);
        } else Object.values(x).forEach(walk);
      }
    };
    walk(node.args);
    return refs;
  });
}

/** ["x", 0, 0] (Keras 3, one input) -> [["x", 0, 0]] */
const tensorList = (v: unknown) => (Array.isArray(v) && typeof v[0] === 'string' ? [v] : v);

/** One layer entry of a Keras 2 or 3 config -> what tfjs deserialises; throws for what it cannot. */
function normaliseLayer(entry: unknown, known: Set<string>, source: string, functional: boolean): Json {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new Error(`${source}: a layer entry of the model config has no class_name and config`);
  }
  let cls = entry.class_name;
  const cfg = entry.config;
  const name = String(cfg.name ?? entry.name ?? '?');
  if (cls === 'Lambda') {
    throw new Error(`${source}: layer '${name}' is a Lambda layer (Python code, which only Python can run): ` +
      'replace it with built-in Keras layers');
  }
  if (MODEL_CLASSES.has(cls)) {
    throw new Error(`${source}: layer '${name}' is a nested ${cls} model: only flat models can be read (build one model from its layers)`);
  }
  const module = typeof entry.module === 'string' ? entry.module : undefined;
  const custom = (module !== undefined && !module.startsWith('keras')) || (entry.registered_name != null && entry.registered_name !== cls);
  if (custom || (!known.has(cls) && !AS_DROPOUT.has(cls))) {
    const reg = typeof entry.registered_name === 'string' ? ` (registered as '${entry.registered_name}')` : '';
    throw new Error(`${source}: layer '${name}' has the custom class '${cls}'${reg}: only Keras's built-in layers can be read`);
  }
  const config = strip(cfg) as Json;
  if (cls === 'InputLayer') {
    if (config.batch_shape !== undefined) config.batch_input_shape = config.batch_shape;
    delete config.batch_shape;
    delete config.sparse;
  }
  if (AS_DROPOUT.has(cls)) {
    cls = 'Dropout';
    for (const k of Object.keys(config)) if (!['name', 'rate', 'trainable', 'dtype'].includes(k)) delete config[k];
  }
  if ('groups' in config) {
    if (config.groups !== 1 && config.groups !== undefined && config.groups !== null) {
      throw new Error(`${source}: layer '${name}' (${cls}) is a grouped convolution (groups ${config.groups}): not supported`);
    }
    delete config.groups;
  }
  const out: Json = { class_name: cls, config };
  if (functional) {
    if (entry.name !== undefined && entry.name !== cfg.name) {
      throw new Error(`${source}: layer entry '${String(entry.name)}' has the config name '${String(cfg.name)}': the model config is inconsistent`);
    }
    out.name = name;
    out.inbound_nodes = inboundNodes(entry.inbound_nodes);
  }
  return out;
}

/**
 * Every layer of a functional config reads layers listed before it, and the model's inputs and
 * outputs are listed layers (Keras writes them in this order). tfjs would loop forever on a
 * reference it cannot resolve, so a damaged config is refused here.
 */
function checkOrder(layers: Json[], inputs: unknown, outputs: unknown, source: string): void {
  const seen = new Set<string>();
  for (const l of layers) {
    const name = String(l.name);
    if (seen.has(name)) throw new Error(`${source}: two layers are named '${name}'`);
    const nodes = (l.inbound_nodes as unknown[]) ?? [];
    if (l.class_name !== 'InputLayer' && nodes.length === 0) {
      throw new Error(`${source}: layer '${name}' reads no layer: the model config is inconsistent`);
    }
    for (const node of nodes) {
      if (!Array.isArray(node) || node.length === 0) throw new Error(`${source}: layer '${name}' has a call without inputs: the model config is inconsistent`);
      for (const ref of node) {
        const from = Array.isArray(ref) ? String(ref[0]) : '?';
        if (!seen.has(from)) {
          throw new Error(`${source}: layer '${name}' reads '${from}', which is not a layer before it: the model config is inconsistent`);
        }
        // every layer of a chain is called once and has one output
        if (ref[1] !== 0 || ref[2] !== 0) {
          throw new Error(`${source}: layer '${name}' reads call ${JSON.stringify(ref[1])}, output ${JSON.stringify(ref[2])} of '${from}': ` +
            'only models whose layers are called once can be read');
        }
      }
    }
    seen.add(name);
  }
  for (const [what, list] of [['input', inputs], ['output', outputs]] as const) {
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${source}: the model config lists no ${what} layers`);
    for (const ref of list) {
      const n = Array.isArray(ref) ? String(ref[0]) : '?';
      if (!seen.has(n)) throw new Error(`${source}: the model's ${what} '${n}' is not one of its layers`);
      if (ref[1] !== 0 || ref[2] !== 0) throw new Error(`${source}: the model's ${what} '${n}' names call ${JSON.stringify(ref[1])}, output ${JSON.stringify(ref[2])}`);
    }
  }
}

/** A Keras (2 or 3) model config -> a tfjs modelTopology; throws naming what cannot be read. */
export function normaliseKerasConfig(config: unknown, source: string): Json {
  if (!isObject(config) || typeof config.class_name !== 'string') {
    throw new Error(`${source}: the model config is not a Keras model (no class_name)`);
  }
  const cls = config.class_name;
  const known = registered();
  if (cls === 'Sequential') {
    const inner = config.config;
    const layers = Array.isArray(inner) ? inner : isObject(inner) ? inner.layers : undefined;
    if (!Array.isArray(layers)) throw new Error(`${source}: the Sequential config has no layer list`);
    const name = isObject(inner) && typeof inner.name === 'string' ? inner.name : 'sequential';
    const out: Json = { name, layers: layers.map((l) => normaliseLayer(l, known, source, false)) };
    // Keras 2 Sequential without an InputLayer keeps the input shape on the first layer
    return { class_name: 'Sequential', config: out, keras_version: '2.15.0', backend: 'tensorflow' };
  }
  if (cls === 'Functional' || cls === 'Model') {
    const inner = config.config;
    if (!isObject(inner) || !Array.isArray(inner.layers)) throw new Error(`${source}: the ${cls} config has no layer list`);
    const layers = inner.layers.map((l) => normaliseLayer(l, known, source, true));
    checkOrder(layers, tensorList(inner.input_layers), tensorList(inner.output_layers), source);
    const out: Json = {
      name: String(inner.name ?? 'model'),
      layers,
      input_layers: tensorList(inner.input_layers),
      output_layers: tensorList(inner.output_layers),
    };
    return { class_name: 'Functional', config: out, keras_version: '2.15.0', backend: 'tensorflow' };
  }
  throw new Error(`${source}: the model is a '${cls}': only Sequential and Functional models can be read`);
}

/** Refuses layer sizes beyond any real model before tfjs allocates them. */
function checkSizes(topology: unknown, source: string): void {
  const visit = (v: unknown, path: string, depth: number): void => {
    if (depth > 64) throw new Error(`${source}: the model config is nested deeper than 64 levels`);
    if (Array.isArray(v)) return v.forEach((x, i) => visit(x, `${path}[${i}]`, depth + 1));
    if (!isObject(v)) return;
    for (const [k, x] of Object.entries(v)) {
      if (SIZE_KEYS.has(k)) {
        const values = (Array.isArray(x) ? x : [x]).filter((d) => d !== null);
        const bad = values.find((d) => typeof d !== 'number' || !Number.isSafeInteger(d) || d < -1 || d > MAX_SIZE);
        if (bad !== undefined) {
          throw new Error(`${source}: the model config ${path}.${k} holds ${JSON.stringify(bad)}, expected integers up to ${MAX_SIZE}`);
        }
        const product = values.reduce((a: number, d) => a * Math.max(1, d as number), 1);
        if (product > MAX_SIZE * 16) throw new Error(`${source}: the model config ${path}.${k} is [${values.join(', ')}]: too large`);
      } else visit(x, `${path}.${k}`, depth + 1);
    }
  };
  visit(topology, '', 0);
}

/** Where each layer's weights are in the HDF5 file, in the layer's weight order. */
type WeightIndex = (layer: string) => string[] | undefined;

/** Keras 3 model.weights.h5: layers/<key>/vars/0..n-1, the layer's name in the vars group's `name` attribute. */
function keras3Index(f: Hdf5Reader): WeightIndex {
  const map = new Map<string, string[]>();
  const scan = (base: string, depth: number) => {
    if (depth > 4) return;
    for (const key of f.keys(`${base}layers`)) {
      const at = `${base}layers/${key}`;
      const vars = f.keys(`${at}/vars`).filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
      const name = f.attr(`${at}/vars`, 'name');
      const layer = typeof name === 'string' ? name : key;
      if (!map.has(layer)) map.set(layer, vars.map((v) => `${at}/vars/${v}`));
      scan(`${at}/`, depth + 1);
    }
  };
  scan('', 0);
  return (layer) => map.get(layer);
}

const names = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : ArrayBuffer.isView(v) ? [] : undefined;

/** Legacy full-model .h5: model_weights/<layer> with `weight_names`, each a path under the layer's group. */
function legacyIndex(f: Hdf5Reader, root: string): WeightIndex {
  return (layer) => {
    const at = `${root}/${layer}`;
    const list = names(f.attr(at, 'weight_names'));
    return list?.map((w) => `${at}/${w}`);
  };
}

/** Sets every layer's weights from the file, checking count, shape, type and finiteness. */
function setWeights(model: tf.LayersModel, f: Hdf5Reader, index: WeightIndex, source: string, what: string): void {
  for (const layer of model.layers) {
    const expected = layer.weights;
    if (expected.length === 0) continue;
    const paths = index(layer.name);
    if (!paths) throw new Error(`${source}: ${what} has no weights for layer '${layer.name}' (${layer.getClassName()})`);
    if (paths.length !== expected.length) {
      throw new Error(`${source}: layer '${layer.name}' (${layer.getClassName()}) has ${expected.length} weights ` +
        `(${expected.map((w) => w.originalName.split('/').pop()).join(', ')}) but ${what} holds ${paths.length}`);
    }
    const tensors: tf.Tensor[] = [];
    try {
      paths.forEach((p, i) => {
        const want = expected[i]!;
        const d = f.dataset(p);
        if (!d) throw new Error(`${source}: ${what}: weight '${p}' of layer '${layer.name}' is missing`);
        if (d.shape.join() !== want.shape.join()) {
          throw new Error(`${source}: layer '${layer.name}': weight '${p}' has shape [${d.shape}] in ${what} but the layer expects [${want.shape}]`);
        }
        if (!d.float) throw new Error(`${source}: layer '${layer.name}': weight '${p}' is not floating point (${d.dtype})`);
        const values = f.readFloat32(p);
        if (values.length !== (want.shape as number[]).reduce((a: number, b) => a * (b ?? 1), 1)) {
          throw new Error(`${source}: layer '${layer.name}': weight '${p}' holds ${values.length} values, expected [${want.shape}]`);
        }
        const bad = values.findIndex((x) => !Number.isFinite(x));
        if (bad >= 0) throw new Error(`${source}: layer '${layer.name}': weight '${p}' holds ${values[bad]} at flat index ${bad}`);
        tensors.push(tf.tensor(values, want.shape as number[], 'float32'));
      });
      layer.setWeights(tensors);
    } finally {
      tf.dispose(tensors);
    }
  }
}

async function buildModel(configJson: unknown, source: string): Promise<tf.LayersModel> {
  const topology = normaliseKerasConfig(configJson, source);
  checkSizes(topology, source);
  let model: tf.LayersModel;
  try {
    model = await tf.models.modelFromJSON({ modelTopology: topology as unknown as tf.io.ModelJSON['modelTopology'] });
  } catch (err) {
    throw new Error(`${source}: cannot build the model from its Keras config: ${(err as Error).message}`);
  }
  return model;
}

/** serialLayers with the file named: a branching graph is refused when the file is read. */
function checkChain(model: tf.LayersModel, source: string): void {
  try {
    serialLayers(model);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

function parseJson(text: string, source: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: ${what} is not valid JSON (${(err as Error).message})`);
  }
}

/** Reads a Keras 3 `.keras` file (zip) from its bytes. */
export async function kerasFromZip(bytes: Uint8Array, source: string): Promise<tf.LayersModel> {
  let files: Record<string, Uint8Array>;
  const wanted = new Set(['config.json', 'model.weights.h5', 'metadata.json']);
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (!wanted.has(f.name)) return false;
        if (f.originalSize > MAX_MEMBER || f.originalSize > Math.max(f.size, 1) * MAX_RATIO + (1 << 20)) {
          throw new Error(`member '${f.name}' claims ${f.originalSize} bytes from ${f.size}: not a real model`);
        }
        return true;
      },
    });
  } catch (err) {
    throw new Error(`${source}: not a readable .keras zip (truncated or corrupt: ${(err as Error).message})`);
  }
  const config = files['config.json'];
  const weights = files['model.weights.h5'];
  if (!config) throw new Error(`${source}: the zip has no config.json: not a Keras 3 .keras file`);
  if (!weights) throw new Error(`${source}: the .keras zip has no model.weights.h5 (weights saved in another format are not supported)`);
  const json = parseJson(new TextDecoder().decode(config), source, 'config.json');
  const model = await buildModel(json, source);
  try {
    checkChain(model, source);
    await withHdf5(weights, source, 'model.weights.h5', (f) => setWeights(model, f, keras3Index(f), source, 'model.weights.h5'));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}

/** Reads a full-model Keras `.h5` (tf.keras 2 or Keras 3's legacy writer) from its bytes. */
export async function kerasFromH5(bytes: Uint8Array, source: string): Promise<tf.LayersModel> {
  return withHdf5(bytes, source, 'the .h5 file', async (f) => {
    const cfg = f.attr('/', 'model_config');
    if (cfg === undefined) {
      const weightsOnly = f.attr('/', 'layer_names') !== undefined || f.keys('/').includes('layers');
      throw new Error(`${source}: the HDF5 file has no 'model_config' attribute: ${weightsOnly
        ? 'it holds weights only (save the full model: model.save("model.h5") or "model.keras")'
        : 'not a Keras model file'}`);
    }
    const text = typeof cfg === 'string' ? cfg : ArrayBuffer.isView(cfg) ? new TextDecoder().decode(cfg as Uint8Array) : String(cfg);
    const root = f.keys('/').includes('model_weights') ? 'model_weights' : '';
    const model = await buildModel(parseJson(text, source, "the 'model_config' attribute"), source);
    try {
      checkChain(model, source);
      setWeights(model, f, legacyIndex(f, root), source, 'the .h5 file');
    } catch (err) {
      model.dispose();
      throw err;
    }
    return model;
  });
}
