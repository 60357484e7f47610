// Small builders for hand-written test models, a seeded PRNG, and a random valid model
// generator (shared by the unit tests; usable by the GPU tests for bit-equality runs).
import type {
  ActBits,
  Activation,
  ConvolutionalLayer,
  FullyConnectedLayer,
  InputConvolutionalLayer,
  InputDataLayer,
  IntBatch,
  Layer,
  ModelSpec,
  Padding,
  Pooling,
  SeparableConvolutionalLayer,
  Shape3,
  WeightBits,
} from '../../src/model/types.js';
import { inferShapes, shapeSize } from '../../src/model/shapes.js';

export function act(bits: ActBits, threshold: number[], actStep16: number[]): Activation {
  return { bits, threshold: Int32Array.from(threshold), actStep16: Uint16Array.from(actStep16) };
}

export const NO_POOL: Pooling = { type: 'none' };

export function inputData(inputShape: Shape3, inputBits = 8, name = 'input'): InputDataLayer {
  return { name, kind: 'InputData', inputShape, inputBits };
}

interface ConvOptions {
  name: string;
  kernel: [number, number];
  stride?: number;
  padding?: Padding;
  filters: number;
  weightBits?: WeightBits;
  /** [kh][kw][cin][cout] flattened */
  weights: number[];
  pooling?: Pooling;
  activation: Activation | null;
}

function convParams(o: ConvOptions) {
  return {
    kernel: o.kernel,
    stride: o.stride ?? 1,
    padding: o.padding ?? 'valid',
    filters: o.filters,
    weightBits: o.weightBits ?? 8,
    weights: Int8Array.from(o.weights),
    pooling: o.pooling ?? NO_POOL,
    activation: o.activation,
  };
}

export function inputConv(o: ConvOptions & { inputShape: Shape3; inputBits?: number }): InputConvolutionalLayer {
  return { name: o.name, kind: 'InputConvolutional', inputShape: o.inputShape, inputBits: o.inputBits ?? 8, ...convParams(o) };
}

export function conv(o: ConvOptions): ConvolutionalLayer {
  return { name: o.name, kind: 'Convolutional', ...convParams(o) };
}

export function separable(
  o: Omit<ConvOptions, 'weights'> & { depthwise: number[]; pointwise: number[] },
): SeparableConvolutionalLayer {
  const { weights: _w, ...p } = convParams({ ...o, weights: [] });
  return { name: o.name, kind: 'SeparableConvolutional', ...p, depthwise: Int8Array.from(o.depthwise), pointwise: Int8Array.from(o.pointwise) };
}

export function dense(o: {
  name: string;
  units: number;
  weightBits?: WeightBits;
  /** [inputs][units] flattened */
  weights: number[];
  activation: Activation | null;
}): FullyConnectedLayer {
  return { name: o.name, kind: 'FullyConnected', units: o.units, weightBits: o.weightBits ?? 8, weights: Int8Array.from(o.weights), activation: o.activation };
}

export function model(...layers: Layer[]): ModelSpec {
  return { version: 1, layers };
}

