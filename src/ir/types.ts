// The spikemesh IR: plain typed data describing an Akida-style integer network.
// Everything here is serialisable (src/ir/io.ts) and free of GPU or tfjs types.
// The numeric meaning of every field is fixed by DESIGN.md section 3 and
// implemented once in src/reference (the oracle) and once in shaders/ (the GPU).

export type WeightBits = 1 | 2 | 4 | 8;
export type ActBits = 1 | 2 | 4;
export type Padding = 'same' | 'valid';

/** Height, width, channels. Activations are stored NHWC, row-major. */
export type Shape3 = [h: number, w: number, c: number];

export type LayerKind =
  | 'InputData'
  | 'InputConvolutional'
  | 'Convolutional'
  | 'SeparableConvolutional'
  | 'FullyConnected';

/**
 * Pooling after a layer.
 * - max: applied to the activations (after thresholding), window `size`, `stride`, `padding`.
 *   Padded positions never win (they are -infinity).
 * - average: integer sum of the potentials over a `valid` window; the activation then uses
 *   threshold * area and step * area (area = size[0] * size[1]).
 * - global_avg: integer sum of the potentials over H x W; threshold and step scaled by H * W.
 */
export type Pooling =
  | { type: 'none' }
  | { type: 'max'; size: [number, number]; stride: [number, number]; padding: Padding }
  | { type: 'average'; size: [number, number]; stride: [number, number] }
  | { type: 'global_avg' };

/**
 * The Akida activation, per output channel c:
 *   out = 0                                             if p <= threshold[c] * A
 *   out = min(ceil(16 * (p - threshold[c] * A) / (actStep16[c] * A)), 2^bits - 1) otherwise
 * where A is the pooling area (1 without average/global pooling).
 * actStep16 is act_step in fixed point with 4 fractional bits: 1 <= actStep16 <= 2^20 - 1
 * (act_step from 1/16 to 65535.9375).
 */
export interface Activation {
  bits: ActBits;
  threshold: Int32Array;
  actStep16: Uint32Array;
}

/**
 * Per-channel constants predict() uses to rescale the potentials of a last layer without
 * activation: (p - threshold*A) / (actStep16/16 * A). Set by the converter from the float
 * layer it replaces; absent means predict() returns the raw potentials.
 */
export interface PredictScale {
  threshold: Int32Array;
  actStep16: Uint32Array;
}

export interface LayerBase {
  name: string;
  kind: LayerKind;
}

/** Passes the 8-bit (or fewer bits) unsigned input through. */
export interface InputDataLayer extends LayerBase {
  kind: 'InputData';
  inputShape: Shape3;
  /** bits of the unsigned integer input, 1..8 */
  inputBits: number;
}

/**
 * Weights of a convolution, layout [kh][kw][cin][cout] (Akida's WHCN with our row-major HW).
 * InputConvolutional weights are applied as a cross-correlation (like Keras);
 * Convolutional weights are stored spatially flipped and applied as a true convolution:
 *   p[y][x][o] = sum_{i,j,c} w[kh-1-i][kw-1-j][c][o] * in[y*s + i - padTop][x*s + j - padLeft][c]
 */
export interface ConvParams {
  kernel: [number, number];
  stride: number;
  padding: Padding;
  filters: number;
  weightBits: WeightBits;
  weights: Int8Array;
  pooling: Pooling;
  /** null: the layer returns potentials (only allowed on the last layer). */
  activation: Activation | null;
  predictScale?: PredictScale;
}

export interface InputConvolutionalLayer extends LayerBase, ConvParams {
  kind: 'InputConvolutional';
  inputShape: Shape3;
  /** bits of the unsigned integer input, 8 unless told otherwise */
  inputBits: number;
  /**
   * The integer value 'same' padding pads the input with (cnn2snn's padding_value, the input
   * shift): 0 when absent; an integer in [0, 2^inputBits - 1].
   */
  padValue?: number;
}

export interface ConvolutionalLayer extends LayerBase, ConvParams {
  kind: 'Convolutional';
}

/**
 * Depthwise (flipped, [kh][kw][c]) then pointwise ([c][cout]); the depthwise result is an
 * unthresholded integer; the activation follows the pointwise sum.
 */
export interface SeparableConvolutionalLayer extends LayerBase {
  kind: 'SeparableConvolutional';
  kernel: [number, number];
  stride: number;
  padding: Padding;
  filters: number;
  weightBits: WeightBits;
  depthwise: Int8Array;
  pointwise: Int8Array;
  pooling: Pooling;
  activation: Activation | null;
  predictScale?: PredictScale;
}

/**
 * Dense over the flattened input (NHWC flatten order: index (y*W + x)*C + c).
 * Weights layout [inputs][units].
 */
export interface FullyConnectedLayer extends LayerBase {
  kind: 'FullyConnected';
  units: number;
  weightBits: WeightBits;
  weights: Int8Array;
  activation: Activation | null;
  predictScale?: PredictScale;
}

export type Layer =
  | InputDataLayer
  | InputConvolutionalLayer
  | ConvolutionalLayer
  | SeparableConvolutionalLayer
  | FullyConnectedLayer;

/** Float input x maps to the integer input as round(scale * x + shift), clipped to [0, 2^bits - 1]. */
export interface InputScaling {
  scale: number;
  shift: number;
}

export interface ModelSpec {
  /** format version of the IR */
  version: 1;
  name?: string;
  inputScaling?: InputScaling;
  /** first layer is InputData or InputConvolutional */
  layers: Layer[];
  /** free-form provenance: source model, quantization settings */
  metadata?: Record<string, unknown>;
}

/** A batch of integer tensors, NHWC row-major. */
export interface IntBatch {
  data: Int32Array;
  /** samples in the batch */
  n: number;
  shape: Shape3;
}

/**
 * Largest actStep16: act_step is a fixed-point value with 4 fractional bits of at most
 * 65535.9375 (Akida's act_step, cnn2snn 2.x: 1/16 to 65535.9375). The register width is not
 * public; this bound on the value is an assumption (docs/ARCHITECTURE.md, "act_step range").
 */
export const MAX_ACT_STEP16 = 2 ** 20 - 1;

/** What a forward pass returns, on any backend. */
export interface ForwardResult {
  /** the last layer's output (activations, or potentials when it has no activation) */
  output: IntBatch;
  /** non-zero outputs (spikes/events) per layer, summed over the batch */
  spikes: number[];
  /** every layer's output, when asked for */
  layers?: IntBatch[];
}

/** Spikes of one layer over the samples a model has run (Model.statistics). */
export interface LayerStatistics {
  name: string;
  kind: string;
  /** outputs per sample (H x W x C) */
  outputs: number;
  /** non-zero outputs (spikes/events) summed over all samples seen */
  spikes: number;
  samples: number;
  /** spikes per sample */
  spikesPerSample: number;
  /** fraction of outputs that are zero */
  sparsity: number;
}

/**
 * The `default:` of every `switch (layer.kind)`: a new LayerKind makes each switch that lacks
 * it a type error (the list of places to extend, docs/ARCHITECTURE.md "Adding a layer kind"),
 * and a layer of unknown kind at run time an error naming it.
 */
export function unknownKind(layer: never): never {
  throw new Error(`unknown layer kind '${String((layer as { kind?: unknown }).kind)}'`);
}
