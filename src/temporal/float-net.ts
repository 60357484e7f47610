// The float variant's source: a serial float tfjs LayersModel read as a list of synaptic layers
// (conv or dense) with ReLU and max pooling, BatchNorm folded in (ECC's CMB: with the layer's own
// epsilon). Only types are imported from tfjs; the model is read through its public methods.
import type * as tf from '@tensorflow/tfjs';
import { convOutputShape, poolOutputShape } from '../ir/shapes.js';
import type { Padding, Shape3 } from '../ir/types.js';
import type { MaxPool } from './types.js';

/** One synaptic layer of a float network, in the IR's conv layout (a dense layer is a 'valid' conv over its whole input). */
export interface FloatLayer {
  /** the tfjs layers it was made of, e.g. 'conv1+bn1+relu1+pool1' */
  name: string;
  input: Shape3;
  kernel: [number, number];
  stride: number;
  padding: Padding;
  filters: number;
  /** [kh][kw][cin][cout], applied as a cross-correlation (Keras) */
  weights: Float32Array;
  bias: Float32Array;
  relu: boolean;
  /** ReLU's maxValue (ReLU6), null for a plain ReLU */
  reluMax: number | null;
  maxPool: MaxPool | null;
  /** multiply-accumulates of the source layers per sample (separable: depthwise + pointwise) */
  macs: number;
  /** shape after the activation, before pooling */
  neuronShape: Shape3;
  output: Shape3;
}

export interface FloatNet {
  name: string;
  input: Shape3;
  layers: FloatLayer[];
}

type TfLayer = tf.layers.Layer;
type Config = Record<string, unknown>;

class Group {
  name: string[];
  relu = false;
  reluMax: number | null = null;
  maxPool: MaxPool | null = null;
  constructor(
    readonly first: string,
    public input: Shape3,
    public kernel: [number, number],
    public stride: number,
    public padding: Padding,
    public filters: number,
    public weights: Float32Array,
    public bias: Float32Array,
    public macs: number,
  ) {
    this.name = [first];
  }
}

function fail(layer: TfLayer, msg: string): never {
  throw new Error(`float model: layer '${layer.name}' (${layer.getClassName()}): ${msg}`);
}

function pair(v: unknown, what: string, layer: TfLayer): [number, number] {
  const a = Array.isArray(v) ? v : [v, v];
  if (a.length !== 2 || !a.every((x) => Number.isInteger(x) && x >= 1)) fail(layer, `${what} is ${JSON.stringify(v)}, expected one or two positive integers`);
  return [a[0] as number, a[1] as number];
}

function padding(v: unknown, layer: TfLayer): Padding {
  if (v !== 'same' && v !== 'valid') fail(layer, `padding '${String(v)}' is not supported (expected 'same' or 'valid')`);
  return v;
}

function weightsOf(layer: TfLayer): Float32Array[] {
  return layer.getWeights().map((t) => Float32Array.from(t.dataSync() as Float32Array));
}

/** The activation named in a config: relu, linear (none) or softmax (allowed on the last layer only). */
function activationName(cfg: Config): string {
  const a = cfg.activation;
  if (a === undefined || a === null) return 'linear';
  if (typeof a === 'string') return a;
  const name = (a as { className?: string; config?: { name?: string } }).config?.name ?? (a as { className?: string }).className;
  return String(name).toLowerCase();
}

/**
 * Reads a serial float model. Supported: InputLayer, Conv2D, SeparableConv2D (composed into one
 * conv), Dense (after Flatten, GlobalAveragePooling2D or Dense), BatchNormalization (folded; if
 * it comes after a max pooling its gammas must be >= 0 so the two commute), ReLU (maxValue
 * allowed), Activation relu/linear/softmax, MaxPooling2D (before or after BN/ReLU: they commute),
 * Dropout and friends (ignored). Softmax is dropped: the readout ranks its inputs.
 */
