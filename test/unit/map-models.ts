// Synthetic models for the mapper tests: seeded random weights, thresholds that leave some
// neurons firing. Shapes follow model/shapes.ts; nothing here is checked against itself.
import type {
  ActBits,
  Activation,
  ConvolutionalLayer,
  FullyConnectedLayer,
  InputConvolutionalLayer,
  InputDataLayer,
  Layer,
  ModelSpec,
  Padding,
  Pooling,
  SeparableConvolutionalLayer,
  Shape3,
  WeightBits,
} from '../../src/model/types.js';
import { mulberry32 } from '../helpers/builders.js';

function weights(n: number, bits: WeightBits, r: () => number): Int8Array {
  const max = bits === 1 ? 1 : 2 ** (bits - 1) - 1;
  const w = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = bits === 1 ? (r() < 0.5 ? -1 : 1) : Math.round((r() * 2 - 1) * max);
  }
  return w;
}

function activation(channels: number, bits: ActBits, threshold: number, step16: number): Activation {
  return {
    bits,
    threshold: new Int32Array(channels).fill(threshold),
    actStep16: new Uint16Array(channels).fill(step16),
  };
}

export interface ConvOpts {
  kernel?: number | [number, number];
  stride?: number;
  padding?: Padding;
  weightBits?: WeightBits;
  actBits?: ActBits | null;
  pooling?: Pooling;
  threshold?: number;
  step16?: number;
}

const NO_POOL: Pooling = { type: 'none' };
export const MAX2: Pooling = { type: 'max', size: [2, 2], stride: [2, 2], padding: 'same' };
export const GAP: Pooling = { type: 'global_avg' };

function kernelOf(k: number | [number, number] | undefined, d: number): [number, number] {
  if (k === undefined) return [d, d];
  return typeof k === 'number' ? [k, k] : k;
}

/** Builds a model layer by layer, tracking the channels of the current output. */
export class ModelBuilder {
  readonly layers: Layer[] = [];
  private channels: number;
  private readonly r: () => number;

  constructor(
    readonly inputShape: Shape3,
    seed: number,
  ) {
    this.channels = inputShape[2];
    this.r = mulberry32(seed);
  }

  inputData(name = 'input', inputBits = 4): this {
    const l: InputDataLayer = { name, kind: 'InputData', inputShape: this.inputShape, inputBits };
    this.layers.push(l);
    return this;
  }

  inputConv(name: string, filters: number, o: ConvOpts = {}): this {
    const kernel = kernelOf(o.kernel, 3);
    const bits = o.weightBits ?? 8;
    const l: InputConvolutionalLayer = {
      name,
      kind: 'InputConvolutional',
      inputShape: this.inputShape,
      inputBits: 8,
      kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 'same',
      filters,
      weightBits: bits,
      weights: weights(kernel[0] * kernel[1] * this.channels * filters, bits, this.r),
      pooling: o.pooling ?? NO_POOL,
      activation: o.actBits === null ? null : activation(filters, o.actBits ?? 4, o.threshold ?? 500, o.step16 ?? 16 * 200),
    };
    this.layers.push(l);
    this.channels = filters;
    return this;
  }

  conv(name: string, filters: number, o: ConvOpts = {}): this {
    const kernel = kernelOf(o.kernel, 3);
    const bits = o.weightBits ?? 4;
    const l: ConvolutionalLayer = {
      name,
      kind: 'Convolutional',
      kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 'same',
      filters,
      weightBits: bits,
      weights: weights(kernel[0] * kernel[1] * this.channels * filters, bits, this.r),
      pooling: o.pooling ?? NO_POOL,
      activation: o.actBits === null ? null : activation(filters, o.actBits ?? 4, o.threshold ?? 20, o.step16 ?? 16 * 8),
    };
    this.layers.push(l);
    this.channels = filters;
    return this;
  }

  separable(name: string, filters: number, o: ConvOpts = {}): this {
    const kernel = kernelOf(o.kernel, 3);
    const bits = o.weightBits ?? 4;
    const l: SeparableConvolutionalLayer = {
      name,
      kind: 'SeparableConvolutional',
      kernel,
      stride: o.stride ?? 1,
      padding: o.padding ?? 'same',
      filters,
      weightBits: bits,
      depthwise: weights(kernel[0] * kernel[1] * this.channels, bits, this.r),
      pointwise: weights(this.channels * filters, bits, this.r),
      pooling: o.pooling ?? NO_POOL,
      activation: o.actBits === null ? null : activation(filters, o.actBits ?? 4, o.threshold ?? 20, o.step16 ?? 16 * 8),
    };
    this.layers.push(l);
    this.channels = filters;
    return this;
  }

  /** FullyConnected over the current output (inputs = its flattened size). */
  dense(name: string, units: number, inputs: number, o: ConvOpts = {}): this {
    const bits = o.weightBits ?? 2;
    const l: FullyConnectedLayer = {
      name,
      kind: 'FullyConnected',
      units,
      weightBits: bits,
      weights: weights(inputs * units, bits, this.r),
      activation: o.actBits === null ? null : activation(units, o.actBits ?? 4, o.threshold ?? 5, o.step16 ?? 16 * 4),
    };
    this.layers.push(l);
    this.channels = units;
    return this;
  }

  build(name: string): ModelSpec {
    return { version: 1, name, layers: this.layers };
  }
}

/** Random integer input batch in [0, max]; about `zeros` of the values are 0. */
export function randomInput(shape: Shape3, n: number, max: number, seed: number, zeros = 0.5) {
  const r = mulberry32(seed);
  const data = new Int32Array(n * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < data.length; i++) data[i] = r() < zeros ? 0 : 1 + Math.floor(r() * max);
  return { data, n, shape };
}

/**
 * Our reconstruction of BrainChip's DS-CNN keyword-spotting model (akida_models ds_cnn_kws):
 * 49x10 MFCC input, a 5x5 stride-2 input convolution of 64 filters, four 3x3 separable
 * convolutions of 64 filters (4-bit weights, the last with global average pooling) and a
 * FullyConnected of 33 units.
 */
export function dsCnnKws(): ModelSpec {
  return new ModelBuilder([49, 10, 1], 7)
    .inputConv('conv_0', 64, { kernel: 5, stride: 2 })
    .separable('separable_1', 64)
    .separable('separable_2', 64)
    .separable('separable_3', 64)
    .separable('separable_4', 64, { pooling: GAP })
    .dense('dense_5', 33, 64, { weightBits: 4, actBits: null })
    .build('ds_cnn_kws');
}

/**
 * Our reconstruction of AkidaNet 0.5 at 224x224 (MobileNet-v1-like widths halved): an input
 * convolution, three convolutions, nine separable convolutions (the last with global average
 * pooling) and a 1000-unit classifier; stride 2 where the width halves.
 */
export function akidaNet05(): ModelSpec {
  const b = new ModelBuilder([224, 224, 3], 11)
    .inputConv('conv_0', 16, { kernel: 3, stride: 2 })
    .conv('conv_1', 32)
    .conv('conv_2', 64, { stride: 2 })
    .conv('conv_3', 64)
    .separable('separable_4', 128, { stride: 2 })
    .separable('separable_5', 128)
    .separable('separable_6', 256, { stride: 2 });
  for (let i = 7; i <= 11; i++) b.separable(`separable_${i}`, 256);
  b.separable('separable_12', 512, { stride: 2 }).separable('separable_13', 512, { pooling: GAP });
  return b.dense('classifier', 1000, 512, { weightBits: 4, actBits: null }).build('akidanet_0.5_224');
}
