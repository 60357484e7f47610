// validateModel: the one gate every model passes before it is run, saved or loaded.
// It checks the structure, the value ranges of DESIGN.md section 3 and the int32/u32
// bounds the GPU arithmetic relies on (shaders/lib/activation.wgsl), and returns a
// typed ModelSpec (plain number arrays become typed arrays, after their range is checked).
import { convOutputShape, layerOutputShape, poolArea, potentialShape, shapeSize, windowGeometry } from './shapes.js';
import {
  MAX_ACT_STEP16,
  type Activation,
  type ActBits,
  type ConvParams,
  type InputScaling,
  type Layer,
  type LayerKind,
  type ModelSpec,
  type Padding,
  type Pooling,
  type PredictScale,
  type Shape3,
  type WeightBits,
} from './types.js';
import { unknownKind } from './types.js';

/** Where a problem was found; every part is optional. */
export interface ModelErrorLocation {
  /** the file (or URL) the model came from */
  source?: string;
  layer?: { index: number; name: string };
  field?: string;
}

/** A model that cannot be used, with a message naming file, layer, field, value and expectation. */
export class ModelError extends Error {
  override name = 'ModelError';
  readonly source?: string;
  readonly layerIndex?: number;
  readonly layerName?: string;
  readonly field?: string;

  constructor(message: string, where: ModelErrorLocation = {}) {
    super(message);
    this.source = where.source;
    this.layerIndex = where.layer?.index;
    this.layerName = where.layer?.name;
    this.field = where.field;
  }
}

/** "model.json: layer 2 'conv2': " (each part only when known). */
export function locationPrefix(where: ModelErrorLocation): string {
  let s = where.source ? `${where.source}: ` : '';
  if (where.layer) s += `layer ${where.layer.index} '${where.layer.name}': `;
  return s;
}

/** Renders a found value for a message: numbers as written, strings quoted, missing as such. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) {
    const items = v.slice(0, 4).map(describeValue).join(', ');
    return v.length > 4 ? `[${items}, ... (${v.length} values)]` : `[${items}]`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of ${(v as unknown as ArrayLike<number>).length}`;
  return `a ${typeof v === 'object' ? 'object' : typeof v}`;
}

export const WEIGHT_BITS: readonly WeightBits[] = [1, 2, 4, 8];
export const ACT_BITS: readonly ActBits[] = [1, 2, 4];
const LAYER_KINDS: readonly LayerKind[] = [
  'InputData',
  'InputConvolutional',
  'Convolutional',
  'SeparableConvolutional',
  'FullyConnected',
];
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Potentials, pooled sums and threshold*A are i32 on the GPU. */
const I32_LIMIT = 2 ** 31;
/** The activation's 16*r + s - 1 < 17*s must fit in u32 (s = actStep16 * A). */
const U32_LIMIT = 2 ** 32;

/**
 * Upper bounds on a model's sizes, checked by validateModel before anything is allocated for
 * the model: a model beyond them is refused when it is loaded, with the number that was too
 * large and the limit. They follow WebGPU's default limits: one sample's int32 potentials of a
 * layer must fit one storage buffer binding (maxStorageBufferBindingSize, 128 MiB by default),
 * since the engine splits a batch into chunks of samples, never a sample.
 */
export const MODEL_LIMITS = {
  /** input height x width (4096 x 4096) */
  maxInputPixels: 2 ** 24,
  /** values of one sample in any layer's input, potentials or output (128 MiB as int32) */
  maxValuesPerSample: 2 ** 25,
  /** weights of one layer (int8: 256 MiB) */
  maxWeights: 2 ** 28,
} as const;

/** Largest weight magnitude for a bit width: 2^(bits-1) - 1, with 1 bit meaning {-1, +1}. */
export function weightMax(bits: WeightBits): number {
  return bits === 1 ? 1 : 2 ** (bits - 1) - 1;
}

type IntArrayCtor = Int8ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor;
type IntArrayOf<C extends IntArrayCtor> = InstanceType<C>;

