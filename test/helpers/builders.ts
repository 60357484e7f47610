// Small builders of test layers and models (for hand-written models and map-models.ts's seeded
// ModelBuilder) and the random helpers the tests share; random valid models: random-model.ts.
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
} from '../../src/ir/types.js';

// the one seeded PRNG, beside randInt and pick
export { mulberry32 } from '../../src/data/rng.js';

export function act(bits: ActBits, threshold: number[], actStep16: number[]): Activation {
  return { bits, threshold: Int32Array.from(threshold), actStep16: Uint32Array.from(actStep16) };
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
  weights: ArrayLike<number>;
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
  o: Omit<ConvOptions, 'weights'> & { depthwise: ArrayLike<number>; pointwise: ArrayLike<number> },
): SeparableConvolutionalLayer {
  const { weights: _w, ...p } = convParams({ ...o, weights: [] });
  return { name: o.name, kind: 'SeparableConvolutional', ...p, depthwise: Int8Array.from(o.depthwise), pointwise: Int8Array.from(o.pointwise) };
}

export function dense(o: {
  name: string;
  units: number;
  weightBits?: WeightBits;
  /** [inputs][units] flattened */
  weights: ArrayLike<number>;
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

/** Integer uniform in [lo, hi]. */
export function randInt(rng: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}
