// Quantization-aware tfjs layers (the CNN2SNN QuantizedConv2D / QuantizedSeparableConv2D /
// QuantizedDense / QuantizedReLU family). The forward pass sees quantized weights and
// activations; the backward pass uses straight-through estimators, so float weights keep
// accumulating small updates during fine-tuning. The same quantizer functions give the
// converter its integers, so the integer model and this float model agree by construction.
import * as tf from '@tensorflow/tfjs';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology';
import { windowGeometry } from '../ir/shapes.js';
import type { Padding, WeightBits } from '../ir/types.js';
import { ACT_BITS, WEIGHT_BITS, weightMax as kmax } from '../ir/validate.js';

/** Symmetric weight quantizer: per tensor ("MaxQuantizer") or per output channel ("MaxPerAxis"). */
export interface WeightQuantizer {
  bits: WeightBits;
  perAxis: boolean;
}

export function checkWeightQuantizer(q: WeightQuantizer, where: string): void {
  if (!WEIGHT_BITS.includes(q.bits)) throw new RangeError(`${where}: weight bits ${q.bits} not in {1, 2, 4, 8}`);
}

/**
 * Integer weights q and scale factors sf with w ~ q / sf. The last axis is the output channel.
 * bits > 1: sf = kmax / max|W|, q = clip(round(w * sf), -kmax, kmax).
 * bits = 1: q = sign(w) (0 counts as +1), sf = 1 / mean|W| (the mean magnitude keeps the
 * layer's output scale; max|W| would shrink every weight to the largest one).
 * sf has shape [cout] for per-axis quantizers and [1] otherwise. All-zero weights give sf = 1.
 */
export function quantizeWeights(w: tf.Tensor, q: WeightQuantizer): { q: tf.Tensor; sf: tf.Tensor1D } {
  return tf.tidy(() => {
    const cout = w.shape[w.rank - 1]!;
    const flat = q.perAxis ? w.reshape([-1, cout]) : w.reshape([-1, 1]);
    const abs = flat.abs();
    const mag = q.bits === 1 ? abs.mean(0) : abs.max(0);
    const sf = tf.where(mag.greater(0), tf.scalar(kmax(q.bits)).div(mag), tf.onesLike(mag)) as tf.Tensor1D;
    const ints =
      q.bits === 1
        ? tf.where(w.greaterEqual(0), tf.onesLike(w), tf.onesLike(w).neg())
        : w.mul(sf).round().clipByValue(-kmax(q.bits), kmax(q.bits));
    return { q: ints, sf };
  });
}

/** Fake-quantized weights q / sf, with a straight-through gradient to the float weights. */
const fakeQuant = (q: WeightQuantizer) =>
  tf.customGrad((w) => {
    const t = quantizeWeights(w as tf.Tensor, q);
    const value = tf.tidy(() => t.q.div(t.sf));
    tf.dispose([t.q, t.sf]);
    return { value, gradFunc: (dy: tf.Tensor) => dy };
  });

/** ceil with a straight-through (identity) gradient. */
const ceilThrough = tf.customGrad((x) => ({ value: (x as tf.Tensor).ceil(), gradFunc: (dy: tf.Tensor) => dy }));

type Pair = [number, number];
const pair = (v: number | number[] | undefined, dflt: number): Pair =>
  v === undefined ? [dflt, dflt] : typeof v === 'number' ? [v, v] : [v[0] ?? dflt, v[1] ?? v[0] ?? dflt];

function convShape(inputShape: tf.Shape, kernel: Pair, strides: Pair, padding: Padding, cout: number): tf.Shape {
  const [n, h, w] = inputShape;
  const oh = h == null ? null : windowGeometry(h, kernel[0], strides[0], padding).out;
  const ow = w == null ? null : windowGeometry(w, kernel[1], strides[1], padding).out;
  return [n ?? null, oh, ow, cout] as tf.Shape;
}

function singleShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
}

function singleInput(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

interface QuantizedArgs extends LayerArgs {
  /** weight bits (1, 2, 4 or 8) */
  bits: WeightBits;
  /** per-output-channel scale factors (MaxPerAxis); default per tensor (MaxQuantizer) */
  perAxis?: boolean;
  useBias?: boolean;
}

export interface QuantizedConv2DArgs extends QuantizedArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: Padding;
}

/**
 * What the quantized neural layers share: a weight quantizer, an optional bias, and the config
 * entries that save them.
 */
abstract class QuantizedNeuralLayer extends tf.layers.Layer {
  readonly useBias: boolean;
  readonly quantizer: WeightQuantizer;
  bias: tf.LayerVariable | null = null;

  constructor(args: QuantizedArgs, perAxis: boolean) {
    super(args);
    this.useBias = args.useBias ?? true;
    this.quantizer = { bits: args.bits, perAxis };
    checkWeightQuantizer(this.quantizer, `layer '${this.name}'`);
  }

  protected addKernel(name: string, shape: number[]): tf.LayerVariable {
    return this.addWeight(name, shape, 'float32', tf.initializers.glorotUniform({}));
  }