export function batch(shape: Shape3, data: number[], n = 1): IntBatch {
  return { shape, n, data: Int32Array.from(data) };
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer uniform in [lo, hi]. */
export function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function randomWeights(rng: () => number, n: number, bits: WeightBits): Int8Array {
  const kmax = bits === 1 ? 1 : 2 ** (bits - 1) - 1;
  return Int8Array.from({ length: n }, () => (bits === 1 ? pick(rng, [-1, 1]) : randInt(rng, -kmax, kmax)));
}

function randomActivation(rng: () => number, channels: number): Activation {
  return {
    bits: pick(rng, [1, 2, 4] as const),
    threshold: Int32Array.from({ length: channels }, () => randInt(rng, -20, 60)),
    actStep16: Uint16Array.from({ length: channels }, () => randInt(rng, 1, 400)),
  };
}

function randomPooling(rng: () => number, shape: Shape3): Pooling {
  const kind = pick(rng, ['none', 'none', 'max', 'average', 'global_avg'] as const);
  const fits = shape[0] >= 2 && shape[1] >= 2;
  if (kind === 'global_avg' || kind === 'none' || !fits) return kind === 'global_avg' ? { type: kind } : NO_POOL;
  const size: [number, number] = [2, 2];
  const stride: [number, number] = [randInt(rng, 1, 2), randInt(rng, 1, 2)];
  return kind === 'max' ? { type: 'max', size, stride, padding: pick(rng, ['same', 'valid'] as const) } : { type: 'average', size, stride };
}

/**
 * A random valid model: an input layer, 0..`hidden` conv/separable layers with random pooling,
 * and a FullyConnected last layer (with or without activation). Small shapes, small weights.
 */
export function randomModel(rng: () => number, hidden = 2): ModelSpec {
  const inputShape: Shape3 = [randInt(rng, 3, 8), randInt(rng, 3, 8), pick(rng, [1, 2, 3])];
  const layers: Layer[] = [];
  if (rng() < 0.5) {
    layers.push(inputData(inputShape, randInt(rng, 1, 8)));
  } else {
    const filters = randInt(rng, 1, 4);
    const kernel: [number, number] = [randInt(rng, 1, 3), randInt(rng, 1, 3)];
    const weightBits = pick(rng, [1, 2, 4, 8] as const);
    layers.push({
      name: 'input', kind: 'InputConvolutional', inputShape, inputBits: 8, kernel, stride: randInt(rng, 1, 2), padding: 'same',
      filters, weightBits, weights: randomWeights(rng, kernel[0] * kernel[1] * inputShape[2] * filters, weightBits),
      pooling: NO_POOL, activation: randomActivation(rng, filters),
    });
  }
  const count = randInt(rng, 0, hidden);
  for (let k = 0; k < count; k++) {
    const shape = inferShapes(layers).output;
    const filters = randInt(rng, 1, 4);
    const kernel: [number, number] = [randInt(rng, 1, 3), randInt(rng, 1, 3)];
    const stride = randInt(rng, 1, 2);
    const padding = 'same' as const;
    const weightBits = pick(rng, [1, 2, 4, 8] as const);
    const outShape: Shape3 = [Math.ceil(shape[0] / stride), Math.ceil(shape[1] / stride), filters];
    const pooling = randomPooling(rng, outShape);
    const common = { name: `L${k + 1}`, kernel, stride, padding, filters, weightBits, pooling, activation: randomActivation(rng, filters) };
    layers.push(
      rng() < 0.7
        ? { kind: 'Convolutional', ...common, weights: randomWeights(rng, kernel[0] * kernel[1] * shape[2] * filters, weightBits) }
        : {
            kind: 'SeparableConvolutional', ...common,
            depthwise: randomWeights(rng, kernel[0] * kernel[1] * shape[2], weightBits),
            pointwise: randomWeights(rng, shape[2] * filters, weightBits),
          },
    );
  }
  const units = randInt(rng, 1, 5);
  const weightBits = pick(rng, [1, 2, 4, 8] as const);
  layers.push({
    name: 'out', kind: 'FullyConnected', units, weightBits,
    weights: randomWeights(rng, shapeSize(inferShapes(layers).output) * units, weightBits),
    activation: rng() < 0.5 ? null : randomActivation(rng, units),
  });
  return { version: 1, name: `random-${count}`, layers };
}

/** A random input batch for a model: values in [0, 2^inputBits - 1]. */
export function randomInput(rng: () => number, spec: ModelSpec, n: number): IntBatch {
  const first = spec.layers[0] as InputDataLayer | InputConvolutionalLayer;
  const max = 2 ** first.inputBits - 1;
  const shape = first.inputShape;
  return { shape, n, data: Int32Array.from({ length: n * shapeSize(shape) }, () => randInt(rng, 0, max)) };
}
