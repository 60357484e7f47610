// tfjs LayersModel -> FloatGraph. Reads the layers through their public methods (class name,
// config, weights by name), so the quantization-aware layers of convert/qlayers.ts read like any
// other once registered. Only serial models: every layer reads the output of the one before it.
import type * as tf from '@tensorflow/tfjs';
import type { Padding, Shape3, WeightBits } from '../ir/types.js';
import type { ActivationName, FloatGraph, GraphLayer, GraphOp, GraphQuantizer } from './graph.js';

/**
 * Layers that only act while training and are the identity at inference; every reader skips
 * them. Union of the two old lists: convert/ had SpatialDropout1D and AlphaDropout, temporal/
 * had SpatialDropout2D (a Keras class, not in tfjs).
 */
export const TRAINING_ONLY: ReadonlySet<string> = new Set([
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout',
]);

export const SUPPORTED_LAYERS =
  'Conv2D, SeparableConv2D, DepthwiseConv2D + 1x1 Conv2D, Dense, BatchNormalization, ReLU, ' +
  'MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Dropout and the Quantized* layers';

/** The layers of a serial model in order, without the InputLayer. Throws naming the first
 * layer that breaks the chain (several inputs, shared layers, branches). */
export function serialLayers(model: tf.LayersModel): tf.layers.Layer[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `model '${model.name}' has ${model.inputs.length} inputs and ${model.outputs.length} outputs: ` +
        'only serial models (one input, one output) can be converted',
    );
  }
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  let previous: string | undefined = model.layers[0]?.getClassName() === 'InputLayer' ? model.layers[0].name : undefined;
  for (const layer of layers) {
    if (layer.inboundNodes.length !== 1) {
      throw new Error(`layer '${layer.name}' is called ${layer.inboundNodes.length} times: shared layers are not supported`);
    }
    const inbound = layer.inboundNodes[0]!.inboundLayers;
    if (inbound.length !== 1) {
      throw new Error(
        `layer '${layer.name}' (${layer.getClassName()}) has ${inbound.length} inputs: only serial models can be ` +
          'converted (no residual connections or parallel branches)',
      );
    }
    if (previous !== undefined && inbound[0]!.name !== previous) {
      throw new Error(
        `layer '${layer.name}' reads '${inbound[0]!.name}' instead of the layer before it ('${previous}'): ` +
          'only serial models can be converted',
      );
    }
    if (layer.outboundNodes.length > 1) {
      throw new Error(`the output of layer '${layer.name}' feeds ${layer.outboundNodes.length} layers: only serial models can be converted`);
    }
    previous = layer.name;
  }
  return layers;
}

/** Reads a serial model; layers no consumer supports become 'unsupported' records (never thrown). */
export function floatGraphFromTfjs(model: tf.LayersModel): FloatGraph {
  const layers = serialLayers(model);
  const shape = model.inputs[0]!.shape.slice(1);
  if (!shape.every((d) => typeof d === 'number' && d > 0) || (shape.length !== 3 && shape.length !== 1)) {
    throw new Error(`model '${model.name}': input shape [${shape}] is not supported: expected [height, width, channels] or [features]`);
  }
  const graph: FloatGraph = {
    name: model.name,
    input: (shape.length === 3 ? shape : [1, 1, shape[0]]) as Shape3,
    layers: [],
    skipped: [],
  };
  for (const layer of layers) {
    const className = layer.getClassName();
    if (TRAINING_ONLY.has(className)) {
      graph.skipped.push({ name: layer.name, className, after: graph.layers.at(-1)?.name ?? null });
      continue;
    }
    const output = (layer.outputShape as (number | null)[]).slice(1).map((d) => d ?? 1);
    graph.layers.push({ ...readLayer(layer, className), name: layer.name, className, output } as GraphLayer);
  }
  return graph;
}

type Config = tf.serialization.ConfigDict;

function pair(v: unknown, dflt: number): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v)) return [Number(v[0] ?? dflt), Number(v[1] ?? v[0] ?? dflt)];
  return [dflt, dflt];
}

/** The activation a config names; Keras may store it as { className, config: { name } }. */
function activationName(cfg: Config): ActivationName {
  const a = cfg.activation;
  if (a === undefined || a === null) return 'linear';
  if (typeof a === 'string') return a;
  const o = a as { className?: string; config?: { name?: string } };
  return String(o.config?.name ?? o.className).toLowerCase();
}

/** A weight by its short name ('kernel', 'gamma', ...) as float32 values. */
function weight(layer: tf.layers.Layer, short: string): Float32Array | null {
  const v = layer.weights.find((w) => w.originalName === `${layer.name}/${short}` || w.originalName.endsWith(`/${short}`));
  return v ? Float32Array.from(v.read().dataSync()) : null;
}

function required(layer: tf.layers.Layer, short: string): Float32Array {
  const w = weight(layer, short);
  if (!w) throw new Error(`layer '${layer.name}' (${layer.getClassName()}) has no weight '${short}'`);
  return w;
}

const unsupported = (reason: string, fix?: string): GraphOp => ({ kind: 'unsupported', reason, ...(fix && { fix }) });

