// AKD1000 mapping rules, checked on a converted model. A model that breaks them still runs in
// spikemesh (software semantics are wider), but would not map to the chip. Sources: the CNN2SNN
// guide and the public Akida material summarised in shared/references/README.md. Where the
// public rules are silent (kernel and stride of separable layers), we assume the Convolutional
// rules apply and say so in the message.
import { inferShapes, shapeSize } from '../model/shapes.js';
import type { Layer, ModelSpec, Pooling } from '../model/types.js';
import type { CompatibilityIssue } from './issues.js';

export const AKD1000 = {
  maxThreshold: 2 ** 19 - 1,
  maxFullyConnectedInputs: 57_334,
  inputConvKernels: [3, 5, 7],
  convKernels: [1, 3, 5, 7],
  fullyConnectedWeightBits: [1, 2, 4],
  separableWeightBits: [2, 4],
  /** FullyConnected inputs (the previous layer's activations), per the CNN2SNN guide */
  fullyConnectedInputBits: [1, 2],
} as const;

/** Output bits of each layer: the activation bits, the input bits for InputData, null for potentials. */
function outputBits(layer: Layer): number | null {
  if (layer.kind === 'InputData') return layer.inputBits;
  return layer.activation ? layer.activation.bits : null;
}

function poolingIssues(layer: Layer & { pooling: Pooling; padding: string }, push: (m: string, f?: string) => void): void {
  const p = layer.pooling;
  if (p.type === 'max') {
    if (p.size[0] !== 2 || p.size[1] !== 2 || p.stride[0] !== 2 || p.stride[1] !== 2) {
      push(`max pooling ${p.size.join('x')} stride ${p.stride.join('x')}: only 2x2 with stride 2 maps to hardware`,
        'use MaxPooling2D with poolSize 2 and strides 2');
    }
    if (p.padding !== layer.padding) {
      push(`max pooling padding '${p.padding}' differs from the convolution's '${layer.padding}'`,
        'give the pooling the same padding as its convolution');
    }
  } else if (p.type === 'average') {
    push('average pooling over local windows is not supported on hardware (global average pooling is)',
      'use GlobalAveragePooling2D or MaxPooling2D');
  }
}

export function hardwareIssues(spec: ModelSpec): CompatibilityIssue[] {
  const issues: CompatibilityIssue[] = [];
  const shapes = inferShapes(spec.layers).inputs;
  spec.layers.forEach((layer, k) => {
    const push = (message: string, fix?: string) => issues.push({ layer: layer.name, kind: 'hardware', message, fix });
    const input = shapes[k]!;
    const prev = k > 0 ? spec.layers[k - 1]! : null;
    const inBits = prev ? outputBits(prev) : null;
    switch (layer.kind) {
      case 'InputData':
        return;
      case 'InputConvolutional': {
        const [kh, kw] = layer.kernel;
        if (kh !== kw || !(AKD1000.inputConvKernels as readonly number[]).includes(kh)) {
          push(`InputConvolutional kernel ${kh}x${kw}: only 3x3, 5x5 or 7x7 map to hardware`);
        }
        if (layer.stride < 1 || layer.stride > 3) push(`InputConvolutional stride ${layer.stride}: only 1 to 3 map to hardware`);
        if (input[2] !== 1 && input[2] !== 3) {
          push(`InputConvolutional with ${input[2]} input channels: only 1 (grayscale) or 3 (RGB) map to hardware`);
        }
        poolingIssues(layer, push);
        break;
      }
      case 'Convolutional':
      case 'SeparableConvolutional': {
        const what = layer.kind === 'Convolutional' ? 'Conv' : 'SeparableConv (assuming the Convolutional rules)';
        const [kh, kw] = layer.kernel;
        if (kh !== kw || !(AKD1000.convKernels as readonly number[]).includes(kh)) {
          push(`${what} kernel ${kh}x${kw}: only 1x1, 3x3, 5x5 or 7x7 map to hardware`);
        }
        if (layer.stride === 2 && !(kh === 3 && kw === 3)) {
          push(`${what}: stride 2 only allowed for 3x3 kernels`, 'use stride 1 followed by a 2x2 max pooling');
        } else if (layer.stride > 2) {
          push(`${what}: stride ${layer.stride} is not supported (1, or 2 with a 3x3 kernel)`, 'use stride 1 followed by pooling');
        }
        if (layer.padding !== 'same') push(`${what}: '${layer.padding}' padding; only 'same' maps to hardware`, "use padding 'same'");
        if (layer.kind === 'SeparableConvolutional' && !(AKD1000.separableWeightBits as readonly number[]).includes(layer.weightBits)) {
          push(`SeparableConvolutional with ${layer.weightBits}-bit weights: only 2 or 4 bits map to hardware`, 'quantize with --wq 2 or 4');
        }
        if (inBits !== null && inBits > 4) {
          push(`receives ${inBits}-bit dense inputs: only InputConvolutional takes 8-bit images on hardware`,
            'make the first layer a Conv2D on the image (InputConvolutional)');
        }
        poolingIssues(layer, push);
        break;
      }
      case 'FullyConnected': {
        const inputs = shapeSize(input);
        if (inputs > AKD1000.maxFullyConnectedInputs) {
          push(`FullyConnected with ${inputs} inputs: at most ${AKD1000.maxFullyConnectedInputs} map to hardware`,
            'pool or reduce the channels before it');
        }
        if (!(AKD1000.fullyConnectedWeightBits as readonly number[]).includes(layer.weightBits)) {
          push(`FullyConnected with ${layer.weightBits}-bit weights: only 1, 2 or 4 bits map to hardware`, 'quantize with --wq 4 or less');
        }
        if (inBits !== null && !(AKD1000.fullyConnectedInputBits as readonly number[]).includes(inBits)) {
          push(`FullyConnected receives ${inBits}-bit inputs: the CNN2SNN guide allows only 1- or 2-bit inputs to a Dense`,
            'quantize the activation before it with 1 or 2 bits');
        }
        break;
      }
    }
    const act = layer.activation;
    if (act) {
      const worst = act.threshold.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
      if (worst > AKD1000.maxThreshold) {
        push(`threshold magnitude ${worst} exceeds the hardware's ${AKD1000.maxThreshold} (2^19 - 1)`,
          'use fewer weight bits for this layer or a smaller input range');
      }
    }
  });
  return issues;
}
