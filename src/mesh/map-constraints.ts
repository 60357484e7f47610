// Hardware constraints of Akida 1.0 (AKD1000 and the Akida 1.0 IP), checked per layer.
// Each failed check is an issue with the rule, the reason and a fix. Sources of the rules:
// docs/mesh.md, "Hardware constraints".
import { inferShapes, potentialShape, shapeSize, windowGeometry } from '../ir/shapes.js';
import type { Layer, ModelSpec, Pooling, Shape3 } from '../ir/types.js';
import { columnBands, neuronLayout, neuronsPerNp } from './map-parts.js';
import { kindsFor, type DeviceSpec, type NpLayerKind } from './mesh.js';
import { unknownKind } from '../ir/types.js';

export interface MapIssue {
  /** layer index in the model */
  layer: number;
  name: string;
  /** short rule id, e.g. 'conv/kernel' */
  rule: string;
  /** what does not fit, with the found value and the limit */
  reason: string;
  /** how to change the model so it maps */
  fix: string;
}

/** Most inputs of a FullyConnected layer. */
export const MAX_FC_INPUTS = 57334;
/** Widest potentials a global average pooling may sum. */
export const MAX_GAP_WIDTH = 32;
/** Fewest potential rows under a global average pooling. */
export const MIN_GAP_ROWS = 3;
/** Largest threshold magnitude the hardware stores. */
export const MAX_THRESHOLD = 2 ** 19 - 1;