/** Field checks, each failing with one located message. */
class Checker {
  constructor(
    private readonly source: string | undefined,
    private readonly layer?: { index: number; name: string },
  ) {}

  forLayer(index: number, name: string): Checker {
    return new Checker(this.source, { index, name });
  }

  fail(field: string, found: string, expected: string): never {
    this.failWith(field, `${field} is ${found}, expected ${expected}`);
  }

  /** A message that does not fit "field is X, expected Y"; it must still name the field. */
  failWith(field: string, text: string): never {
    const where = { source: this.source, layer: this.layer, field };
    throw new ModelError(`${locationPrefix(where)}${text}`, where);
  }

  record(v: unknown, field: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(field, describeValue(v), 'an object');
    return v as Record<string, unknown>;
  }

  int(v: unknown, field: string, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, describeValue(v), max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`);
    }
    return v;
  }

  oneOf<T>(v: unknown, field: string, options: readonly T[]): T {
    if (!options.includes(v as T)) {
      this.fail(field, describeValue(v), `one of ${options.map((o) => (typeof o === 'string' ? `'${o}'` : String(o))).join(', ')}`);
    }
    return v as T;
  }

  finite(v: unknown, field: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(field, describeValue(v), 'a finite number');
    return v;
  }

  /** [a, b] of integers >= 1 */
  pair(v: unknown, field: string): [number, number] {
    if (!Array.isArray(v) || v.length !== 2) this.fail(field, describeValue(v), 'a pair [height, width]');
    return [this.int(v[0], `${field}[0]`, 1, Infinity), this.int(v[1], `${field}[1]`, 1, Infinity)];
  }

  shape3(v: unknown, field: string): Shape3 {
    if (!Array.isArray(v) || v.length !== 3) this.fail(field, describeValue(v), 'a shape [height, width, channels]');
    return [
      this.int(v[0], `${field}[0]`, 1, Infinity),
      this.int(v[1], `${field}[1]`, 1, Infinity),
      this.int(v[2], `${field}[2]`, 1, Infinity),
    ];
  }

  /**
   * An integer array of `length` values in [min, max] (`expected` describes the range).
   * An instance of `ctor` is kept as is; plain arrays (or other typed arrays) are copied into one.
   */
  ints<C extends IntArrayCtor>(
    v: unknown,
    field: string,
    ctor: C,
    length: number,
    lengthWhy: string,
    min: number,
    max: number,
    expected = `an integer in [${min}, ${max}]`,
  ): IntArrayOf<C> {
    if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
      this.fail(field, describeValue(v), `an array of ${length} integers`);
    }
    const a = v as ArrayLike<unknown>;
    if (a.length !== length) this.fail(field, `${a.length} values`, `${lengthWhy} = ${length}`);
    for (let i = 0; i < length; i++) {
      const x = a[i];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) {
        this.fail(`${field}[${i}]`, describeValue(x), expected);
      }
    }
    return (v instanceof ctor ? v : ctor.from(a as ArrayLike<number>)) as IntArrayOf<C>;
  }
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** Checks a window op (conv or pooling) gives a positive output along both axes. */
function checkWindow(
  ck: Checker,
  field: string,
  input: Shape3,
  size: [number, number],
  stride: [number, number],
  padding: Padding,
): void {
  const oh = windowGeometry(input[0], size[0], stride[0], padding).out;
  const ow = windowGeometry(input[1], size[1], stride[1], padding).out;
  if (oh < 1 || ow < 1) {
    ck.fail(field, shapeText(size), `at most the input's ${input[0]}x${input[1]} with ${padding} padding (the output would be ${oh}x${ow})`);
  }
}