export function floatNetFromTfjs(model: tf.LayersModel): FloatNet {
  const inShape = model.inputs[0]?.shape;
  if (!inShape || (inShape.length !== 4 && inShape.length !== 2) || inShape.slice(1).some((d) => !d)) {
    throw new Error(`float model '${model.name}': expected an input [batch, h, w, c] or [batch, n], got [${inShape?.join(', ')}]`);
  }
  const input: Shape3 = inShape.length === 4 ? [inShape[1]!, inShape[2]!, inShape[3]!] : [1, 1, inShape[1]!];
  const groups: Group[] = [];
  let shape: Shape3 = input; // shape flowing out of the last group (after pooling)
  let flat: 'none' | 'flatten' | 'gap' = 'none';
  let softmax = false;
  const current = (layer: TfLayer): Group => groups[groups.length - 1] ?? fail(layer, 'comes before any Conv2D or Dense layer');

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const cfg = layer.getConfig() as Config;
    const inbound = (layer as unknown as { inboundNodes?: Array<{ inboundLayers: unknown[] }> }).inboundNodes ?? [];
    if (inbound.some((n) => n.inboundLayers.length > 1)) fail(layer, 'has several inputs: only serial models are supported');
    if (softmax) fail(layer, 'follows a softmax: softmax must be the last operation');
    const outOf = (g: Group): Shape3 => {
      const z = convOutputShape(g.input, g.kernel, g.stride, g.padding, g.filters);
      return g.maxPool ? poolOutputShape(z, { type: 'max', ...g.maxPool }) : z;
    };
    const activation = (name: string, g: Group) => {
      if (name === 'relu') {
        if (g.relu) fail(layer, 'a second ReLU in the same block');
        g.relu = true;
      } else if (name === 'softmax') softmax = true;
      else if (name !== 'linear') fail(layer, `activation '${name}' has no integrate-and-fire equivalent (use relu)`);
    };
    switch (cls) {
      case 'InputLayer':
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
        break;
      case 'Conv2D':
      case 'SeparableConv2D': {
        if (flat !== 'none') fail(layer, 'a convolution after Flatten/GlobalAveragePooling2D');
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') fail(layer, `dataFormat '${String(cfg.dataFormat)}', expected channelsLast`);
        const dil = pair(cfg.dilationRate ?? 1, 'dilationRate', layer);
        if (dil[0] !== 1 || dil[1] !== 1) fail(layer, 'dilated convolutions are not supported');
        const kernel = pair(cfg.kernelSize, 'kernelSize', layer);
        const strides = pair(cfg.strides ?? 1, 'strides', layer);
        if (strides[0] !== strides[1]) fail(layer, `strides [${strides}] must be equal in both directions`);
        const pad = padding(cfg.padding ?? 'valid', layer);
        const filters = cfg.filters as number;
        const w = weightsOf(layer);
        const cin = shape[2];
        let weights: Float32Array, bias: Float32Array | undefined, macs: number;
        const out = convOutputShape(shape, kernel, strides[0], pad, filters);
        if (cls === 'Conv2D') {
          weights = w[0]!;
          bias = cfg.useBias ? w[1] : undefined;
          macs = out[0] * out[1] * kernel[0] * kernel[1] * cin * filters;
        } else {
          const dm = (cfg.depthMultiplier as number | undefined) ?? 1;
          const [dw, pw] = [w[0]!, w[1]!];
          bias = cfg.useBias ? w[2] : undefined;
          // depthwise [kh][kw][cin][dm], pointwise [cin*dm][cout]: w[i][j][c][o] = sum_m dw[i][j][c][m] pw[c*dm+m][o]
          weights = new Float32Array(kernel[0] * kernel[1] * cin * filters);
          for (let k = 0; k < kernel[0] * kernel[1]; k++) {
            for (let c = 0; c < cin; c++) {
              for (let m = 0; m < dm; m++) {
                const d = dw[(k * cin + c) * dm + m]!;
                for (let o = 0; o < filters; o++) weights[(k * cin + c) * filters + o]! += d * pw[(c * dm + m) * filters + o]!;
              }
            }
          }
          macs = out[0] * out[1] * (kernel[0] * kernel[1] * cin * dm + cin * dm * filters);
        }
        const g = new Group(layer.name, shape, kernel, strides[0], pad, filters, weights, bias ?? new Float32Array(filters), macs);
        groups.push(g);
        activation(activationName(cfg), g);
        shape = outOf(g);
        break;
      }
      case 'Dense': {
        const units = cfg.units as number;
        const w = weightsOf(layer);
        const [h, wd, c] = shape;
        let weights = w[0]!;
        if (flat === 'gap') {
          // Dense(GAP(x)) = a 'valid' conv over the whole map with the weights divided by H*W
          const rep = new Float32Array(h * wd * c * units);
          for (let p = 0; p < h * wd; p++) for (let i = 0; i < c * units; i++) rep[p * c * units + i] = weights[i]! / (h * wd);
          weights = rep;
        } else if (flat === 'none' && (h !== 1 || wd !== 1)) {
          fail(layer, `Dense on a ${h}x${wd}x${c} input: add Flatten or GlobalAveragePooling2D`);
        }
        if (weights.length !== h * wd * c * units) fail(layer, `kernel has ${weights.length} values, expected ${h * wd * c * units}`);
        const macs = flat === 'gap' ? c * units + h * wd * c : h * wd * c * units;
        const g = new Group(layer.name, shape, [h, wd], 1, 'valid', units, weights, cfg.useBias ? w[1]! : new Float32Array(units), macs);
        groups.push(g);
        activation(activationName(cfg), g);
        shape = outOf(g);
        flat = 'none';
        break;
      }
      case 'BatchNormalization': {
        const g = current(layer);
        if (g.relu) fail(layer, 'BatchNormalization after the ReLU cannot be folded into the preceding layer (put it before the activation)');
        const axis = cfg.axis as number | number[];
        const ax = Array.isArray(axis) ? axis : [axis];
        if (ax.length !== 1 || (ax[0] !== -1 && ax[0] !== 3 && !(flat === 'none' && ax[0] === 1 && shape[0] === 1))) fail(layer, `axis ${JSON.stringify(axis)}: only the channel axis is supported`);
        const w = weightsOf(layer);
        let k = 0;
        const c = g.filters;
        const gamma = cfg.scale === false ? new Float32Array(c).fill(1) : w[k++]!;
        const beta = cfg.center === false ? new Float32Array(c) : w[k++]!;
        const mean = w[k++]!, variance = w[k++]!;
        const eps = (cfg.epsilon as number | undefined) ?? 1e-3;
        for (let o = 0; o < c; o++) {
          const a = gamma[o]! / Math.sqrt(variance[o]! + eps);
          if (g.maxPool && a < 0) fail(layer, `gamma[${o}] is negative after a max pooling: pooling and BatchNorm do not commute`);
          for (let i = o; i < g.weights.length; i += c) g.weights[i]! *= a;
          g.bias[o] = a * (g.bias[o]! - mean[o]!) + beta[o]!;
        }
        g.name.push(layer.name);
        break;
      }
      case 'ReLU': {
        const g = current(layer);
        if (cfg.negativeSlope || cfg.threshold) fail(layer, 'leaky or thresholded ReLU has no integrate-and-fire equivalent');
        activation('relu', g);
        if (cfg.maxValue !== undefined && cfg.maxValue !== null) g.reluMax = cfg.maxValue as number;
        g.name.push(layer.name);
        break;
      }
      case 'Activation': {
        const g = current(layer);
        activation(activationName(cfg), g);
        g.name.push(layer.name);
        break;
      }
      case 'MaxPooling2D': {
        const g = current(layer);
        if (g.maxPool) fail(layer, 'a second max pooling in the same block');
        const size = pair(cfg.poolSize, 'poolSize', layer);
        g.maxPool = { size, stride: pair(cfg.strides ?? size, 'strides', layer), padding: padding(cfg.padding ?? 'valid', layer) };
        g.name.push(layer.name);
        shape = outOf(g);
        break;
      }
      case 'Flatten':
        flat = 'flatten';
        break;
      case 'GlobalAveragePooling2D':
        flat = 'gap';
        break;
      default:
        fail(layer, 'has no spiking equivalent in the temporal mode');
    }
  }
  if (groups.length === 0) throw new Error(`float model '${model.name}': no Conv2D or Dense layer`);
  if (flat !== 'none') throw new Error(`float model '${model.name}': ends with Flatten/GlobalAveragePooling2D, expected a Dense layer after it`);
  groups.forEach((g, k) => {
    if (!g.relu && k < groups.length - 1) throw new Error(`float model '${model.name}': layer '${g.first}' has no ReLU: every hidden layer needs one (integrate-and-fire rates are non-negative)`);
  });
  return {
    name: model.name,
    input,
    layers: groups.map((g) => {
      const neuronShape = convOutputShape(g.input, g.kernel, g.stride, g.padding, g.filters);
      return {
        name: g.name.join('+'), input: g.input, kernel: g.kernel, stride: g.stride, padding: g.padding, filters: g.filters,
        weights: g.weights, bias: g.bias, relu: g.relu, reluMax: g.reluMax, maxPool: g.maxPool, macs: g.macs,
        neuronShape, output: g.maxPool ? poolOutputShape(neuronShape, { type: 'max', ...g.maxPool }) : neuronShape,
      };
    }),
  };
}
