// The converted integer model as a standard ONNX graph (opset 17) that any ONNX runtime runs
// with the engine's integer semantics exactly (docs/onnx-export.md: the graph per layer, the
// ops and types, why every output integer equals referenceForward's).
//
// Input  'input':  uint8 [N, H, W, C] (NHWC, dynamic batch): the integers Model.forward takes.
// Output 'output': int32 [N, H', W', C'] (NHWC): the last layer's activations, or its potentials
//                  when it has no activation (Model.forward's output).
// Inside the graph the layout is NCHW; weights go in as uint8 with zero point 128 (w + 128),
// so ConvInteger / MatMulInteger compute sum(x * w) on their u8 x u8 path, in int32.
import { inferShapes, poolArea, potentialShape, windowGeometry } from '../ir/shapes.js';
import type { Activation, Layer, ModelSpec, Padding, Pooling, Shape3 } from '../ir/types.js';
import { unknownKind } from '../ir/types.js';
import { validateModel } from '../ir/validate.js';
import { DataType, encodeModel, type AttrValue, type DataTypeCode, type NodeInit, type TensorInit } from './onnx-encode.js';

export const ONNX_EXPORT_OPSET = 17;
/** IR version 8 is the one opset 17 came with (onnx 1.12); runtimes from 2022 on read it. */
const IR_VERSION = 8;

export interface OnnxExportOptions {
  /** graph name (default: the model's name or 'spikemesh') */
  graphName?: string;
  /**
   * Also output every layer's integers (as Model.forwardAll), int32 NHWC, named 'layer0',
   * 'layer1', ... after 'output' (default false).
   */
  allLayers?: boolean;
}