function checkPooling(ck: Checker, v: unknown, potentials: Shape3): Pooling {
  const r = ck.record(v, 'pooling');
  const type = ck.oneOf(r.type, 'pooling.type', ['none', 'max', 'average', 'global_avg'] as const);
  if (type === 'none' || type === 'global_avg') return { type };
  const size = ck.pair(r.size, 'pooling.size');
  const stride = ck.pair(r.stride, 'pooling.stride');
  if (type === 'average') {
    checkWindow(ck, 'pooling.size', potentials, size, stride, 'valid');
    return { type, size, stride };
  }
  const padding = ck.oneOf(r.padding, 'pooling.padding', ['same', 'valid'] as const);
  checkWindow(ck, 'pooling.size', potentials, size, stride, padding);
  return { type, size, stride, padding };
}

function checkThresholds(ck: Checker, r: Record<string, unknown>, prefix: string, channels: number) {
  return {
    threshold: ck.ints(r.threshold, `${prefix}.threshold`, Int32Array, channels, 'one per output channel', INT32_MIN, INT32_MAX),
    actStep16: ck.ints(r.actStep16, `${prefix}.actStep16`, Uint32Array, channels, 'one per output channel', 1, MAX_ACT_STEP16),
  };
}

function checkActivation(ck: Checker, v: unknown, channels: number, isLast: boolean): Activation | null {
  if (v === null) {
    if (!isLast) ck.fail('activation', 'null', 'an activation (only the last layer may return potentials)');
    return null;
  }
  const r = ck.record(v, 'activation');
  const bits = ck.oneOf(r.bits, 'activation.bits', ACT_BITS);
  return { bits, ...checkThresholds(ck, r, 'activation', channels) };
}

function checkPredictScale(ck: Checker, v: unknown, channels: number): PredictScale | undefined {
  if (v === undefined) return undefined;
  return checkThresholds(ck, ck.record(v, 'predictScale'), 'predictScale', channels);
}

function checkWeights(ck: Checker, v: unknown, field: string, bits: WeightBits, dims: number[]): Int8Array {
  checkWeightCount(ck, field, dims);
  const kmax = weightMax(bits);
  const expected = bits === 1 ? '-1 or +1 (1-bit weights)' : `an integer in [-${kmax}, ${kmax}] (${bits}-bit weights)`;
  const w = ck.ints(v, field, Int8Array, dims.reduce((a, b) => a * b, 1), dims.join('x'), -kmax, kmax, expected);
  if (bits === 1) {
    const zero = w.indexOf(0);
    if (zero >= 0) ck.fail(`${field}[${zero}]`, '0', expected);
  }
  return w;
}

/** Fields shared by Convolutional and InputConvolutional (geometry, weights, activation). */
function checkConv(ck: Checker, r: Record<string, unknown>, input: Shape3, isLast: boolean): ConvParams {
  const kernel = ck.pair(r.kernel, 'kernel');
  const stride = ck.int(r.stride, 'stride', 1, Infinity);
  const padding = ck.oneOf(r.padding, 'padding', ['same', 'valid'] as const);
  const filters = ck.int(r.filters, 'filters', 1, Infinity);
  checkWindow(ck, 'kernel', input, kernel, [stride, stride], padding);
  const potentials = convOutputShape(input, kernel, stride, padding, filters);
  checkValues(ck, 'filters', 'the potentials', potentials);
  const weightBits = ck.oneOf(r.weightBits, 'weightBits', WEIGHT_BITS);
  const weights = checkWeights(ck, r.weights, 'weights', weightBits, [kernel[0], kernel[1], input[2], filters]);
  const pooling = checkPooling(ck, r.pooling, potentials);
  const activation = checkActivation(ck, r.activation, filters, isLast);
  const predictScale = checkPredictScale(ck, r.predictScale, filters);
  return { kernel, stride, padding, filters, weightBits, weights, pooling, activation, ...(predictScale && { predictScale }) };
}