/** "1, 2 or 4" */
function orList(xs: Array<string | number>): string {
  return xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

function isSquareIn(k: [number, number], allowed: number[]): boolean {
  return k[0] === k[1] && allowed.includes(k[0]);
}

/** Bits of the values a layer receives: the input bits or the previous layer's activation bits. */
export function inputBitsOf(layers: Layer[], k: number): number | null {
  if (k === 0) {
    const l = layers[0]!;
    return l.kind === 'InputData' || l.kind === 'InputConvolutional' ? l.inputBits : null;
  }
  const prev = layers[k - 1]!;
  if (prev.kind === 'InputData') return prev.inputBits;
  return prev.activation ? prev.activation.bits : null;
}

class Issues {
  readonly list: MapIssue[] = [];
  constructor(
    private readonly k: number,
    private readonly name: string,
  ) {}
  add(rule: string, reason: string, fix: string): void {
    this.list.push({ layer: this.k, name: this.name, rule, reason, fix });
  }
}

function checkPooling(out: Issues, pool: Pooling, pShape: Shape3, isInput: boolean): void {
  if (pool.type === 'none') return;
  if (pool.type === 'average') {
    out.add('pool/average', 'average pooling over windows is not supported on hardware', "use max pooling 2x2 or global average pooling");
    return;
  }
  if (pool.type === 'global_avg') {
    if (isInput) {
      out.add('pool/global-input', 'InputConvolutional supports max pooling only', 'move the global average pooling to a later layer');
      return;
    }
    if (pShape[1] > MAX_GAP_WIDTH) {
      out.add('pool/gap-width', `global average pooling over ${pShape[1]} columns, at most ${MAX_GAP_WIDTH}`, 'reduce the width first (stride 2 or max pooling in earlier layers)');
    }
    if (pShape[0] < MIN_GAP_ROWS) {
      out.add('pool/gap-rows', `global average pooling over ${pShape[0]} rows, at least ${MIN_GAP_ROWS}`, 'apply the global pooling on a layer with at least 3 rows, or use a FullyConnected layer');
    }
    return;
  }
  const [ph, pw] = pool.size;
  const [sh, sw] = pool.stride;
  if (isInput) {
    const sizeOk = (ph === 1 || ph === 2) && (pw === 1 || pw === 2);
    if (!sizeOk || sh !== ph || sw !== pw) {
      out.add('pool/max', `InputConvolutional max pooling ${ph}x${pw} stride ${sh}x${sw}; supported: 1x2, 2x1 or 2x2 with stride equal to the size`, 'use max pooling 2x2 with stride 2');
    }
    return;
  }
  const sizeOk = ph === pw && (ph === 1 || ph === 2);
  const strideOk = sh === sw && (sh === 1 || sh === 2) && sh <= ph;
  if (!sizeOk || !strideOk) {
    out.add('pool/max', `max pooling ${ph}x${pw} stride ${sh}x${sw}; supported: 2x2 with stride 1 or 2`, 'use max pooling 2x2 with stride 2 (or 1)');
    return;
  }
  if (pool.padding === 'valid') {
    // hardware pools with 'same' windows: 'valid' maps only where both give the same windows
    const differs = [0, 1].some((a) => {
      const same = windowGeometry(pShape[a]!, pool.size[a]!, pool.stride[a]!, 'same');
      const valid = windowGeometry(pShape[a]!, pool.size[a]!, pool.stride[a]!, 'valid');
      return same.out !== valid.out || same.padBefore !== valid.padBefore;
    });
    if (differs) {
      out.add('pool/padding', `max pooling with 'valid' padding over ${pShape[0]}x${pShape[1]} differs from the hardware's 'same' windows`, "use padding 'same' for the max pooling (or an even input size)");
    }
  }
}

function checkInputBits(out: Issues, layers: Layer[], k: number): void {
  const bits = inputBitsOf(layers, k);
  if (bits !== null && bits > 4) {
    const prev = layers[k - 1];
    out.add(
      'input-bits',
      `receives ${bits}-bit values${prev ? ` from '${prev.name}'` : ''}; data-processing layers take 1, 2 or 4-bit inputs`,
      prev?.kind === 'InputData'
        ? 'make the first layer an InputConvolutional (1 or 3 channels, 8-bit input), or quantize the input to 4 bits'
        : 'quantize the previous activations to 1, 2 or 4 bits',
    );
  }
}

/** NP checks: a kind that runs the layer, one neuron fits an NP, the columns fit (global pooling). */
function checkNps(out: Issues, device: DeviceSpec, layer: Layer & { kind: NpLayerKind }, input: Shape3, outShape: Shape3): void {
  const kinds = kindsFor(device, layer.kind);
  if (kinds.length === 0) {
    out.add('np/kind', `device ${device.name} has no NP kind that runs ${layer.kind}`, 'map on a device with such NPs, or run this layer in software');
    return;
  }
  const layout = neuronLayout(layer, input);
  // the mapper needs one kind that both holds a neuron and fits the columns
  const holding = kinds.filter((kind) => neuronsPerNp(kind, layout) > 0);
  if (holding.length === 0) {
    const mem = Math.max(...kinds.map((kd) => kd.weightBytes));
    out.add(
      'np/memory',
      `one neuron needs ${layout.sharedBytes + layout.bytesPerNeuron} weight bytes, an NP holds ${mem}`,
      'reduce the input channels, the kernel size or the weight bits',
    );
  } else if (!holding.some((kind) => columnBands(layer, input, outShape[1], kind.maxColumns) !== null)) {
    const cols = Math.max(...holding.map((kd) => kd.maxColumns));
    out.add('np/columns', `its ${potentialShape(layer, input)[1]} columns of potentials cannot be split over NPs of ${cols} columns (global pooling sums them all)`, 'reduce the width before the global pooling');
  }
}

/** Issues of one layer (empty: it maps to hardware). */
export function checkLayer(model: ModelSpec, k: number, device: DeviceSpec, shapes = inferShapes(model.layers)): MapIssue[] {
  const layers = model.layers;
  const layer = layers[k]!;
  const input = shapes.inputs[k]!;
  const outShape = shapes.inputs[k + 1] ?? shapes.output;
  const out = new Issues(k, layer.name);
  switch (layer.kind) {
    case 'InputData':
      break;
    case 'InputConvolutional': {
      const block = device.inputBlock;
      if (!block) out.add('device/input-block', `device ${device.name} has no input convolution block`, 'use InputData and a Convolutional layer, or run this layer in software');
      if (!isSquareIn(layer.kernel, [3, 5, 7])) {
        out.add('input-conv/kernel', `kernel ${layer.kernel.join('x')}; supported: 3x3, 5x5, 7x7`, 'use a 3x3, 5x5 or 7x7 kernel');
      }
      if (layer.stride < 1 || layer.stride > 3) {
        out.add('input-conv/stride', `stride ${layer.stride}; supported: 1 to 3`, 'use stride 1, 2 or 3');
      }
      const ch = input[2];
      if (ch !== 1 && ch !== 3) {
        out.add('input-conv/channels', `${ch} input channels; supported: 1 or 3`, 'feed grayscale (1) or RGB (3) images');
      }
      if (block) {
        if (input[1] < block.minWidth || input[1] > block.maxWidth || input[0] < block.minHeight) {
          out.add('input-conv/size', `input ${input[0]}x${input[1]} (HxW); supported: width ${block.minWidth}-${block.maxWidth}, height >= ${block.minHeight}`, 'resize the input');
        }
        const k0 = layer.kernel[0];
        if ((ch === 1 || ch === 3) && isSquareIn(layer.kernel, [3, 5, 7])) {
          const max = block.maxFilters[ch][k0 as 3 | 5 | 7];
          if (layer.filters > max) {
            out.add('input-conv/filters', `${layer.filters} filters; at most ${max} for ${k0}x${k0} kernels on ${ch} channel(s)`, `use at most ${max} filters`);
          }
        }
      }
      checkPooling(out, layer.pooling, potentialShape(layer, input), true);
      break;
    }
    case 'Convolutional':
    case 'SeparableConvolutional': {
      const sep = layer.kind === 'SeparableConvolutional';
      const kernels = sep ? [3, 5, 7] : [1, 3, 5, 7];
      if (!isSquareIn(layer.kernel, kernels)) {
        out.add('conv/kernel', `kernel ${layer.kernel.join('x')}; supported: ${kernels.map((x) => `${x}x${x}`).join(', ')}`, `use a ${orList(kernels.map((x) => `${x}x${x}`))} kernel`);
      }
      if (layer.stride === 2 && !(layer.kernel[0] === 3 && layer.kernel[1] === 3)) {
        out.add('conv/stride', `stride 2 with a ${layer.kernel.join('x')} kernel; stride 2 needs a 3x3 kernel`, 'use a 3x3 kernel, or stride 1 followed by max pooling 2x2');
      } else if (layer.stride !== 1 && layer.stride !== 2) {
        out.add('conv/stride', `stride ${layer.stride}; supported: 1, or 2 with a 3x3 kernel`, 'use stride 1 (then max pooling 2x2) or a 3x3 kernel with stride 2');
      }
      if (layer.padding !== 'same') {
        out.add('conv/padding', `padding '${layer.padding}'; supported: 'same'`, "use padding 'same'");
      }
      const bits = sep ? [2, 4] : [1, 2, 4];
      if (!bits.includes(layer.weightBits)) {
        out.add('weight-bits', `${layer.weightBits}-bit weights; ${layer.kind} supports ${bits.join(', ')} bits`, `quantize the weights to ${orList(bits)} bits`);
      }
      checkInputBits(out, layers, k);
      checkPooling(out, layer.pooling, potentialShape(layer, input), false);
      if (layer.pooling.type === 'max' && k === layers.length - 1) {
        out.add('pool/max-last', 'a layer with max pooling must be followed by a Convolutional or SeparableConvolutional layer; this is the last layer', 'end the model with a FullyConnected layer or global average pooling');
      }
      checkNps(out, device, layer, input, outShape);
      break;
    }
    case 'FullyConnected': {
      if (input[0] !== 1 || input[1] !== 1) {
        out.add('fc/spatial', `input ${input.join('x')}; FullyConnected needs a 1x1 spatial input`, 'end the previous layer with global average pooling (or make its output 1x1)');
      }
      const inputs = shapeSize(input);
      if (inputs > MAX_FC_INPUTS) {
        out.add('fc/inputs', `${inputs} inputs; at most ${MAX_FC_INPUTS}`, 'reduce the size of the previous layer output');
      }
      if (![1, 2, 4].includes(layer.weightBits)) {
        out.add('weight-bits', `${layer.weightBits}-bit weights; FullyConnected supports 1, 2, 4 bits`, 'quantize the weights to 1, 2 or 4 bits');
      }
      checkInputBits(out, layers, k);
      const prev = layers[k - 1];
      if (prev && prev.kind !== 'InputData' && prev.kind !== 'FullyConnected' && prev.pooling.type === 'max') {
        out.add('fc/after-max-pool', `follows '${prev.name}', which has max pooling; a max-pooled layer must be followed by a convolution`, 'use global average pooling on the previous layer, or add a convolution after it');
      }
      checkNps(out, device, layer, input, outShape);
      break;
    }
    default:
      return unknownKind(layer);
  }
  if (layer.kind !== 'InputData' && layer.activation) {
    const worst = layer.activation.threshold.reduce((m, t) => Math.max(m, Math.abs(t)), 0);
    if (worst > MAX_THRESHOLD) {
      out.add('threshold', `threshold magnitude ${worst}; at most ${MAX_THRESHOLD} (2^19 - 1)`, 'use fewer weight bits or a smaller input range for this layer');
    }
  }
  return out.list;
}

/** Issues of every layer, by layer index. */
export function checkModel(model: ModelSpec, device: DeviceSpec): MapIssue[][] {
  const shapes = inferShapes(model.layers);
  return model.layers.map((_, k) => checkLayer(model, k, device, shapes));
}

/** One line per issue: "layer 3 'conv_3': kernel 4x4; supported: ... (fix: ...)". */
export function formatIssue(i: MapIssue): string {
  return `layer ${i.layer} '${i.name}': ${i.reason} [${i.rule}]; fix: ${i.fix}`;
}
