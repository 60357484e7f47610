// Groups the serial layers of a tfjs model into CNN2SNN blocks, one per spikemesh layer:
//   neural (Conv2D | SeparableConv2D | DepthwiseConv2D + 1x1 Conv2D | Dense)
//   [pooling] [BatchNormalization] [activation] [max pooling]
// Training-only layers (Dropout) are dropped; Flatten/Reshape may only precede a Dense.
// Every structural problem becomes an issue naming the layer; nothing is guessed.
import type * as tf from '@tensorflow/tfjs';
import type { CompatibilityIssue } from './issues.js';

export type NeuralKind = 'conv' | 'separable' | 'dense';

export interface Block {
  /** the IR layer name: the neural layer's name */
  name: string;
  kind: NeuralKind;
  neural: tf.layers.Layer;
  /** the 1x1 Conv2D of a DepthwiseConv2D + pointwise pair */
  pointwise?: tf.layers.Layer;
  /** beforeBatchNorm: the pooling sees the raw potentials (CNN2SNN's block order) */
  pool?: { layer: tf.layers.Layer; beforeActivation: boolean; beforeBatchNorm: boolean };
  bn?: tf.layers.Layer;
  /** a ReLU-like layer or QuantizedReLU; `internal` when it is the neural layer's own activation */
  activation?: { layer: tf.layers.Layer; internal: boolean };
  /** a trailing softmax (dropped: it does not change the argmax) */
  softmax?: tf.layers.Layer;
  /** every tfjs layer folded into this block, in order */
  sources: string[];
}

export interface BlockParse {
  blocks: Block[];
  issues: CompatibilityIssue[];
  notes: string[];
}

const NEURAL = new Set([
  'Conv2D', 'QuantizedConv2D', 'SeparableConv2D', 'QuantizedSeparableConv2D',
  'DepthwiseConv2D', 'QuantizedDepthwiseConv2D', 'Dense', 'QuantizedDense',
]);
const POOL = new Set(['MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D']);
const TRAINING_ONLY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);
const RESHAPE = new Set(['Flatten', 'Reshape']);

export const isFloatNeural = (cls: string) => NEURAL.has(cls) && !cls.startsWith('Quantized');

/** The activation function a layer applies: 'relu', 'relu6', 'linear', 'softmax', 'quantized' or another name. */
export function activationOf(layer: tf.layers.Layer): string | undefined {
  const cls = layer.getClassName();
  const cfg = layer.getConfig();
  if (cls === 'QuantizedReLU') return 'quantized';
  if (cls === 'ReLU') return cfg.maxValue == null ? 'relu' : 'relu-max';
  if (cls === 'Softmax') return 'softmax';
  if (cls === 'Activation' || NEURAL.has(cls)) return typeof cfg.activation === 'string' ? cfg.activation : 'linear';
  return undefined;
}

const RELU_LIKE = new Set(['relu', 'relu6', 'relu-max', 'quantized']);

function depthwiseMultiplier(layer: tf.layers.Layer): number {
  return Number(layer.getConfig().depthMultiplier ?? 1);
}

/** Is `layer` a 1x1, stride-1 Conv2D that can act as the pointwise half of a separable conv? */
function isPointwise(layer: tf.layers.Layer | undefined): boolean {
  if (!layer || !['Conv2D', 'QuantizedConv2D'].includes(layer.getClassName())) return false;
  const cfg = layer.getConfig();
  const k = cfg.kernelSize as number[];
  const s = (cfg.strides as number[] | undefined) ?? [1, 1];
  return k[0] === 1 && k[1] === 1 && s[0] === 1 && s[1] === 1;
}

