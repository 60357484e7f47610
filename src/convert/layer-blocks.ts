// Layer blocks (CNN2SNN/akida_models conv_block, separable_conv_block, dense_block): a neural
// layer, then optional pooling, BatchNormalization and (quantized) activation, in the order the
// converter folds into one spikemesh layer: neural -> pool -> BatchNorm -> activation. Pooling
// before BatchNorm and the activation makes global average pooling a sum of potentials.
import * as tf from '@tensorflow/tfjs';
import type { ActBits, Padding, WeightBits } from '../ir/types.js';
import { QuantizedConv2D, QuantizedDense, QuantizedReLU, QuantizedSeparableConv2D } from './qlayers.js';

export interface BlockOptions {
  /** the neural layer's name; the others get `_pool`, `_bn`, `_relu` (and `_flatten`) after it */
  name?: string;
  /** weight bits: the quantization-aware layer when given, the float Keras layer otherwise */
  weightBits?: WeightBits;
  /** per-output-channel weight scales (MaxPerAxis); default per tensor */
  perAxis?: boolean;
  useBias?: boolean;
  /** add a BatchNormalization (default false) */
  batchNorm?: boolean;
  /** add a ReLU (default true); false for a last layer that returns potentials */
  activation?: boolean;
  /** activation bits: a QuantizedReLU when given, a float ReLU otherwise */
  activationBits?: ActBits;
  /** the activation's range [0, maxValue] (default 6, ReLU6) */
  maxValue?: number;
}

export interface ConvBlockOptions extends BlockOptions {
  filters: number;
  kernelSize: number;
  strides?: number;
  /** default 'same' (Akida's Convolutional has same padding only) */
  padding?: Padding;
  /** pooling after the convolution: 2x2 max (poolSize) or global average */
  pooling?: 'max' | 'global_avg';
  poolSize?: number;
}

export interface DenseBlockOptions extends BlockOptions {
  units: number;
  /** a Flatten before the Dense (default false) */
  flatten?: boolean;
}

/** Conv2D (or QuantizedConv2D) [-> pooling] [-> BatchNorm] [-> ReLU]. */
export function convBlock(o: ConvBlockOptions): tf.layers.Layer[] {
  const args = { name: o.name, filters: o.filters, kernelSize: o.kernelSize, strides: o.strides ?? 1, padding: o.padding ?? 'same', useBias: o.useBias ?? true };
  const conv = o.weightBits ? new QuantizedConv2D({ ...args, bits: o.weightBits, perAxis: o.perAxis }) : tf.layers.conv2d(args);
  return [conv, ...tail(o, conv.name)];
}

/** SeparableConv2D (depth multiplier 1, or QuantizedSeparableConv2D) [-> pooling] [-> BatchNorm] [-> ReLU]. */
export function separableConvBlock(o: ConvBlockOptions): tf.layers.Layer[] {
  const args = { name: o.name, filters: o.filters, kernelSize: o.kernelSize, strides: o.strides ?? 1, padding: o.padding ?? 'same', useBias: o.useBias ?? true };
  const conv = o.weightBits
    ? new QuantizedSeparableConv2D({ ...args, bits: o.weightBits, perAxis: o.perAxis })
    : tf.layers.separableConv2d({ ...args, depthMultiplier: 1 });
  return [conv, ...tail(o, conv.name)];
}

/** [Flatten ->] Dense (or QuantizedDense) [-> BatchNorm] [-> ReLU]. */
export function denseBlock(o: DenseBlockOptions): tf.layers.Layer[] {
  const args = { name: o.name, units: o.units, useBias: o.useBias ?? true };
  const dense = o.weightBits ? new QuantizedDense({ ...args, bits: o.weightBits, perAxis: o.perAxis }) : tf.layers.dense(args);
  const flatten = o.flatten ? [tf.layers.flatten({ name: `${dense.name}_flatten` })] : [];
  return [...flatten, dense, ...tail(o, dense.name)];
}

/** Pooling, BatchNorm and activation after a neural layer called `base`. */
function tail(o: BlockOptions & Partial<Pick<ConvBlockOptions, 'pooling' | 'poolSize' | 'padding'>>, base: string): tf.layers.Layer[] {
  const out: tf.layers.Layer[] = [];
  if (o.pooling === 'max') out.push(tf.layers.maxPooling2d({ name: `${base}_pool`, poolSize: o.poolSize ?? 2, padding: o.padding ?? 'same' }));
  else if (o.pooling === 'global_avg') out.push(tf.layers.globalAveragePooling2d({ name: `${base}_pool` }));
  if (o.batchNorm) out.push(tf.layers.batchNormalization({ name: `${base}_bn` }));
  if (o.activation ?? true) {
    const maxValue = o.maxValue ?? 6;
    if (!(maxValue > 0)) throw new RangeError(`block '${base}': maxValue must be positive, got ${maxValue}`);
    out.push(o.activationBits
      ? new QuantizedReLU({ name: `${base}_relu`, bits: o.activationBits, step: (maxValue / (2 ** o.activationBits - 1)) * 2 ** (o.activationBits - 4) })
      : tf.layers.reLU({ name: `${base}_relu`, maxValue }));
  }
  return out;
}