/** The input against MODEL_LIMITS: pixels and values per sample. */
function checkInputSize(ck: Checker, shape: Shape3): Shape3 {
  const pixels = shape[0] * shape[1];
  if (pixels > MODEL_LIMITS.maxInputPixels) {
    ck.failWith('inputShape', `inputShape ${shapeText(shape)} has ${pixels} pixels (${shape[0]} x ${shape[1]}), `
      + `above the limit of ${MODEL_LIMITS.maxInputPixels} (4096 x 4096)`);
  }
  checkValues(ck, 'inputShape', 'the input', shape);
  return shape;
}

/** A tensor of one sample against MODEL_LIMITS.maxValuesPerSample. */
function checkValues(ck: Checker, field: string, what: string, shape: readonly number[]): void {
  const values = shape.reduce((a, b) => a * b, 1);
  if (values > MODEL_LIMITS.maxValuesPerSample) {
    ck.failWith(field, `${what} ${shapeText(shape)} holds ${values} values per sample (${values * 4} bytes as int32), `
      + `above the limit of ${MODEL_LIMITS.maxValuesPerSample} values (128 MiB, WebGPU's default maxStorageBufferBindingSize)`);
  }
}

/** A weight array's size against MODEL_LIMITS.maxWeights, before its values are read. */
function checkWeightCount(ck: Checker, field: string, dims: number[]): void {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n > MODEL_LIMITS.maxWeights) {
    ck.failWith(field, `${field} ${dims.join('x')} = ${n} weights, above the limit of ${MODEL_LIMITS.maxWeights} per layer`);
  }
}

function checkInputBits(ck: Checker, v: unknown): number {
  return ck.int(v, 'inputBits', 1, 8);
}

/** One layer's fields, given its input shape; returns the typed layer. */
function checkLayer(ck: Checker, r: Record<string, unknown>, index: number, input: Shape3 | null, isLast: boolean): Layer {
  const name = r.name as string;
  const kind = ck.oneOf(r.kind, 'kind', LAYER_KINDS);
  const isInput = kind === 'InputData' || kind === 'InputConvolutional';
  if (index === 0 && !isInput) ck.fail('kind', `'${kind}'`, "'InputData' or 'InputConvolutional' (the first layer)");
  if (index > 0 && isInput) ck.fail('kind', `'${kind}'`, 'a non-input kind (only the first layer reads the input)');
  switch (kind) {
    case 'InputData':
      return { name, kind, inputShape: checkInputSize(ck, ck.shape3(r.inputShape, 'inputShape')), inputBits: checkInputBits(ck, r.inputBits) };
    case 'InputConvolutional': {
      const inputShape = checkInputSize(ck, ck.shape3(r.inputShape, 'inputShape'));
      const inputBits = checkInputBits(ck, r.inputBits);
      const padValue = r.padValue === undefined ? 0 : ck.int(r.padValue, 'padValue', 0, 2 ** inputBits - 1);
      return { name, kind, inputShape, inputBits, ...(padValue !== 0 && { padValue }), ...checkConv(ck, r, inputShape, isLast) };
    }
    case 'Convolutional':
      return { name, kind, ...checkConv(ck, r, input!, isLast) };
    case 'SeparableConvolutional': {
      const kernel = ck.pair(r.kernel, 'kernel');
      const stride = ck.int(r.stride, 'stride', 1, Infinity);
      const padding = ck.oneOf(r.padding, 'padding', ['same', 'valid'] as const);
      const filters = ck.int(r.filters, 'filters', 1, Infinity);
      checkWindow(ck, 'kernel', input!, kernel, [stride, stride], padding);
      checkValues(ck, 'filters', 'the potentials', convOutputShape(input!, kernel, stride, padding, filters));
      const weightBits = ck.oneOf(r.weightBits, 'weightBits', WEIGHT_BITS);
      const depthwise = checkWeights(ck, r.depthwise, 'depthwise', weightBits, [kernel[0], kernel[1], input![2]]);
      const pointwise = checkWeights(ck, r.pointwise, 'pointwise', weightBits, [input![2], filters]);
      const potentials = convOutputShape(input!, kernel, stride, padding, filters);
      const pooling = checkPooling(ck, r.pooling, potentials);
      const activation = checkActivation(ck, r.activation, filters, isLast);
      const predictScale = checkPredictScale(ck, r.predictScale, filters);
      return {
        name, kind, kernel, stride, padding, filters, weightBits, depthwise, pointwise, pooling, activation,
        ...(predictScale && { predictScale }),
      };
    }
    case 'FullyConnected': {
      const units = ck.int(r.units, 'units', 1, Infinity);
      checkValues(ck, 'units', 'the output', [units]);
      const weightBits = ck.oneOf(r.weightBits, 'weightBits', WEIGHT_BITS);
      const weights = checkWeights(ck, r.weights, 'weights', weightBits, [shapeSize(input!), units]);
      const activation = checkActivation(ck, r.activation, units, isLast);
      const predictScale = checkPredictScale(ck, r.predictScale, units);
      return { name, kind, units, weightBits, weights, activation, ...(predictScale && { predictScale }) };
    }
  }
}

