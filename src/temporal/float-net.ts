// The float variant's source: a serial float model (read as a float graph, src/io/) as a list of
// synaptic layers (conv or dense) with ReLU and max pooling, BatchNorm folded in (ECC's CMB: with
// the layer's own epsilon).
import type * as tf from '@tensorflow/tfjs';
import type { GraphLayer } from '../io/graph.js';
import { floatGraphFromTfjs } from '../io/tfjs.js';
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

function fail(layer: GraphLayer, msg: string): never {
  throw new Error(`float model: layer '${layer.name}' (${layer.className}): ${msg}`);
}

/**
 * Reads a serial float model. Supported: Conv2D, SeparableConv2D (composed into one conv), Dense
 * (after Flatten, GlobalAveragePooling2D or Dense), BatchNormalization (folded; if it comes after
 * a max pooling its gammas must be >= 0 so the two commute), ReLU (maxValue allowed), Activation
 * relu/relu6/linear/softmax, MaxPooling2D (before or after BN/ReLU: they commute); the reader
 * skips training-only layers. Softmax is dropped: the readout ranks its inputs.
 */
export function floatNetFromTfjs(model: tf.LayersModel): FloatNet {
  const graph = floatGraphFromTfjs(model);
  const groups: Group[] = [];
  let shape: Shape3 = graph.input; // shape flowing out of the last group (after pooling)
  let flat: 'none' | 'flatten' | 'gap' = 'none';
  let softmax = false;
  const current = (layer: GraphLayer): Group => groups[groups.length - 1] ?? fail(layer, 'comes before any Conv2D or Dense layer');
  const outOf = (g: Group): Shape3 => {
    const z = convOutputShape(g.input, g.kernel, g.stride, g.padding, g.filters);
    return g.maxPool ? poolOutputShape(z, { type: 'max', ...g.maxPool }) : z;
  };

  for (const layer of graph.layers) {
    if (softmax) fail(layer, 'follows a softmax: softmax must be the last operation');
    const activation = (name: string, g: Group) => {
      if (name === 'relu' || name === 'relu6') {
        if (g.relu) fail(layer, 'a second ReLU in the same block');
        g.relu = true;
        if (name === 'relu6') g.reluMax = 6;
      } else if (name === 'softmax') softmax = true;
      else if (name !== 'linear') fail(layer, `activation '${name}' has no integrate-and-fire equivalent (use relu)`);
    };
    if ('quantizer' in layer && layer.quantizer) fail(layer, 'quantized layers are not supported: the float variant reads the float model');
    switch (layer.kind) {
      case 'conv2d':
      case 'separable': {
        if (flat !== 'none') fail(layer, 'a convolution after Flatten/GlobalAveragePooling2D');
        const { kernel, strides, padding: pad, filters, inChannels: cin } = layer;
        if (strides[0] !== strides[1]) fail(layer, `strides [${strides}] must be equal in both directions`);
        let weights: Float32Array, macs: number;
        const out = convOutputShape(shape, kernel, strides[0], pad, filters);
        if (layer.kind === 'conv2d') {
          weights = layer.weights;
          macs = out[0] * out[1] * kernel[0] * kernel[1] * cin * filters;
        } else {
          const { depthMultiplier: dm, depthwise: dw, pointwise: pw } = layer;
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
        const g = new Group(layer.name, shape, kernel, strides[0], pad, filters, Float32Array.from(weights),
          layer.bias ? Float32Array.from(layer.bias) : new Float32Array(filters), macs);
        groups.push(g);
        activation(layer.activation, g);
        shape = outOf(g);
        break;
      }
      case 'dense': {
        const units = layer.units;
        const [h, wd, c] = shape;
        let weights = Float32Array.from(layer.weights);
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
        const g = new Group(layer.name, shape, [h, wd], 1, 'valid', units, weights,
          layer.bias ? Float32Array.from(layer.bias) : new Float32Array(units), macs);
        groups.push(g);
        activation(layer.activation, g);
        shape = outOf(g);
        flat = 'none';
        break;
      }
      case 'batchnorm': {
        const g = current(layer);
        if (g.relu) fail(layer, 'BatchNormalization after the ReLU cannot be folded into the preceding layer (put it before the activation)');
        if (flat === 'flatten') fail(layer, 'BatchNormalization after Flatten cannot be folded (put it before)');
        const c = g.filters;
        const { gamma, beta, mean, variance, epsilon } = layer;
        for (let o = 0; o < c; o++) {
          const a = (gamma ? gamma[o]! : 1) / Math.sqrt(variance[o]! + epsilon);
          if (g.maxPool && a < 0) fail(layer, `gamma[${o}] is negative after a max pooling: pooling and BatchNorm do not commute`);
          for (let i = o; i < g.weights.length; i += c) g.weights[i]! *= a;
          g.bias[o] = a * (g.bias[o]! - mean[o]!) + (beta ? beta[o]! : 0);
        }
        g.name.push(layer.name);
        break;
      }
      case 'relu': {
        const g = current(layer);
        activation('relu', g);
        g.reluMax = layer.maxValue;
        g.name.push(layer.name);
        break;
      }
      case 'activation': {
        const g = current(layer);
        activation(layer.activation, g);
        g.name.push(layer.name);
        break;
      }
      case 'pool': {
        if (layer.type === 'global_avg') {
          flat = 'gap';
          break;
        }
        if (layer.type !== 'max') fail(layer, 'has no spiking equivalent in the temporal mode');
        const g = current(layer);
        if (g.maxPool) fail(layer, 'a second max pooling in the same block');
        g.maxPool = { size: layer.size, stride: layer.strides, padding: layer.padding };
        g.name.push(layer.name);
        shape = outOf(g);
        break;
      }
      case 'flatten':
        flat = 'flatten';
        break;
      case 'unsupported':
        fail(layer, layer.reason);
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
    input: graph.input,
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