  protected addBias(n: number): void {
    if (this.useBias) this.bias = this.addWeight('bias', [n], 'float32', tf.initializers.zeros());
  }

  /** The weights as the forward pass sees them (straight-through to the float weights). */
  protected quantized<T extends tf.Tensor>(kernel: tf.LayerVariable, q: WeightQuantizer = this.quantizer): T {
    return fakeQuant(q)(kernel.read()) as T;
  }

  protected withBias(y: tf.Tensor): tf.Tensor {
    return this.bias ? y.add(this.bias.read()) : y;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), useBias: this.useBias, bits: this.quantizer.bits, perAxis: this.quantizer.perAxis };
  }
}

type QuantizedSpatialArgs = Omit<QuantizedConv2DArgs, 'filters'>;

/** The convolutions' geometry on top of QuantizedNeuralLayer. */
abstract class QuantizedSpatialLayer extends QuantizedNeuralLayer {
  readonly kernelSize: Pair;
  readonly strides: Pair;
  readonly padding: Padding;

  constructor(args: QuantizedSpatialArgs, perAxis: boolean) {
    super(args, perAxis);
    this.kernelSize = pair(args.kernelSize, 1);
    this.strides = pair(args.strides, 1);
    this.padding = args.padding ?? 'valid';
  }

  protected convOutputShape(inputShape: tf.Shape | tf.Shape[], cout: number): tf.Shape {
    return convShape(singleShape(inputShape), this.kernelSize, this.strides, this.padding, cout);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), kernelSize: this.kernelSize, strides: this.strides, padding: this.padding };
  }
}

/** Conv2D whose forward pass uses quantized weights (Keras HWIO kernel, channels last). */
export class QuantizedConv2D extends QuantizedSpatialLayer {
  static className = 'QuantizedConv2D';
  readonly filters: number;
  kernel!: tf.LayerVariable;

  constructor(args: QuantizedConv2DArgs) {
    super(args, args.perAxis ?? false);
    this.filters = args.filters;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    this.kernel = this.addKernel('kernel', [...this.kernelSize, singleShape(inputShape)[3]!, this.filters]);
    this.addBias(this.filters);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return this.convOutputShape(inputShape, this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      this.withBias(tf.conv2d(singleInput(inputs) as tf.Tensor4D, this.quantized<tf.Tensor4D>(this.kernel), this.strides, this.padding)));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters };
  }
}

export type QuantizedDepthwiseConv2DArgs = Omit<QuantizedConv2DArgs, 'filters' | 'perAxis'>;

/**
 * DepthwiseConv2D (depth multiplier 1) with quantized weights. Always per tensor: in the
 * integer model a depthwise result feeds a pointwise sum over channels, which only factors
 * out one common scale.
 */
export class QuantizedDepthwiseConv2D extends QuantizedSpatialLayer {
  static className = 'QuantizedDepthwiseConv2D';
  depthwiseKernel!: tf.LayerVariable;

  constructor(args: QuantizedDepthwiseConv2DArgs) {
    super(args, false);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = singleShape(inputShape)[3]!;
    this.depthwiseKernel = this.addKernel('depthwise_kernel', [...this.kernelSize, c, 1]);
    this.addBias(c);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return this.convOutputShape(inputShape, singleShape(inputShape)[3]!);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      this.withBias(tf.depthwiseConv2d(singleInput(inputs) as tf.Tensor4D, this.quantized<tf.Tensor4D>(this.depthwiseKernel), this.strides, this.padding)));
  }
}

/**
 * SeparableConv2D (depth multiplier 1) with quantized weights: the depthwise kernel per tensor
 * (see QuantizedDepthwiseConv2D), the pointwise kernel per tensor or per output channel.
 */
export class QuantizedSeparableConv2D extends QuantizedSpatialLayer {
  static className = 'QuantizedSeparableConv2D';
  readonly filters: number;
  readonly depthwiseQuantizer: WeightQuantizer;
  depthwiseKernel!: tf.LayerVariable;
  pointwiseKernel!: tf.LayerVariable;

  constructor(args: QuantizedConv2DArgs) {
    super(args, args.perAxis ?? false);
    this.filters = args.filters;
    this.depthwiseQuantizer = { bits: args.bits, perAxis: false };
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const c = singleShape(inputShape)[3]!;
    this.depthwiseKernel = this.addKernel('depthwise_kernel', [...this.kernelSize, c, 1]);
    this.pointwiseKernel = this.addKernel('pointwise_kernel', [1, 1, c, this.filters]);
    this.addBias(this.filters);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return this.convOutputShape(inputShape, this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const dw = this.quantized<tf.Tensor4D>(this.depthwiseKernel, this.depthwiseQuantizer);
      const pw = this.quantized<tf.Tensor4D>(this.pointwiseKernel);
      return this.withBias(tf.separableConv2d(singleInput(inputs) as tf.Tensor4D, dw, pw, this.strides, this.padding));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), filters: this.filters };
  }
}