/** Sum of |w| per output channel of weights whose last axis is the output channel. */
function absSums(w: Int8Array, cout: number): Float64Array {
  const out = new Float64Array(cout);
  for (let i = 0; i < w.length; i++) out[i % cout]! += Math.abs(w[i]!);
  return out;
}

/**
 * The largest |potential| each output channel can reach (before pooling): the sum over the
 * fan-in of |w| times the largest input value. Exact for the worst case input.
 */
export function maxPotentials(layer: Layer, input: Shape3, maxInput: number): Float64Array {
  switch (layer.kind) {
    case 'InputData':
      return new Float64Array(input[2]).fill(maxInput);
    case 'InputConvolutional':
    case 'Convolutional':
    case 'FullyConnected': {
      const cout = layer.kind === 'FullyConnected' ? layer.units : layer.filters;
      return absSums(layer.weights, cout).map((s) => s * maxInput);
    }
    case 'SeparableConvolutional': {
      const dw = absSums(layer.depthwise, input[2]).map((s) => s * maxInput);
      const out = new Float64Array(layer.filters);
      for (let i = 0; i < layer.pointwise.length; i++) {
        out[i % layer.filters]! += Math.abs(layer.pointwise[i]!) * dw[Math.floor(i / layer.filters)]!;
      }
      return out;
    }
    default:
      return unknownKind(layer);
  }
}

/**
 * The int32/u32 bounds of the GPU arithmetic, per output channel c (A = pooling area):
 * max|p|*A < 2^31 (potentials and pooled sums), |T|*A < 2^31, max|p|*A + |T|*A < 2^31
 * (p - T*A is an i32), and actStep16*A*17 < 2^32 (the u32 ceil division).
 */
function checkOverflow(ck: Checker, layer: Layer, input: Shape3, maxInput: number): void {
  if (layer.kind === 'InputData') return;
  const area = layer.kind === 'FullyConnected' ? 1 : poolArea(layer.pooling, potentialShape(layer, input));
  const field = layer.kind === 'SeparableConvolutional' ? 'pointwise' : 'weights';
  if (layer.kind === 'SeparableConvolutional') {
    // the depthwise sums are an intermediate int32 too (a channel may have zero pointwise weights)
    const dw = absSums(layer.depthwise, input[2]).map((a) => a * maxInput);
    const c = dw.findIndex((m) => m >= I32_LIMIT);
    if (c >= 0) {
      ck.failWith('depthwise', `depthwise allow a sum of ${dw[c]} in channel ${c} (inputs up to ${maxInput}), `
        + `expected below 2^31 = ${I32_LIMIT} (int32 overflow risk)`);
    }
  }
  const maxP = maxPotentials(layer, input, maxInput);
  const pooled = area > 1 ? ` times the pooling area ${area}` : '';
  maxP.forEach((m, c) => {
    if (m * area >= I32_LIMIT) {
      ck.failWith(field, `${field} allow a potential of ${m * area} in channel ${c} (inputs up to ${maxInput}${pooled}), `
        + `expected below 2^31 = ${I32_LIMIT} (int32 overflow risk)`);
    }
  });
  const act = layer.activation;
  if (!act) return;
  for (let c = 0; c < maxP.length; c++) {
    const field = `activation.threshold[${c}]`;
    const tc = act.threshold[c]!;
    const t = Math.abs(tc) * area;
    if (t >= I32_LIMIT) {
      ck.failWith(field, `${field} is ${tc}, and |${tc}| * ${area} (pooling area) = ${t}, expected below 2^31 (int32 overflow risk)`);
    }
    if (t + maxP[c]! * area >= I32_LIMIT) {
      ck.failWith(field, `${field} is ${tc}${area > 1 ? ` (x${area}, the pooling area)` : ''} with potentials up to ${maxP[c]! * area}, `
        + `expected |threshold*A| + max|potential| below 2^31 (p - threshold*A must not overflow int32)`);
    }
    const s16 = act.actStep16[c]!;
    if (s16 * area * 17 >= U32_LIMIT) {
      ck.failWith(`activation.actStep16[${c}]`, `activation.actStep16[${c}] is ${s16}, and ${s16} * ${area} (pooling area) * 17 = `
        + `${s16 * area * 17}, expected below 2^32 (u32 activation arithmetic)`);
    }
  }
}

