// Groups the layers of a float graph (src/io/) into CNN2SNN blocks, one per spikemesh layer:
//   neural (Conv2D | SeparableConv2D | DepthwiseConv2D + 1x1 Conv2D | Dense)
//   [pooling] [BatchNormalization] [activation] [max pooling]
// Training-only layers are already left out by the reader; Flatten/Reshape may only precede a
// Dense. Every structural problem becomes an issue naming the layer; nothing is guessed.
import { isNeural, type FloatGraph, type GraphLayer, type GraphLayerOf } from '../io/graph.js';
import type { CompatibilityIssue } from './issues.js';

export type NeuralKind = 'conv' | 'separable' | 'dense';
export type NeuralLayer = GraphLayerOf<'conv2d' | 'depthwise' | 'separable' | 'dense'>;
type Activation = GraphLayerOf<'relu' | 'quantized-relu'> | NeuralLayer;

export interface Block {
  /** the IR layer name: the neural layer's name */
  name: string;
  kind: NeuralKind;
  neural: NeuralLayer;
  /** the 1x1 Conv2D of a DepthwiseConv2D + pointwise pair */
  pointwise?: GraphLayerOf<'conv2d'>;
  /** beforeBatchNorm: the pooling sees the raw potentials (CNN2SNN's block order) */
  pool?: { layer: GraphLayerOf<'pool'>; beforeActivation: boolean; beforeBatchNorm: boolean };
  bn?: GraphLayerOf<'batchnorm'>;
  /** a ReLU-like layer or QuantizedReLU; `internal` when it is the neural layer's own activation */
  activation?: { layer: Activation; internal: boolean };
  /** a trailing softmax (dropped: it does not change the argmax) */
  softmax?: GraphLayer;
  /** a Flatten/Reshape precedes the (Dense) neural layer */
  flattened: boolean;
  /** output shape of the last layer folded in (no batch) */
  output: number[];
  /** every source layer folded into this block, in order (training-only ones included) */
  sources: string[];
}

export interface BlockParse {
  blocks: Block[];
  issues: CompatibilityIssue[];
  notes: string[];
}

export const isFloatNeural = (l: GraphLayer) => isNeural(l) && !l.quantizer;
/** a ReLU or Activation('relu'/'relu6') layer (fused activations go with their float neural layer) */
export const isFloatRelu = (l: GraphLayer) => l.kind === 'relu';

const RELU_LIKE = new Set(['relu', 'relu6']);

/** Is `layer` a 1x1, stride-1 Conv2D that can act as the pointwise half of a separable conv? */
function isPointwise(layer: GraphLayer | undefined): layer is GraphLayerOf<'conv2d'> {
  return layer?.kind === 'conv2d' && layer.kernel.every((k) => k === 1) && layer.strides.every((s) => s === 1);
}

