// Synthetic models for the mapper tests: seeded random weights, thresholds that leave some
// neurons firing. Shapes follow ir/shapes.ts; nothing here is checked against itself.
import { mulberry32 } from '../../src/data/rng.js';
import type { ActBits, Activation, Layer, ModelSpec, Padding, Pooling, Shape3, WeightBits } from '../../src/ir/types.js';
import { act, conv, dense, inputConv, inputData, NO_POOL, separable } from '../helpers/builders.js';

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

export const MAX2: Pooling = { type: 'max', size: [2, 2], stride: [2, 2], padding: 'same' };
export const GAP: Pooling = { type: 'global_avg' };

function kernelOf(k: number | [number, number] | undefined, d: number): [number, number] {
  if (k === undefined) return [d, d];
  return typeof k === 'number' ? [k, k] : k;
}

/** The activation of `o`, one threshold and step for every channel (null when actBits is null). */
function activation(channels: number, o: ConvOpts, threshold: number, step16: number): Activation | null {
  if (o.actBits === null) return null;
  const fill = (v: number) => new Array<number>(channels).fill(v);
  return act(o.actBits ?? 4, fill(o.threshold ?? threshold), fill(o.step16 ?? step16));
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
    return this.push(inputData(this.inputShape, inputBits, name), this.channels);
  }

  inputConv(name: string, filters: number, o: ConvOpts = {}): this {
    const c = this.convFields(name, filters, o, 8, 500, 16 * 200);
    const w = this.weights(c.kernel[0] * c.kernel[1] * this.channels * filters, c.weightBits);
    return this.push(inputConv({ ...c, inputShape: this.inputShape, inputBits: 8, weights: w }), filters);
  }

  conv(name: string, filters: number, o: ConvOpts = {}): this {
    const c = this.convFields(name, filters, o, 4, 20, 16 * 8);
    return this.push(conv({ ...c, weights: this.weights(c.kernel[0] * c.kernel[1] * this.channels * filters, c.weightBits) }), filters);
  }

  separable(name: string, filters: number, o: ConvOpts = {}): this {
    const c = this.convFields(name, filters, o, 4, 20, 16 * 8);
    const depthwise = this.weights(c.kernel[0] * c.kernel[1] * this.channels, c.weightBits);
    const pointwise = this.weights(this.channels * filters, c.weightBits);
    return this.push(separable({ ...c, depthwise, pointwise }), filters);
  }

  /** FullyConnected over the current output (inputs = its flattened size). */
  dense(name: string, units: number, inputs: number, o: ConvOpts = {}): this {
    const weightBits = o.weightBits ?? 2;
    const w = this.weights(inputs * units, weightBits);
    return this.push(dense({ name, units, weightBits, weights: w, activation: activation(units, o, 5, 16 * 4) }), units);
  }

  build(name: string): ModelSpec {
    return { version: 1, name, layers: this.layers };
  }

  /** What the conv kinds share: 'same' padding, stride 1, 3x3 and no pooling unless told. */
  private convFields(name: string, filters: number, o: ConvOpts, weightBits: WeightBits, threshold: number, step16: number) {
    return {
      name,
      kernel: kernelOf(o.kernel, 3),
      stride: o.stride ?? 1,
      padding: o.padding ?? 'same',
      filters,
      weightBits: o.weightBits ?? weightBits,
      pooling: o.pooling ?? NO_POOL,
      activation: activation(filters, o, threshold, step16),
    };
  }

  private weights(n: number, bits: WeightBits): Int8Array {
    const max = bits === 1 ? 1 : 2 ** (bits - 1) - 1;
    const w = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      w[i] = bits === 1 ? (this.r() < 0.5 ? -1 : 1) : Math.round((this.r() * 2 - 1) * max);
    }
    return w;
  }

  private push(layer: Layer, channels: number): this {
    this.layers.push(layer);
    this.channels = channels;
    return this;
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