export interface QuantizedDenseArgs extends QuantizedArgs {
  units: number;
}

/** Dense with quantized weights (kernel [inputs][units]). */
export class QuantizedDense extends QuantizedNeuralLayer {
  static className = 'QuantizedDense';
  readonly units: number;
  kernel!: tf.LayerVariable;

  constructor(args: QuantizedDenseArgs) {
    super(args, args.perAxis ?? false);
    this.units = args.units;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const s = singleShape(inputShape);
    if (s.length !== 2) throw new Error(`layer '${this.name}': QuantizedDense needs a flat input, got [${s}] (add a Flatten)`);
    this.kernel = this.addKernel('kernel', [s[1]!, this.units]);
    this.addBias(this.units);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [singleShape(inputShape)[0] ?? null, this.units] as tf.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => this.withBias(tf.matMul(singleInput(inputs) as tf.Tensor2D, this.quantized<tf.Tensor2D>(this.kernel))));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units };
  }
}

/** Smallest step the activation accepts: keeps a trained step from collapsing to zero. */
export const MIN_ACT_STEP = 1e-4;

/**
 * Width of one activation level for a `step` stored in 4-bit units (CNN2SNN's convention, which
 * keeps the trainable value comparable across bit widths): width = step * 2^(4 - bits).
 */
export function stepWidth(step: number, bits: number): number {
  return Math.max(step, MIN_ACT_STEP) * 2 ** (4 - bits);
}

export interface QuantizedReLUArgs extends LayerArgs {
  /** activation bits: 1, 2 or 4 */
  bits: number;
  /** initial step in 4-bit units (level width = step * 2^(4 - bits)); default 6/15, ReLU6 */
  step?: number;
  /** learn the step with the weights (LSQ-style gradient); default true */
  trainableStep?: boolean;
}

/**
 * Bounded, discrete ReLU: y = w * clip(ceil(x / w - 1/2), 0, 2^bits - 1), w = level width.
 * ceil(x/w - 1/2) is rounding to the nearest level with ties going down, which is exactly the
 * Akida rule (out = n + 1 when T + n*s < p <= T + (n+1)*s) with the threshold half a step up.
 * Gradients: straight through the ceiling; clipping stops them outside the range; the step
 * receives (level - x/w) inside the range and 2^bits - 1 above it (as in LSQ).
 */
export class QuantizedReLU extends tf.layers.Layer {
  static className = 'QuantizedReLU';
  readonly bits: number;
  readonly initialStep: number;
  trainableStep: boolean;
  step!: tf.LayerVariable;

  constructor(args: QuantizedReLUArgs) {
    super(args);
    if (!(ACT_BITS as readonly number[]).includes(args.bits)) {
      throw new RangeError(`layer '${this.name}': activation bits ${args.bits} not in {1, 2, 4}`);
    }
    this.bits = args.bits;
    this.initialStep = args.step ?? 6 / 15;
    if (!(this.initialStep > 0)) throw new RangeError(`layer '${this.name}': step must be positive, got ${args.step}`);
    this.trainableStep = args.trainableStep ?? true;
  }

  override build(): void {
    this.step = this.addWeight('step', [], 'float32', tf.initializers.constant({ value: this.initialStep }),
      undefined, this.trainableStep);
    this.built = true;
  }

  /**
   * Stops training the step. Setting `step.trainable` is not enough: a model's compile sets
   * every layer's trainable weights trainable again, so the variable moves to the layer's
   * non-trainable weights (as if built with trainableStep: false, which is also what it saves).
   */
  freezeStep(): void {
    const self = this as unknown as { _trainableWeights: tf.LayerVariable[]; _nonTrainableWeights: tf.LayerVariable[] };
    if (self._trainableWeights.includes(this.step)) {
      self._trainableWeights = self._trainableWeights.filter((w) => w !== this.step);
      self._nonTrainableWeights.push(this.step);
    }
    this.step.trainable = false;
    this.trainableStep = false;
  }

  /** The level width currently in use (reads the step variable). */
  levelWidth(): number {
    return stepWidth(this.step.read().dataSync()[0]!, this.bits);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      const width = this.step.read().maximum(MIN_ACT_STEP).mul(2 ** (4 - this.bits));
      const level = (ceilThrough(x.div(width).sub(0.5)) as tf.Tensor).clipByValue(0, 2 ** this.bits - 1);
      return level.mul(width);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), bits: this.bits, step: this.initialStep, trainableStep: this.trainableStep };
  }
}

for (const cls of [QuantizedConv2D, QuantizedDepthwiseConv2D, QuantizedSeparableConv2D, QuantizedDense, QuantizedReLU]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}

/** Is this one of the quantization-aware layers? */
export function isQuantizedLayer(layer: tf.layers.Layer): boolean {
  return ['QuantizedConv2D', 'QuantizedDepthwiseConv2D', 'QuantizedSeparableConv2D', 'QuantizedDense', 'QuantizedReLU']
    .includes(layer.getClassName());
}
