// Shape inference for the IR: one place that knows output sizes and padding offsets.
import type { Layer, Padding, Pooling, Shape3 } from './types.js';
import { unknownKind } from './types.js';

/** Output length and leading pad of a window op along one axis (TensorFlow's convention). */
export function windowGeometry(
  size: number,
  kernel: number,
  stride: number,
  padding: Padding,
): { out: number; padBefore: number } {
  if (padding === 'valid') {
    return { out: Math.floor((size - kernel) / stride) + 1, padBefore: 0 };
  }
  const out = Math.ceil(size / stride);
  const padTotal = Math.max((out - 1) * stride + kernel - size, 0);
  return { out, padBefore: Math.floor(padTotal / 2) };
}

/** Spatial shape of the potentials of a conv-like layer, before pooling. */
export function convOutputShape(
  input: Shape3,
  kernel: [number, number],
  stride: number,
  padding: Padding,
  filters: number,
): Shape3 {
  const h = windowGeometry(input[0], kernel[0], stride, padding).out;
  const w = windowGeometry(input[1], kernel[1], stride, padding).out;
  return [h, w, filters];
}

export function poolOutputShape(input: Shape3, pooling: Pooling): Shape3 {
  switch (pooling.type) {
    case 'none':
      return input;
    case 'global_avg':
      return [1, 1, input[2]];
    case 'max':
      return [
        windowGeometry(input[0], pooling.size[0], pooling.stride[0], pooling.padding).out,
        windowGeometry(input[1], pooling.size[1], pooling.stride[1], pooling.padding).out,
        input[2],
      ];
    case 'average':
      return [
        windowGeometry(input[0], pooling.size[0], pooling.stride[0], 'valid').out,
        windowGeometry(input[1], pooling.size[1], pooling.stride[1], 'valid').out,
        input[2],
      ];
  }
}

/** Number of potentials summed into one pooled value (the A of the activation rule). */
export function poolArea(pooling: Pooling, potentialShape: Shape3): number {
  if (pooling.type === 'average') return pooling.size[0] * pooling.size[1];
  if (pooling.type === 'global_avg') return potentialShape[0] * potentialShape[1];
  return 1;
}

/** Shape of the potentials a layer computes (before pooling). */
export function potentialShape(layer: Layer, input: Shape3): Shape3 {
  switch (layer.kind) {
    case 'InputData':
      return input;
    case 'InputConvolutional':
    case 'Convolutional':
    case 'SeparableConvolutional':
      return convOutputShape(input, layer.kernel, layer.stride, layer.padding, layer.filters);
    case 'FullyConnected':
      return [1, 1, layer.units];
    default:
      return unknownKind(layer);
  }
}

export function layerOutputShape(layer: Layer, input: Shape3): Shape3 {
  const p = potentialShape(layer, input);
  return layer.kind === 'InputData' || layer.kind === 'FullyConnected'
    ? p
    : poolOutputShape(p, layer.pooling);
}

export function shapeSize(s: Shape3): number {
  return s[0] * s[1] * s[2];
}

/** Input shape of every layer and the model output shape. */
export function inferShapes(layers: Layer[]): { inputs: Shape3[]; output: Shape3 } {
  const first = layers[0];
  if (!first || (first.kind !== 'InputData' && first.kind !== 'InputConvolutional')) {
    throw new Error('model: the first layer must be InputData or InputConvolutional');
  }
  let shape: Shape3 = first.inputShape;
  const inputs: Shape3[] = [];
  for (const layer of layers) {
    inputs.push(shape);
    shape = layerOutputShape(layer, shape);
  }
  return { inputs, output: shape };
}