const raw = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Builds the nodes and initializers; names every value uniquely. */
class GraphBuilder {
  readonly nodes: NodeInit[] = [];
  readonly initializers: TensorInit[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();

  name(base: string): string {
    let n = base;
    for (let k = 2; this.used.has(n); k++) n = `${base}_${k}`;
    this.used.add(n);
    return n;
  }

  node(opType: string, inputs: string[], out: string, nodeName: string, attributes?: Record<string, AttrValue>): string {
    const output = this.name(out);
    this.nodes.push({ opType, inputs, outputs: [output], name: this.name(`${nodeName}/${opType}`), attributes });
    return output;
  }

  tensor(base: string, dataType: DataTypeCode, dims: number[], data: ArrayBufferView): string {
    const name = this.name(base);
    this.initializers.push({ name, dataType, dims, raw: raw(data) });
    return name;
  }

  /** A shared constant (scalar or small vector), created once per value. */
  constant(dataType: DataTypeCode, dims: number[], values: number[] | bigint[]): string {
    const key = `${dataType}:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      const data =
        dataType === DataType.INT64 ? BigInt64Array.from(values as bigint[])
        : dataType === DataType.INT32 ? Int32Array.from(values as number[])
        : dataType === DataType.UINT8 ? Uint8Array.from(values as number[])
        : Int8Array.from(values as number[]);
      name = this.tensor(`const_${this.constants.size}`, dataType, dims, data);
      this.constants.set(key, name);
    }
    return name;
  }

  i64(values: number[]): string {
    return this.constant(DataType.INT64, [values.length], values.map((v) => BigInt(v)));
  }

  /** The weight zero point 128 (uint8 scalar). */
  zeroPoint(): string {
    return this.constant(DataType.UINT8, [], [128]);
  }
}

/** A value of the graph: its name, element type and NCHW shape without the batch. */
interface Value {
  name: string;
  type: 'uint8' | 'int32';
  /** [c, h, w] */
  chw: [number, number, number];
}

/** Signed weights as uint8 (w + 128); |w| <= 127 by validation. */
function offsetWeights(w: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = w[i]! + 128;
  return out;
}

/** Begin/end pads of a TensorFlow-convention window op, as ONNX (floor-mode) pads. */
function windowPads(size: number, kernel: number, stride: number, padding: Padding): { out: number; before: number; after: number } {
  const g = windowGeometry(size, kernel, stride, padding);
  const after = Math.max(0, (g.out - 1) * stride + kernel - size - g.padBefore);
  const onnxOut = Math.floor((size + g.padBefore + after - kernel) / stride) + 1;
  if (onnxOut !== g.out) {
    throw new Error(`onnx export: internal error: window ${kernel}/${stride} on ${size} gives ${onnxOut} outputs, expected ${g.out}`);
  }
  return { out: g.out, before: g.padBefore, after };
}

/** Akida [kh][kw][cin][cout] weights as ONNX [cout][cin][kh][kw], mirrored when flipped. */
function convWeightsOIHW(w: Int8Array, kh: number, kw: number, cin: number, cout: number, flipped: boolean): Int8Array {
  const out = new Int8Array(w.length);
  for (let o = 0; o < cout; o++) {
    for (let c = 0; c < cin; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const si = flipped ? kh - 1 - i : i;
          const sj = flipped ? kw - 1 - j : j;
          out[((o * cin + c) * kh + i) * kw + j] = w[((si * kw + sj) * cin + c) * cout + o]!;
        }
      }
    }
  }
  return out;
}

/** The potentials of a conv-like layer: ConvInteger (u8 x u8 with w zero point 128) -> int32. */
function convInteger(
  g: GraphBuilder,
  x: Value,
  weightsOIHW: Int8Array,
  cout: number,
  group: number,
  kernel: [number, number],
  stride: number,
  padding: Padding,
  tag: string,
): Value {
  const [cin, h, w] = x.chw;
  const py = windowPads(h, kernel[0], stride, padding);
  const px = windowPads(w, kernel[1], stride, padding);
  const wName = g.tensor(`${tag}.weights`, DataType.UINT8, [cout, cin / group, kernel[0], kernel[1]], offsetWeights(weightsOIHW));
  const name = g.node('ConvInteger', [x.name, wName, '', g.zeroPoint()], `${tag}.potentials`, tag, {
    kernel_shape: [kernel[0], kernel[1]],
    strides: [stride, stride],
    pads: [py.before, px.before, py.after, px.after],
    dilations: [1, 1],
    group,
  });
  return { name, type: 'int32', chw: [cout, py.out, px.out] };
}

/** Integer sum of the potentials over `valid` windows (average pooling): strided slices, added pairwise. */
function sumPool(g: GraphBuilder, p: Value, size: [number, number], stride: [number, number], tag: string): Value {
  const [c, h, w] = p.chw;
  const oh = windowGeometry(h, size[0], stride[0], 'valid').out;
  const ow = windowGeometry(w, size[1], stride[1], 'valid').out;
  const taps = windowSlices(g, p.name, oh, ow, size, stride, tag);
  // pairwise int32 Adds (ONNX's Sum takes floats only)
  let level = taps;
  while (level.length > 1) {
    const next: string[] = [];
    for (let k = 0; k + 1 < level.length; k += 2) next.push(g.node('Add', [level[k]!, level[k + 1]!], `${tag}.sum`, tag));
    if (level.length % 2) next.push(level[level.length - 1]!);
    level = next;
  }
  return { name: level[0]!, type: 'int32', chw: [c, oh, ow] };
}

/** One strided slice per window tap (i, j): element (oy, ox) is x[oy*sy + i][ox*sx + j]. */
function windowSlices(g: GraphBuilder, x: string, oh: number, ow: number, size: [number, number], stride: [number, number], tag: string): string[] {
  const taps: string[] = [];
  for (let i = 0; i < size[0]; i++) {
    for (let j = 0; j < size[1]; j++) {
      taps.push(g.node('Slice', [
        x,
        g.i64([i, j]),
        g.i64([i + (oh - 1) * stride[0] + 1, j + (ow - 1) * stride[1] + 1]),
        g.i64([2, 3]),
        g.i64([stride[0], stride[1]]),
      ], `${tag}.tap${i}_${j}`, tag));
    }
  }
  return taps;
}

/** Max pooling: MaxPool on uint8 activations; on int32 potentials (a last layer without activation) Pad with INT32_MIN + slices + Max. */
function maxPool(g: GraphBuilder, x: Value, pooling: Extract<Pooling, { type: 'max' }>, tag: string): Value {
  const [c, h, w] = x.chw;
  const py = windowPads(h, pooling.size[0], pooling.stride[0], pooling.padding);
  const px = windowPads(w, pooling.size[1], pooling.stride[1], pooling.padding);
  if (x.type === 'uint8') {
    const name = g.node('MaxPool', [x.name], `${tag}.pooled`, tag, {
      kernel_shape: [pooling.size[0], pooling.size[1]],
      strides: [pooling.stride[0], pooling.stride[1]],
      pads: [py.before, px.before, py.after, px.after],
    });
    return { name, type: 'uint8', chw: [c, py.out, px.out] };
  }
  // Padded positions never win: they hold INT32_MIN, and every window has a real position.
  let padded = x.name;
  if (py.before + py.after + px.before + px.after > 0) {
    padded = g.node('Pad', [x.name, g.i64([0, 0, py.before, px.before, 0, 0, py.after, px.after]), g.constant(DataType.INT32, [], [-(2 ** 31)])],
      `${tag}.padded`, tag, { mode: 'constant' });
  }
  const taps = windowSlices(g, padded, py.out, px.out, pooling.size, pooling.stride, tag);
  const name = taps.length === 1 ? taps[0]! : g.node('Max', taps, `${tag}.pooled`, tag);
  return { name, type: 'int32', chw: [c, py.out, px.out] };
}

/**
 * The Akida activation on int32 potentials (sums over A positions with average/global pooling),
 * in int64: with d = p - T*A and s = actStep16*A,
 *   out = clip(floor((16*d + s - 1) / s), 0, 2^bits - 1) = clip(floor((16*p - K) / s), 0, max)
 * where K = 16*T*A - s + 1 per channel; this is activate() of src/reference/activation.ts.
 */
function activation(g: GraphBuilder, p: Value, act: Activation, area: number, tag: string): Value {
  const c = p.chw[0];
  const maxOut = (1 << act.bits) - 1;
  const k = new BigInt64Array(c);
  const s = new BigInt64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const sA = BigInt(act.actStep16[ch]!) * BigInt(area);
    s[ch] = sA;
    k[ch] = 16n * BigInt(act.threshold[ch]!) * BigInt(area) - sA + 1n;
  }
  const p64 = g.node('Cast', [p.name], `${tag}.p64`, tag, { to: DataType.INT64 });
  const scaled = g.node('Mul', [p64, g.constant(DataType.INT64, [], [16n])], `${tag}.p16`, tag);
  const shifted = g.node('Sub', [scaled, g.tensor(`${tag}.offset`, DataType.INT64, [1, c, 1, 1], k)], `${tag}.shifted`, tag);
  const q = g.node('Div', [shifted, g.tensor(`${tag}.step`, DataType.INT64, [1, c, 1, 1], s)], `${tag}.levels`, tag);
  const clipped = g.node('Clip', [q, g.constant(DataType.INT64, [], [0n]), g.constant(DataType.INT64, [], [BigInt(maxOut)])], `${tag}.clipped`, tag);
  const name = g.node('Cast', [clipped], `${tag}.activations`, tag, { to: DataType.UINT8 });
  return { name, type: 'uint8', chw: p.chw };
}

/** Pooling and activation after the potentials, as poolAndActivate of the reference. */
function poolAndActivate(g: GraphBuilder, p: Value, pooling: Pooling, act: Activation | null, tag: string): Value {
  const shape: Shape3 = [p.chw[1], p.chw[2], p.chw[0]];
  const activate = (v: Value, area: number) => (act ? activation(g, v, act, area, tag) : v);
  switch (pooling.type) {
    case 'none':
      return activate(p, 1);
    case 'max':
      return maxPool(g, activate(p, 1), pooling, tag);
    case 'average':
      return activate(sumPool(g, p, pooling.size, pooling.stride, tag), poolArea(pooling, shape));
    case 'global_avg': {
      const name = g.node('ReduceSum', [p.name, g.i64([2, 3])], `${tag}.pooled`, tag, { keepdims: 1 });
      return activate({ name, type: 'int32', chw: [p.chw[0], 1, 1] }, poolArea(pooling, shape));
    }
    default:
      return unknownPooling(pooling);
  }
}

function unknownPooling(p: never): never {
  throw new Error(`onnx export: unknown pooling '${String((p as { type?: unknown }).type)}'`);
}

function layerGraph(g: GraphBuilder, layer: Layer, x: Value, input: Shape3, index: number): Value {
  const tag = `L${index}`;
  switch (layer.kind) {
    case 'InputData':
      return x;
    case 'InputConvolutional':
    case 'Convolutional': {
      const w = convWeightsOIHW(layer.weights, layer.kernel[0], layer.kernel[1], input[2], layer.filters, layer.kind === 'Convolutional');
      const p = convInteger(g, x, w, layer.filters, 1, layer.kernel, layer.stride, layer.padding, tag);
      return poolAndActivate(g, p, layer.pooling, layer.activation, tag);
    }
    case 'SeparableConvolutional': {
      const c = input[2];
      const dw = convWeightsOIHW(layer.depthwise, layer.kernel[0], layer.kernel[1], 1, c, true);
      const d = convInteger(g, x, dw, c, c, layer.kernel, layer.stride, layer.padding, `${tag}.dw`);
      const [, oh, ow] = d.chw;
      // pointwise: [F][C] x [N][C][oh*ow] -> [N][F][oh*ow], an int32 MatMul (the depthwise
      // results are signed int32, not 8-bit)
      const pw = new Int32Array(layer.filters * c);
      for (let ch = 0; ch < c; ch++) for (let f = 0; f < layer.filters; f++) pw[f * c + ch] = layer.pointwise[ch * layer.filters + f]!;
      const flat = g.node('Reshape', [d.name, g.i64([0, c, oh * ow])], `${tag}.dw_flat`, tag);
      const mm = g.node('MatMul', [g.tensor(`${tag}.pointwise`, DataType.INT32, [layer.filters, c], pw), flat], `${tag}.pw_flat`, tag);
      const name = g.node('Reshape', [mm, g.i64([0, layer.filters, oh, ow])], `${tag}.potentials`, tag);
      const pShape = potentialShape(layer, input);
      if (pShape[0] !== oh || pShape[1] !== ow) throw new Error(`onnx export: internal error: layer '${layer.name}' shape`);
      return poolAndActivate(g, { name, type: 'int32', chw: [layer.filters, oh, ow] }, layer.pooling, layer.activation, tag);
    }
    case 'FullyConnected': {
      const [h, w, c] = input;
      // Flatten of NCHW orders the inputs (c, y, x); the IR's rows are NHWC order (y, x, c).
      const weights = new Int8Array(layer.weights.length);
      for (let y = 0; y < h; y++) {
        for (let xx = 0; xx < w; xx++) {
          for (let ch = 0; ch < c; ch++) {
            const src = ((y * w + xx) * c + ch) * layer.units;
            const dst = ((ch * h + y) * w + xx) * layer.units;
            weights.set(layer.weights.subarray(src, src + layer.units), dst);
          }
        }
      }
      const flat = g.node('Flatten', [x.name], `${tag}.flat`, tag, { axis: 1 });
      const wName = g.tensor(`${tag}.weights`, DataType.UINT8, [h * w * c, layer.units], offsetWeights(weights));
      const mm = g.node('MatMulInteger', [flat, wName, '', g.zeroPoint()], `${tag}.matmul`, tag);
      const name = g.node('Reshape', [mm, g.i64([0, layer.units, 1, 1])], `${tag}.potentials`, tag);
      return poolAndActivate(g, { name, type: 'int32', chw: [layer.units, 1, 1] }, { type: 'none' }, layer.activation, tag);
    }
    default:
      return unknownKind(layer);
  }
}

/**
 * The converted integer model as ONNX ModelProto bytes (opset 17): input 'input' uint8
 * [N, H, W, C], output 'output' int32 [N, H', W', C'], equal to Model.forward's integers.
 * The spec is validated first (a ModelError names what is wrong).
 */
export function exportOnnx(spec: ModelSpec | unknown, options: OnnxExportOptions = {}): Uint8Array {
  const model = validateModel(spec, 'onnx export');
  const shapes = inferShapes(model.layers);
  const [h, w, c] = shapes.inputs[0]!;
  const g = new GraphBuilder();
  const inputName = g.name('input');
  const outputName = g.name('output');
  let x: Value = {
    name: g.node('Transpose', [inputName], 'input_nchw', 'input', { perm: [0, 3, 1, 2] }),
    type: 'uint8',
    chw: [c, h, w],
  };
  const layerNames = options.allLayers ? model.layers.map((_, k) => g.name(`layer${k}`)) : [];
  /** An int32 NHWC graph output from a value. */
  const toOutput = (v: Value, name: string) => {
    const v32 = v.type === 'int32' ? v.name : g.node('Cast', [v.name], `${name}_i32`, name, { to: DataType.INT32 });
    g.nodes.push({ opType: 'Transpose', inputs: [v32], outputs: [name], name: g.name(`${name}/Transpose`), attributes: { perm: [0, 2, 3, 1] } });
  };
  model.layers.forEach((layer, k) => {
    x = layerGraph(g, layer, x, shapes.inputs[k]!, k);
    const expect = shapes.inputs[k + 1] ?? shapes.output;
    if (x.chw[0] !== expect[2] || x.chw[1] !== expect[0] || x.chw[2] !== expect[1]) {
      throw new Error(`onnx export: internal error: layer '${layer.name}' gives [${x.chw}] (CHW), expected [${expect}] (HWC)`);
    }
    if (options.allLayers) toOutput(x, layerNames[k]!);
  });
  toOutput(x, outputName);
  const last = model.layers[model.layers.length - 1]!;
  const lastAct = last.kind === 'InputData' ? null : last.activation;
  const [oh, ow, oc] = shapes.output;
  const metadata: Record<string, string> = {
    'spikemesh.output': lastAct || last.kind === 'InputData' ? 'activations' : 'potentials',
    'spikemesh.layers': model.layers.map((l) => l.name).join(','),
  };
  if (model.inputScaling) metadata['spikemesh.inputScaling'] = JSON.stringify(model.inputScaling);
  return encodeModel({
    graphName: options.graphName ?? model.name ?? 'spikemesh',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: inputName, dataType: DataType.UINT8, dims: ['N', h, w, c] }],
    outputs: [
      { name: outputName, dataType: DataType.INT32, dims: ['N', oh, ow, oc] },
      ...layerNames.map((name, k) => {
        const [lh, lw, lc] = shapes.inputs[k + 1] ?? shapes.output;
        return { name, dataType: DataType.INT32, dims: ['N', lh, lw, lc] as (number | string)[] };
      }),
    ],
    opset: ONNX_EXPORT_OPSET,
    irVersion: IR_VERSION,
    producerName: 'spikemesh',
    producerVersion: '1',
    docString:
      'spikemesh integer model. input: uint8 NHWC (the integers Model.forward takes; float inputs map by '
      + 'round(scale*x + shift) when spikemesh.inputScaling is set). output: int32 NHWC, the last layer\'s '
      + (metadata['spikemesh.output'] === 'potentials' ? 'potentials' : 'activations') + '.',
    metadata,
  });
}
