// The serial chain of a tfjs LayersModel: CNN2SNN (and Akida) only take models where every
// layer has exactly one input, the output of the layer before it.
import type * as tf from '@tensorflow/tfjs';

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
