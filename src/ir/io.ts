// The model file format: a JSON document (architecture + manifest) and a binary file with the
// integer arrays, like tfjs's model.json + weightsManifest. Pure and browser-safe: files.ts does
// the reading and writing, this module only converts between ModelSpec and { json, bin }.
//
//   model.json  { format: 'spikemesh-model', version: 1, name?, inputScaling?, metadata?,
//                 layers: [ layer fields without their arrays ],
//                 weightsFile: 'model.bin',
//                 weightsManifest: [{ name: 'layers/2/weights', dtype: 'int8', offset, length }] }
//   model.bin   the arrays, little-endian, each at an offset aligned to 8 bytes
//
// An array may also be written inline in its layer (`weights: [1, -1, ...]`), which the test
// case files use; an inline array has no manifest entry.
import type { ModelSpec } from './types.js';
import { describeValue, ModelError, validateModel } from './validate.js';

export const MODEL_FORMAT = 'spikemesh-model';

/** 'uint16': actStep16 in files written before act_step reached 65535.9375 (read, widened, never written) */
export type Dtype = 'int8' | 'int32' | 'uint32' | 'uint16';

export interface ManifestEntry {
  /** where the array goes: 'layers/<index>/<field>[/<field>]' e.g. 'layers/2/activation/threshold' */
  name: string;
  dtype: Dtype;
  /** byte offset in the .bin */
  offset: number;
  /** number of values */
  length: number;
}

/** A layer in the JSON: its fields, with the integer arrays moved to the manifest (or inline). */
export type LayerJson = { name: string; kind: string } & Record<string, unknown>;

export interface ModelJson {
  format: typeof MODEL_FORMAT;
  version: 1;
  name?: string;
  inputScaling?: { scale: number; shift: number };
  metadata?: Record<string, unknown>;
  layers: LayerJson[];
  /** the .bin beside the JSON (set by saveModel) */
  weightsFile?: string;
  weightsManifest: ManifestEntry[];
}

/** The dtype of every array field of the IR, by field name (the last part of a manifest name). */
const FIELD_DTYPES: Readonly<Record<string, Dtype>> = {
  weights: 'int8',
  depthwise: 'int8',
  pointwise: 'int8',
  threshold: 'int32',
  actStep16: 'uint32',
};
const DTYPE_BYTES: Readonly<Record<Dtype, number>> = { int8: 1, int32: 4, uint32: 4, uint16: 2 };
const ALIGN = 8;

type IntArray = Int8Array | Int32Array | Uint32Array;

export interface SerializeOptions {
  /** write the arrays inline in the JSON (no .bin); for small hand-written models and test cases */
  inline?: boolean;
  /** the .bin name to record in the JSON */
  weightsFile?: string;
}

/** ModelSpec -> { json, bin }. The spec is validated first: a bad model is never written. */
export function serializeModel(spec: ModelSpec, options: SerializeOptions = {}): { json: ModelJson; bin: Uint8Array } {
  const model = validateModel(spec);
  const manifest: ManifestEntry[] = [];
  const arrays: IntArray[] = [];
  let size = 0;

  // Copies a layer's fields, replacing each typed array by a manifest entry (or a plain array).
  const strip = (obj: Record<string, unknown>, path: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(obj)) {
      if (value instanceof Int8Array || value instanceof Int32Array || value instanceof Uint32Array) {
        if (options.inline) {
          out[key] = Array.from(value);
          continue;
        }
        size = Math.ceil(size / ALIGN) * ALIGN;
        manifest.push({ name: `${path}/${key}`, dtype: FIELD_DTYPES[key]!, offset: size, length: value.length });
        arrays.push(value);
        size += value.byteLength;
      } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
        out[key] = strip(value as Record<string, unknown>, `${path}/${key}`);
      } else {
        out[key] = value;
      }
    }
    return out;
  };

  const json: ModelJson = {
    format: MODEL_FORMAT,
    version: 1,
    ...(model.name !== undefined && { name: model.name }),
    ...(model.inputScaling && { inputScaling: { ...model.inputScaling } }),
    ...(model.metadata && { metadata: model.metadata }),
    layers: model.layers.map((l, k) => strip(l as unknown as Record<string, unknown>, `layers/${k}`) as LayerJson),
    ...(options.weightsFile !== undefined && !options.inline && { weightsFile: options.weightsFile }),
    weightsManifest: manifest,
  };

  const bin = new Uint8Array(size);
  const view = new DataView(bin.buffer);
  manifest.forEach((e, i) => writeArray(view, e, arrays[i]!));
  return { json, bin };
}