function readLayer(layer: tf.layers.Layer, cls: string): GraphOp {
  const cfg = layer.getConfig();
  // QuantizedConv2D reads as Conv2D plus its quantizer
  const base = cls === 'QuantizedReLU' ? cls : cls.replace(/^Quantized/, '');
  const quantizer: GraphQuantizer | undefined =
    base !== cls ? { bits: Number(cfg.bits) as WeightBits, perAxis: Boolean(cfg.perAxis) } : undefined;
  const inShape = [layer.input].flat()[0]!.shape.slice(1).map((d) => d ?? 1);
  switch (base) {
    case 'Conv2D':
    case 'DepthwiseConv2D':
    case 'SeparableConv2D': {
      if (cfg.dataFormat === 'channelsFirst') return unsupported('channels-first data is not supported', "use dataFormat 'channelsLast'");
      const dil = pair(cfg.dilationRate, 1);
      if (dil[0] !== 1 || dil[1] !== 1) return unsupported(`dilation rate [${dil}] is not supported`, 'use dilation 1');
      const padding = String(cfg.padding ?? 'valid');
      if (padding !== 'same' && padding !== 'valid') return unsupported(`padding '${padding}' is not supported`, "use 'same' or 'valid'");
      const spatial = {
        kernel: pair(cfg.kernelSize, 1), strides: pair(cfg.strides, 1), padding: padding as Padding,
        inChannels: inShape[2]!, activation: activationName(cfg), bias: weight(layer, 'bias'), ...(quantizer && { quantizer }),
      };
      const depthMultiplier = Number(cfg.depthMultiplier ?? 1);
      if (base === 'Conv2D') return { kind: 'conv2d', ...spatial, filters: Number(cfg.filters), weights: required(layer, 'kernel') };
      const depthwise = required(layer, 'depthwise_kernel');
      if (base === 'DepthwiseConv2D') return { kind: 'depthwise', ...spatial, depthMultiplier, depthwise };
      return { kind: 'separable', ...spatial, filters: Number(cfg.filters), depthMultiplier, depthwise, pointwise: required(layer, 'pointwise_kernel') };
    }
    case 'Dense':
      return { kind: 'dense', inputs: inShape.at(-1)!, units: Number(cfg.units), weights: required(layer, 'kernel'),
        bias: weight(layer, 'bias'), activation: activationName(cfg), ...(quantizer && { quantizer }) };
    case 'BatchNormalization': {
      const axis = cfg.axis as number | number[];
      const ax = [axis].flat();
      if (ax.length !== 1 || (ax[0] !== -1 && ax[0] !== inShape.length)) {
        return unsupported(`BatchNormalization over axis ${JSON.stringify(axis)}: only the channel axis (-1) can be folded`);
      }
      return { kind: 'batchnorm', gamma: weight(layer, 'gamma'), beta: weight(layer, 'beta'), mean: required(layer, 'moving_mean'),
        variance: required(layer, 'moving_variance'), epsilon: Number(cfg.epsilon ?? 1e-3) };
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = pair(cfg.poolSize, 2);
      const padding = String(cfg.padding ?? 'valid');
      if (padding !== 'same' && padding !== 'valid') return unsupported(`padding '${padding}' is not supported`, "use 'same' or 'valid'");
      return { kind: 'pool', type: base === 'MaxPooling2D' ? 'max' : 'average', size, strides: pair(cfg.strides ?? cfg.poolSize, size[0]),
        padding: padding as Padding };
    }
    case 'GlobalAveragePooling2D': {
      const hw: [number, number] = [inShape[0]!, inShape[1]!];
      return { kind: 'pool', type: 'global_avg', size: hw, strides: hw, padding: 'valid' };
    }
    case 'ReLU':
      if (cfg.negativeSlope || cfg.threshold) return unsupported('leaky or thresholded ReLU is not supported', 'use a plain ReLU');
      return { kind: 'relu', maxValue: cfg.maxValue == null ? null : Number(cfg.maxValue) };
    case 'QuantizedReLU':
      return { kind: 'quantized-relu', bits: Number(cfg.bits), step: required(layer, 'step')[0]! };
    case 'Activation': {
      const activation = activationName(cfg);
      if (activation === 'relu' || activation === 'relu6') return { kind: 'relu', maxValue: activation === 'relu6' ? 6 : null };
      return { kind: 'activation', activation };
    }
    case 'Softmax':
      return { kind: 'activation', activation: 'softmax' };
    case 'Flatten':
      return { kind: 'flatten' };
    case 'Reshape': {
      const t = cfg.targetShape as number[] | undefined;
      if (t && (t.length === 1 || (t.length === 3 && t[0] === 1 && t[1] === 1))) return { kind: 'flatten' };
      return unsupported(`Reshape to [${t}] is not supported: only flattening reshapes`, 'use Flatten');
    }
    case 'Rescaling':
      return { kind: 'rescaling', scale: Number(cfg.scale ?? 1), offset: Number(cfg.offset ?? 0) };
    default:
      return unsupported(`layer type ${cls} is not supported`, `supported: ${SUPPORTED_LAYERS}`);
  }
}