export function parseBlocks(graph: FloatGraph): BlockParse {
  const blocks: Block[] = [];
  const issues: CompatibilityIssue[] = [];
  const notes: string[] = [];
  const issue = (layer: GraphLayer, message: string, fix?: string) =>
    issues.push({ layer: layer.name, kind: 'conversion', message, fix });
  let current: Block | undefined;
  let pendingFlatten: GraphLayer | undefined;
  let softmaxSeen: GraphLayer | undefined;
  const add = (layer: GraphLayer) => {
    current!.sources.push(layer.name);
    current!.output = layer.output;
  };

  // training-only layers join the sources of the block they follow
  const skippedAfter = new Map<string, string[]>();
  for (const s of graph.skipped) {
    notes.push(`${s.className} '${s.name}' is training-only and is dropped`);
    if (s.after !== null) skippedAfter.set(s.after, [...(skippedAfter.get(s.after) ?? []), s.name]);
  }
  const layers = graph.layers;
  let flushed = -1;
  const flushSkipped = (upTo: number) => {
    while (flushed < upTo) {
      for (const name of skippedAfter.get(layers[++flushed]!.name) ?? []) if (!pendingFlatten) current?.sources.push(name);
    }
  };

  for (let i = 0; i < layers.length; i++) {
    flushSkipped(i - 1);
    const layer = layers[i]!;
    const cls = layer.className;
    if (softmaxSeen) {
      issue(softmaxSeen, `softmax is only allowed as the model's last operation, but '${layer.name}' follows it`);
      softmaxSeen = undefined;
    }
    if (layer.kind === 'unsupported') {
      if (current && !pendingFlatten) add(layer);
      issue(layer, layer.reason, layer.fix);
      continue;
    }
    if (isNeural(layer)) {
      const block: Block = {
        name: layer.name,
        kind: layer.kind === 'dense' ? 'dense' : layer.kind === 'separable' ? 'separable' : 'conv',
        neural: layer,
        flattened: false,
        output: layer.output,
        sources: [layer.name],
      };
      if (layer.kind === 'depthwise') {
        const next = layers[i + 1];
        if (layer.depthMultiplier !== 1) {
          issue(layer, `depth multiplier ${layer.depthMultiplier} is not supported`, 'use depthMultiplier 1');
        }
        if (!isPointwise(next)) {
          issue(layer, 'a DepthwiseConv2D must be followed directly by a 1x1, stride-1 Conv2D (its pointwise part)',
            'add a 1x1 Conv2D right after it, or use SeparableConv2D');
        } else {
          block.kind = 'separable';
          block.pointwise = next;
          block.sources.push(next.name);
          block.output = next.output;
          if (layer.activation !== 'linear') {
            issue(layer, `the depthwise half of a separable pair cannot have an activation ('${layer.activation}')`);
          }
          i++;
        }
      }
      if (layer.kind === 'separable' && layer.depthMultiplier !== 1) {
        issue(layer, `depth multiplier ${layer.depthMultiplier} is not supported`, 'use depthMultiplier 1');
      }
      if (pendingFlatten) {
        if (block.kind !== 'dense') {
          issue(pendingFlatten, `${pendingFlatten.className} before '${layer.name}' (${cls}): only a Dense may follow a flatten`);
        }
        block.sources.unshift(pendingFlatten.name);
        block.flattened = true;
        pendingFlatten = undefined;
      }
      const own = block.pointwise ?? layer;
      if (RELU_LIKE.has(own.activation)) block.activation = { layer: own, internal: true };
      else if (own.activation === 'softmax') softmaxSeen = block.softmax = own;
      else if (own.activation !== 'linear') issue(layer, `activation '${own.activation}' is not supported`, "use 'relu' (or a separate ReLU layer)");
      blocks.push(block);
      current = block;
      continue;
    }
    if (layer.kind === 'flatten') {
      if (pendingFlatten) notes.push(`${cls} '${layer.name}' follows another flatten and is a no-op`);
      pendingFlatten = layer;
      continue;
    }
    if (!current) {
      issue(layer, `${cls} before the first Conv2D/SeparableConv2D/Dense layer cannot be converted`,
        layer.kind === 'rescaling' ? 'remove it and pass its scale and offset as the input scaling (--scale/--shift)' : 'remove it');
      continue;
    }
    if (pendingFlatten) {
      issue(layer, `${cls} after ${pendingFlatten.className} '${pendingFlatten.name}': only a Dense may follow a flatten`);
      continue;
    }
    add(layer);
    switch (layer.kind) {
      case 'pool':
        if (current.kind === 'dense') {
          issue(layer, `pooling after Dense '${current.name}' is not supported`);
        } else if (current.pool) {
          issue(layer, `a second pooling layer in the block of '${current.name}' (after '${current.pool.layer.name}')`,
            'use one pooling layer per convolution');
        } else {
          const beforeActivation = !current.activation;
          if (!beforeActivation && layer.type !== 'max') {
            issue(layer, `${cls} after the activation '${current.activation!.layer.name}' cannot be converted: ` +
              'the integer model averages potentials, not activations',
              `move '${layer.name}' before the BatchNormalization/activation of '${current.name}'`);
          }
          current.pool = { layer, beforeActivation, beforeBatchNorm: !current.bn };
        }
        break;
      case 'batchnorm':
        if (current.activation) {
          issue(layer, `BatchNormalization after the activation '${current.activation.layer.name}' cannot be folded`,
            `move '${layer.name}' before the activation (Conv -> BatchNormalization -> ReLU)`);
        } else if (current.bn) {
          issue(layer, `a second BatchNormalization in the block of '${current.name}'`);
        } else {
          current.bn = layer;
        }
        break;
      case 'relu':
      case 'quantized-relu':
        if (current.activation) {
          issue(layer, `a second activation in the block of '${current.name}' (after '${current.activation.layer.name}')`);
        } else {
          current.activation = { layer, internal: false };
        }
        break;
      case 'activation':
        if (layer.activation === 'softmax') softmaxSeen = current.softmax = layer;
        else if (layer.activation !== 'linear') issue(layer, `activation '${layer.activation}' is not supported`, 'use ReLU (optionally with a max value)');
        break;
      case 'rescaling':
        issue(layer, `layer type ${cls} is not supported`, 'only as the first layer, as the input scaling (--scale/--shift)');
        break;
    }
  }
  flushSkipped(layers.length - 1);
  if (pendingFlatten) notes.push(`${pendingFlatten.className} '${pendingFlatten.name}' ends the model and only reshapes its output`);
  if (blocks.length === 0) {
    issues.push({ layer: '(model)', kind: 'conversion', message: 'no Conv2D, SeparableConv2D or Dense layer to convert' });
  }
  blocks.forEach((b, k) => {
    if (!b.activation && k < blocks.length - 1) {
      issues.push({
        layer: b.name, kind: 'conversion',
        message: 'has no activation: only the last layer may return potentials',
        fix: `add a ReLU after '${b.name}'`,
      });
    }
    if (b.softmax && k < blocks.length - 1) {
      issues.push({ layer: b.softmax.name, kind: 'conversion', message: 'softmax is only allowed at the end of the model' });
    }
    if (b.softmax) notes.push(`softmax '${b.softmax.name}' is dropped: predict() returns the rescaled potentials, whose argmax is the same`);
  });
  return { blocks, issues, notes };
}