function writeArray(view: DataView, e: ManifestEntry, a: IntArray): void {
  for (let i = 0; i < a.length; i++) {
    const at = e.offset + i * DTYPE_BYTES[e.dtype];
    if (e.dtype === 'int8') view.setInt8(at, a[i]!);
    else if (e.dtype === 'int32') view.setInt32(at, a[i]!, true);
    else view.setUint32(at, a[i]!, true);
  }
}

function readArray(view: DataView, e: ManifestEntry): IntArray {
  const step = DTYPE_BYTES[e.dtype];
  const a = e.dtype === 'int8' ? new Int8Array(e.length) : e.dtype === 'int32' ? new Int32Array(e.length) : new Uint32Array(e.length);
  const get = { int8: (at: number) => view.getInt8(at), int32: (at: number) => view.getInt32(at, true),
    uint32: (at: number) => view.getUint32(at, true), uint16: (at: number) => view.getUint16(at, true) }[e.dtype];
  for (let i = 0; i < e.length; i++) a[i] = get(e.offset + i * step);
  return a;
}

/**
 * What was wrong with a JSON text, without quoting it: V8's messages quote the text around the
 * error ("Unexpected token 'x', \"...\" is not valid JSON"), and error messages never echo the
 * contents of a file. Keeps the position when the parser gives one.
 */
export function jsonSyntaxError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/end of (JSON|data) input|Unterminated/i.test(msg)) return 'the text ends early';
  const at = /position (\d+)/.exec(msg);
  return at ? `syntax error at character ${at[1]}` : 'syntax error';
}

/** JSON text -> object, failing with the file name and where the syntax error is. */
export function parseModelJson(text: string, source = 'model.json'): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError(`${source}: invalid JSON (${jsonSyntaxError(e)})`, { source });
  }
}

function fail(source: string, field: string, found: unknown, expected: string): never {
  throw new ModelError(`${source}: ${field} is ${describeValue(found)}, expected ${expected}`, { source, field });
}

/** Checks one manifest entry's fields and returns it typed with its layer index and field path. */
function checkEntry(source: string, raw: unknown, i: number, layers: number): ManifestEntry & { layer: number; path: string[] } {
  const at = `weightsManifest[${i}]`;
  if (typeof raw !== 'object' || raw === null) fail(source, at, raw, 'an object { name, dtype, offset, length }');
  const e = raw as Record<string, unknown>;
  const m = typeof e.name === 'string' ? /^layers\/(\d+)\/(.+)$/.exec(e.name) : null;
  if (!m) fail(source, `${at}.name`, e.name, "'layers/<index>/<field>'");
  const layer = Number(m[1]);
  if (layer >= layers) fail(source, `${at}.name`, e.name, `a layer index below ${layers}`);
  const path = m[2]!.split('/');
  const expectedDtype = FIELD_DTYPES[path[path.length - 1]!];
  if (!expectedDtype) fail(source, `${at}.name`, e.name, `an array field (${Object.keys(FIELD_DTYPES).join(', ')})`);
  if (!(typeof e.dtype === 'string' && e.dtype in DTYPE_BYTES)) {
    fail(source, `${at}.dtype`, e.dtype, `one of ${Object.keys(DTYPE_BYTES).map((d) => `'${d}'`).join(', ')}`);
  }
  // actStep16 written as uint16 before act_step reached 65535.9375: read and widened
  const legacy = expectedDtype === 'uint32' && e.dtype === 'uint16';
  if (e.dtype !== expectedDtype && !legacy) fail(source, `${at}.dtype`, e.dtype, `'${expectedDtype}' for ${e.name}`);
  const dtype = e.dtype as Dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (!Number.isInteger(e.offset) || (e.offset as number) < 0 || (e.offset as number) % bytes !== 0) {
    fail(source, `${at}.offset`, e.offset, `a non-negative multiple of ${bytes}`);
  }
  if (!Number.isInteger(e.length) || (e.length as number) < 0) fail(source, `${at}.length`, e.length, 'a non-negative integer');
  return { name: e.name as string, dtype, offset: e.offset as number, length: e.length as number, layer, path };
}

