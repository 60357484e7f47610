// reshape(): the CNN2SNN `reshape` step. The same layers and weights on a new input size, for
// serial models whose layers do not depend on it (convolutions, pooling, global pooling, and
// a Flatten + Dense only where the flattened size stays the same).
import * as tf from '@tensorflow/tfjs';
import { serialLayers } from '../io/tfjs.js';

export interface ReshapeSize {
  width: number;
  height: number;
}

type FromConfig = { fromConfig: (cls: unknown, config: tf.serialization.ConfigDict) => tf.layers.Layer };

/**
 * A new tfjs model with input [height, width, channels] and the same layers and weights. Throws,
 * naming the layer, when a layer's weights or output no longer fit (e.g. a Dense after a Flatten
 * whose size changes). The input model is not modified.
 */
export function reshape(model: tf.LayersModel, size: ReshapeSize): tf.Sequential {
  for (const [k, v] of Object.entries(size)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`reshape: ${k} must be a positive integer, got ${v}`);
  }
  const inShape = model.inputs[0]!.shape;
  if (inShape.length !== 4) throw new Error(`reshape: model '${model.name}' takes [${inShape.slice(1)}], not an image [height, width, channels]`);
  const out = tf.sequential({ name: model.name });
  out.add(tf.layers.inputLayer({ inputShape: [size.height, size.width, inShape[3]!], name: `${model.name}_input` }));
  for (const layer of serialLayers(model)) {
    const before = out.outputs[0]!.shape;
    const copy = (layer.constructor as unknown as FromConfig).fromConfig(layer.constructor, layer.getConfig());
    try {
      out.add(copy);
      copy.setWeights(layer.getWeights());
    } catch (err) {
      const was = layer.inboundNodes[0]?.inputShapes;
      throw new Error(`reshape: layer '${layer.name}' (${layer.getClassName()}) does not accept the new input size: ` +
        `it receives [${before.slice(1)}] instead of [${(Array.isArray(was?.[0]) ? was[0] : was)?.slice(1)}] (${(err as Error).message})`);
    }
    const shape = out.outputs[0]!.shape;
    if (shape.slice(1).some((d) => d !== null && d < 1)) {
      throw new Error(`reshape: layer '${layer.name}' (${layer.getClassName()}) outputs [${shape.slice(1)}]: the new input is too small`);
    }
  }
  return out;
}
