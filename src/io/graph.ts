// The float graph every model reader (tfjs here; Keras and ONNX later) produces and every
// consumer (convert/, temporal/) reads: a serial chain of typed layers, NHWC, float32 weights in
// the Keras layouts. Readers normalise configs; consumers decide what they can map.
import type { Padding, Shape3, WeightBits } from '../ir/types.js';

/** The weight quantizer of a quantization-aware layer (cnn2snn's QuantizedConv2D, ...). */
export interface GraphQuantizer {
  bits: WeightBits;
  /** per output channel scales (MaxPerAxis), else per tensor */
  perAxis: boolean;
}

/** A fused or standalone activation function by its Keras name: 'linear', 'relu', 'relu6', 'softmax', ... */
export type ActivationName = string;

interface Spatial {
  kernel: [number, number];
  strides: [number, number];
  padding: Padding;
  inChannels: number;
  activation: ActivationName;
  /** null: no bias */
  bias: Float32Array | null;
  /** set on quantization-aware layers: the forward pass sees quantized weights */
  quantizer?: GraphQuantizer;
}

export type GraphOp =
  /** weights [kh][kw][inChannels][filters], applied as a cross-correlation */
  | ({ kind: 'conv2d'; filters: number; weights: Float32Array } & Spatial)
  /** depthwise [kh][kw][inChannels][depthMultiplier]; bias per inChannels * depthMultiplier */
  | ({ kind: 'depthwise'; depthMultiplier: number; depthwise: Float32Array } & Spatial)
  /** depthwise [kh][kw][inChannels][depthMultiplier], pointwise [inChannels * depthMultiplier][filters] */
  | ({ kind: 'separable'; filters: number; depthMultiplier: number; depthwise: Float32Array; pointwise: Float32Array } & Spatial)
  /** weights [inputs][units]; a flattened input is in NHWC order */
  | { kind: 'dense'; inputs: number; units: number; weights: Float32Array; bias: Float32Array | null;
      activation: ActivationName; quantizer?: GraphQuantizer }
  /** over the channel (last) axis; gamma/beta null when scale/center are off */
  | { kind: 'batchnorm'; gamma: Float32Array | null; beta: Float32Array | null; mean: Float32Array;
      variance: Float32Array; epsilon: number }
  /** global_avg: size and strides cover the whole input map */
  | { kind: 'pool'; type: 'max' | 'average' | 'global_avg'; size: [number, number]; strides: [number, number]; padding: Padding }
  /** min(max(x, 0), maxValue) */
  | { kind: 'relu'; maxValue: number | null }
  /** cnn2snn QuantizedReLU: `step` in 4-bit units (level width step * 2^(4 - bits)) */
  | { kind: 'quantized-relu'; bits: number; step: number }
  /** Activation and Softmax layers (an Activation('relu'/'relu6') reads as 'relu') */
  | { kind: 'activation'; activation: ActivationName }
  /** Flatten, or a Reshape to [n] or [1, 1, n] */
  | { kind: 'flatten' }
  /** x * scale + offset (Keras Rescaling) */
  | { kind: 'rescaling'; scale: number; offset: number }
  /** a layer no consumer can map: why, and what would work */
  | { kind: 'unsupported'; reason: string; fix?: string };

export type GraphLayer = GraphOp & {
  /** the source layer's name */
  name: string;
  /** the source layer's class ('Conv2D', 'QuantizedReLU', ...), for messages */
  className: string;
  /** output shape without the batch: [h, w, c] or [n] */
  output: number[];
};

export type GraphLayerOf<K extends GraphOp['kind']> = Extract<GraphLayer, { kind: K }>;

export interface FloatGraph {
  name: string;
  /** NHWC without the batch; a flat input [n] reads as [1, 1, n] */
  input: Shape3;
  layers: GraphLayer[];
  /** training-only layers left out (identity at inference), each after the named layer (null: first) */
  skipped: Array<{ name: string; className: string; after: string | null }>;
}

export const isNeural = (l: GraphLayer): l is GraphLayerOf<'conv2d' | 'depthwise' | 'separable' | 'dense'> =>
  l.kind === 'conv2d' || l.kind === 'depthwise' || l.kind === 'separable' || l.kind === 'dense';