/**
 * { json, bin } -> a validated ModelSpec. `json` is the parsed object (or its text); `bin` may be
 * omitted when every array is inline. `source` names the JSON file in error messages.
 */
export function deserializeModel(
  json: unknown,
  bin?: ArrayBuffer | Uint8Array,
  source = 'model.json',
): ModelSpec {
  const doc = typeof json === 'string' ? parseModelJson(json, source) : json;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(source, 'the document', doc, 'a JSON object');
  const j = doc as Record<string, unknown>;
  if (j.format !== MODEL_FORMAT) {
    const hint = 'modelTopology' in j ? ' (this is a tfjs model: convert it first)' : '';
    fail(source, 'format', j.format, `'${MODEL_FORMAT}'${hint}`);
  }
  if (!Array.isArray(j.layers)) fail(source, 'layers', j.layers, 'an array');
  const manifestRaw = j.weightsManifest ?? [];
  if (!Array.isArray(manifestRaw)) fail(source, 'weightsManifest', manifestRaw, 'an array');
  const binName = typeof j.weightsFile === 'string' ? j.weightsFile : 'the weights file';
  const manifest = manifestRaw.map((e, i) => checkEntry(source, e, i, (j.layers as unknown[]).length));

  let view: DataView | undefined;
  if (manifest.length > 0) {
    if (!bin) {
      throw new ModelError(`${source}: the manifest lists ${manifest.length} arrays but ${binName} is missing`, { source, field: 'weightsFile' });
    }
    const bytes = bin instanceof Uint8Array ? bin : new Uint8Array(bin);
    const needed = Math.max(...manifest.map((e) => e.offset + e.length * DTYPE_BYTES[e.dtype]));
    if (bytes.byteLength < needed) {
      throw new ModelError(`${source}: ${binName} is ${bytes.byteLength} bytes, the manifest needs ${needed}`, { source, field: 'weightsFile' });
    }
    if (bytes.byteLength > needed) {
      // a .bin longer than its manifest is another model's, or damaged: refuse it
      throw new ModelError(
        `${source}: ${binName} is ${bytes.byteLength} bytes, the manifest describes ${needed}: ` +
          `${bytes.byteLength - needed} extra bytes after the last array (is it the weights file of this JSON?)`,
        { source, field: 'weightsFile' },
      );
    }
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  // Rebuild the layers: a deep copy of the JSON with every manifest array put in its place.
  const layers = structuredClone(j.layers) as unknown[];
  const seen = new Set<string>();
  for (const [i, e] of manifest.entries()) {
    if (seen.has(e.name)) fail(source, `weightsManifest[${i}].name`, e.name, 'a name listed once');
    seen.add(e.name);
    let target = layers[e.layer] as Record<string, unknown> | null;
    for (const key of e.path.slice(0, -1)) {
      const next = typeof target === 'object' && target !== null ? target[key] : undefined;
      target = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : null;
    }
    const leaf = e.path[e.path.length - 1]!;
    if (!target) fail(source, `weightsManifest[${i}].name`, e.name, 'the path of an object field of that layer');
    if (target[leaf] !== undefined) fail(source, `weightsManifest[${i}].name`, e.name, `an array not also written inline in the layer`);
    target[leaf] = readArray(view!, e);
  }

  const { format: _format, weightsFile: _file, weightsManifest: _manifest, ...rest } = j;
  return validateModel({ ...rest, layers }, source);
}