function checkInputScaling(ck: Checker, v: unknown): InputScaling | undefined {
  if (v === undefined) return undefined;
  const r = ck.record(v, 'inputScaling');
  return { scale: ck.finite(r.scale, 'inputScaling.scale'), shift: ck.finite(r.shift, 'inputScaling.shift') };
}

/**
 * Checks a model completely and returns it typed. Throws ModelError naming `source` (a file),
 * the layer (index and name), the field, the value found and what was expected.
 */
export function validateModel(spec: unknown, source?: string): ModelSpec {
  const ck: Checker = new Checker(source);
  const r = ck.record(spec, 'model');
  if (r.version !== 1) ck.fail('version', describeValue(r.version), '1');
  if (r.name !== undefined && typeof r.name !== 'string') ck.fail('name', describeValue(r.name), 'a string');
  const inputScaling = checkInputScaling(ck, r.inputScaling);
  if (r.metadata !== undefined) ck.record(r.metadata, 'metadata');
  if (!Array.isArray(r.layers) || r.layers.length === 0) ck.fail('layers', describeValue(r.layers), 'a non-empty array');

  const layers: Layer[] = [];
  const names = new Map<string, number>();
  let shape: Shape3 | null = null;
  let maxInput = 0;
  const raws = r.layers as unknown[];
  for (let index = 0; index < raws.length; index++) {
    const lr = ck.record(raws[index], `layers[${index}]`);
    const name = lr.name;
    if (typeof name !== 'string' || name === '') ck.fail(`layers[${index}].name`, describeValue(name), 'a non-empty string');
    const lck: Checker = ck.forLayer(index, name);
    const previous = names.get(name);
    if (previous !== undefined) lck.fail('name', `'${name}'`, `a name not used by layer ${previous}`);
    names.set(name, index);

    const layer = checkLayer(lck, lr, index, shape, index === raws.length - 1);
    const input: Shape3 = shape ?? (layer as { inputShape: Shape3 }).inputShape;
    if (index === 0) maxInput = 2 ** (layer as { inputBits: number }).inputBits - 1;
    checkOverflow(lck, layer, input, maxInput);

    shape = layerOutputShape(layer, input);
    if (layer.kind === 'InputData') maxInput = 2 ** layer.inputBits - 1;
    else if (layer.activation) maxInput = 2 ** layer.activation.bits - 1;
    layers.push(layer);
  }

  const out: ModelSpec = { version: 1, layers };
  if (r.name !== undefined) out.name = r.name as string;
  if (inputScaling) out.inputScaling = inputScaling;
  if (r.metadata !== undefined) out.metadata = r.metadata as Record<string, unknown>;
  return out;
}
