// The reference forward pass: the integer oracle every GPU path is tested against.
import { inferShapes, potentialShape, shapeSize } from '../ir/shapes.js';
import type { ForwardResult, IntBatch, Layer, ModelSpec, Shape3 } from '../ir/types.js';
import { convPotentials, densePotentials, depthwisePotentials } from './conv.js';
import { poolAndActivate } from './pool.js';
import { unknownKind } from '../ir/types.js';

/** One sample through one layer. */
export function layerForward(layer: Layer, x: Int32Array, input: Shape3): Int32Array {
  switch (layer.kind) {
    case 'InputData':
      return x;
    case 'InputConvolutional':
    case 'Convolutional': {
      const padValue = layer.kind === 'InputConvolutional' ? layer.padValue ?? 0 : 0;
      const p = convPotentials(x, { input, kernel: layer.kernel, stride: layer.stride, padding: layer.padding, padValue },
        layer.weights, layer.filters, layer.kind === 'Convolutional');
      return poolAndActivate(p.data, p.shape, layer.pooling, layer.activation);
    }
    case 'SeparableConvolutional': {
      const dw = depthwisePotentials(x, { input, kernel: layer.kernel, stride: layer.stride, padding: layer.padding },
        layer.depthwise);
      const shape = potentialShape(layer, input);
      const pts = shape[0] * shape[1];
      const p = new Int32Array(pts * layer.filters);
      for (let i = 0; i < pts; i++) {
        p.set(densePotentials(dw.data.subarray(i * input[2], (i + 1) * input[2]), layer.pointwise, layer.filters),
          i * layer.filters);
      }
      return poolAndActivate(p, shape, layer.pooling, layer.activation);
    }
    case 'FullyConnected': {
      const p = densePotentials(x, layer.weights, layer.units);
      return poolAndActivate(p, [1, 1, layer.units], { type: 'none' }, layer.activation);
    }
    default:
      return unknownKind(layer);
  }
}

export type ReferenceResult = ForwardResult;

/** Runs a batch (NHWC, integers) through the model, one sample at a time. */
export function referenceForward(model: ModelSpec, input: IntBatch, keepAll = false): ReferenceResult {
  const shapes = inferShapes(model.layers);
  const inShape = shapes.inputs[0]!;
  if (input.shape.join() !== inShape.join()) {
    throw new RangeError(`input shape [${input.shape}] does not match the model input [${inShape}]`);
  }
  const inSize = shapeSize(inShape);
  if (input.data.length !== input.n * inSize) {
    throw new RangeError(`input holds ${input.data.length} values, expected ${input.n} x ${inSize}`);
  }
  checkInputRange(model.layers[0] as { name: string; inputBits: number }, input.data);
  const layerOut = model.layers.map((l, k) => ({
    data: new Int32Array(input.n * shapeSize(shapes.inputs[k + 1] ?? shapes.output)),
    n: input.n,
    shape: shapes.inputs[k + 1] ?? shapes.output,
  }));
  const spikes = model.layers.map(() => 0);
  for (let s = 0; s < input.n; s++) {
    let x = input.data.subarray(s * inSize, (s + 1) * inSize);
    model.layers.forEach((layer, k) => {
      x = layerForward(layer, x, shapes.inputs[k]!);
      const size = shapeSize(layerOut[k]!.shape);
      layerOut[k]!.data.set(x, s * size);
      for (let i = 0; i < x.length; i++) if (x[i] !== 0) spikes[k]!++;
    });
  }
  return { output: layerOut[layerOut.length - 1]!, spikes, layers: keepAll ? layerOut : undefined };
}

/** The input layer takes unsigned integers of its input bits. */
function checkInputRange(first: { name: string; inputBits: number }, data: Int32Array): void {
  const max = (1 << first.inputBits) - 1;
  for (let i = 0; i < data.length; i++) {
    if (data[i]! < 0 || data[i]! > max) {
      throw new RangeError(`layer '${first.name}': input value ${data[i]} at index ${i} is outside [0, ${max}]`);
    }
  }
}