export function parseBlocks(layers: tf.layers.Layer[]): BlockParse {
  const blocks: Block[] = [];
  const issues: CompatibilityIssue[] = [];
  const notes: string[] = [];
  const issue = (layer: tf.layers.Layer, message: string, fix?: string) =>
    issues.push({ layer: layer.name, kind: 'conversion', message, fix });
  let current: Block | undefined;
  let pendingFlatten: tf.layers.Layer | undefined;
  let softmaxSeen: tf.layers.Layer | undefined;

  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i]!;
    const cls = layer.getClassName();
    if (softmaxSeen && !TRAINING_ONLY.has(cls)) {
      issue(softmaxSeen, `softmax is only allowed as the model's last operation, but '${layer.name}' follows it`);
      softmaxSeen = undefined;
    }
    if (TRAINING_ONLY.has(cls)) {
      notes.push(`${cls} '${layer.name}' is training-only and is dropped`);
      if (!pendingFlatten) current?.sources.push(layer.name);
      continue;
    }
    if (NEURAL.has(cls)) {
      const block: Block = {
        name: layer.name,
        kind: cls.includes('Dense') ? 'dense' : cls.includes('Separable') ? 'separable' : 'conv',
        neural: layer,
        sources: [layer.name],
      };
      if (cls.includes('Depthwise')) {
        const next = layers[i + 1];
        if (depthwiseMultiplier(layer) !== 1) {
          issue(layer, `depth multiplier ${depthwiseMultiplier(layer)} is not supported`, 'use depthMultiplier 1');
        }
        if (!isPointwise(next)) {
          issue(layer, 'a DepthwiseConv2D must be followed directly by a 1x1, stride-1 Conv2D (its pointwise part)',
            'add a 1x1 Conv2D right after it, or use SeparableConv2D');
        } else {
          block.kind = 'separable';
          block.pointwise = next;
          block.sources.push(next!.name);
          const act = activationOf(layer);
          if (act !== 'linear') issue(layer, `the depthwise half of a separable pair cannot have an activation ('${act}')`);
          i++;
        }
      }
      if (cls.includes('Separable') && depthwiseMultiplier(layer) !== 1) {
        issue(layer, `depth multiplier ${depthwiseMultiplier(layer)} is not supported`, 'use depthMultiplier 1');
      }
      if (pendingFlatten) {
        if (block.kind !== 'dense') {
          issue(pendingFlatten, `${pendingFlatten.getClassName()} before '${layer.name}' (${cls}): only a Dense may follow a flatten`);
        }
        block.sources.unshift(pendingFlatten.name);
        pendingFlatten = undefined;
      }
      const own = activationOf(block.pointwise ?? layer);
      if (own && RELU_LIKE.has(own)) block.activation = { layer: block.pointwise ?? layer, internal: true };
      else if (own === 'softmax') softmaxSeen = block.softmax = block.pointwise ?? layer;
      else if (own !== 'linear') issue(layer, `activation '${own}' is not supported`, "use 'relu' (or a separate ReLU layer)");
      blocks.push(block);
      current = block;
      continue;
    }
    if (RESHAPE.has(cls)) {
      if (cls === 'Reshape' && !isFlatTarget(layer)) {
        issue(layer, `Reshape to [${layer.getConfig().targetShape}] is not supported: only flattening reshapes`, 'use Flatten');
      }
      if (pendingFlatten) notes.push(`${cls} '${layer.name}' follows another flatten and is a no-op`);
      pendingFlatten = layer;
      continue;
    }
    if (!current) {
      issue(layer, `${cls} before the first Conv2D/SeparableConv2D/Dense layer cannot be converted`,
        cls === 'Rescaling' ? 'remove it and pass its scale and offset as the input scaling (--scale/--shift)' : 'remove it');
      continue;
    }
    if (pendingFlatten) {
      issue(layer, `${cls} after ${pendingFlatten.getClassName()} '${pendingFlatten.name}': only a Dense may follow a flatten`);
      continue;
    }
    current.sources.push(layer.name);
    if (POOL.has(cls)) {
      if (current.kind === 'dense') {
        issue(layer, `pooling after Dense '${current.name}' is not supported`);
      } else if (current.pool) {
        issue(layer, `a second pooling layer in the block of '${current.name}' (after '${current.pool.layer.name}')`,
          'use one pooling layer per convolution');
      } else {
        const beforeActivation = !current.activation;
        if (!beforeActivation && cls !== 'MaxPooling2D') {
          issue(layer, `${cls} after the activation '${current.activation!.layer.name}' cannot be converted: ` +
            'the integer model averages potentials, not activations',
            `move '${layer.name}' before the BatchNormalization/activation of '${current.name}'`);
        }
        current.pool = { layer, beforeActivation, beforeBatchNorm: !current.bn };
      }
      continue;
    }
    if (cls === 'BatchNormalization') {
      const axis = layer.getConfig().axis;
      if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) {
        issue(layer, `BatchNormalization over axis ${JSON.stringify(axis)}: only the channel axis (-1) can be folded`);
      } else if (current.activation) {
        issue(layer, `BatchNormalization after the activation '${current.activation.layer.name}' cannot be folded`,
          `move '${layer.name}' before the activation (Conv -> BatchNormalization -> ReLU)`);
      } else if (current.bn) {
        issue(layer, `a second BatchNormalization in the block of '${current.name}'`);
      } else {
        current.bn = layer;
      }
      continue;
    }
    const act = activationOf(layer);
    if (act !== undefined) {
      if (act === 'linear') continue;
      if (act === 'softmax') {
        softmaxSeen = current.softmax = layer;
        continue;
      }
      if (!RELU_LIKE.has(act)) {
        issue(layer, `activation '${act}' is not supported`, 'use ReLU (optionally with a max value)');
      } else if (current.activation) {
        issue(layer, `a second activation in the block of '${current.name}' (after '${current.activation.layer.name}')`);
      } else {
        current.activation = { layer, internal: false };
      }
      continue;
    }
    issue(layer, `layer type ${cls} is not supported`,
      'supported: Conv2D, SeparableConv2D, DepthwiseConv2D + 1x1 Conv2D, Dense, BatchNormalization, ReLU, ' +
        'MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Reshape, Dropout and the Quantized* layers');
  }
  if (pendingFlatten) notes.push(`${pendingFlatten.getClassName()} '${pendingFlatten.name}' ends the model and only reshapes its output`);
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

/** A Reshape whose target is flat ([n] or [-1]) or [1, 1, n]. */
function isFlatTarget(layer: tf.layers.Layer): boolean {
  const t = layer.getConfig().targetShape as number[] | undefined;
  if (!t) return false;
  return t.length === 1 || (t.length === 3 && t[0] === 1 && t[1] === 1);
}
