// ONNX (opsets 13 to 21) -> tfjs LayersModel, NHWC. The file is decoded with protobufjs and the
// official onnx.proto (src/io/onnx-proto.ts, generated from the vendored src/io/onnx.proto); the
// graph must be a chain from its one input to its one output. NCHW becomes NHWC exactly:
//  - Conv weights OIHW -> HWIO ([kh][kw][cin][cout], tfjs Conv2D); `group == cin` is a
//    DepthwiseConv2D ([c * m + j][1][kh][kw] -> [kh][kw][c][j]); pads must be what TensorFlow's
//    'same' or 'valid' padding computes for the input size (same windows, same output size).
//  - a channel-major Flatten/Reshape of [C, H, W] gives CHW order; the engine flattens NHWC
//    (HWC order), so the first Dense after it takes its input rows permuted CHW -> HWC:
//    row (h * W + w) * C + c of the tfjs kernel is row c * H * W + h * W + w of the ONNX one.
//    A Transpose [0, 2, 3, 1] before the flatten (channels-last export) needs no permutation.
//  - Gemm (transB respected, alpha/beta applied) and MatMul (+ Add of a constant) -> Dense;
//    Clip(0, m) -> ReLU(maxValue m); Identity and Dropout are skipped; Softmax only at the end.
// Anything else is refused with one error naming the file, the node and what is wrong.
import * as tf from '@tensorflow/tfjs';
import protobuf from 'protobufjs/light.js';
import { ONNX_DESCRIPTOR } from './onnx-proto.js';

export const ONNX_OPSETS = { min: 13, max: 21 } as const;
export const ONNX_OPERATORS = [
  'Conv', 'Gemm', 'MatMul', 'Add', 'BatchNormalization', 'Relu', 'Clip', 'MaxPool', 'AveragePool', 'GlobalAveragePool',
  'Flatten', 'Reshape', 'Transpose', 'Identity', 'Dropout', 'Softmax', 'Constant',
] as const;

/** Reads a file named by an ONNX tensor's external data (relative to the model); undefined when missing. */
export type ExternalReader = (location: string) => Promise<Uint8Array | undefined>;

/** Elements of one tensor, and bytes of one external file, beyond any model spikemesh can run. */
const MAX_ELEMENTS = 1 << 28;

let modelType: protobuf.Type | undefined;
const ModelProto = () => (modelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto'));

// ---------------------------------------------------------------------------------------------
// decoded messages (keepCase field names of onnx.proto)

type Int = number | { toNumber(): number } | string;
interface TensorProto {
  name?: string; dims?: Int[]; data_type?: number; float_data?: number[]; int32_data?: number[]; int64_data?: Int[];
  double_data?: number[]; raw_data?: Uint8Array; data_location?: number; external_data?: Array<{ key?: string; value?: string }>;
}
interface AttributeProto { name?: string; type?: number; f?: number; i?: Int; s?: Uint8Array; t?: TensorProto; floats?: number[]; ints?: Int[] }
interface NodeProto { name?: string; op_type?: string; domain?: string; input?: string[]; output?: string[]; attribute?: AttributeProto[] }
interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: Array<{ dim_value?: Int; dim_param?: string; value?: string }> } } };
}
interface GraphProto { name?: string; node?: NodeProto[]; initializer?: TensorProto[]; input?: ValueInfoProto[]; output?: ValueInfoProto[] }
interface ModelMsg { ir_version?: Int; opset_import?: Array<{ domain?: string; version?: Int }>; graph?: GraphProto; producer_name?: string }

function num(v: Int | undefined | null): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.toNumber();
}

/** A float32 attribute as the shortest decimal that is the same float32 (0.001f -> 0.001, as written). */
export function float32Decimal(x: number): number {
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const d = Number(f.toPrecision(p));
    if (Math.fround(d) === f) return d;
  }
  return f;
}

// ---------------------------------------------------------------------------------------------
// tensors

interface Values {
  dims: number[];
  /** float tensors as float32 (float16/64 converted), integer tensors as numbers */
  data: Float32Array | number[];
}

const DTYPE: Record<number, { name: string; bytes: number; float: boolean }> = {
  1: { name: 'float32', bytes: 4, float: true },
  6: { name: 'int32', bytes: 4, float: false },
  7: { name: 'int64', bytes: 8, float: false },
  10: { name: 'float16', bytes: 2, float: true },
  11: { name: 'float64', bytes: 8, float: true },
};

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

class OnnxReader {
  constructor(private source: string, private readExternal: ExternalReader | undefined) {}

  fail(message: string): never {
    throw new Error(`${this.source}: ${message}`);
  }

  async values(t: TensorProto, what: string): Promise<Values> {
    const name = t.name || what;
    const dims = (t.dims ?? []).map(num);
    if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) this.fail(`tensor '${name}' has dims [${dims}]`);
    const n = dims.reduce((a, b) => a * b, 1);
    if (n > MAX_ELEMENTS) this.fail(`tensor '${name}' has ${n} elements [${dims}]: too large`);
    const dt = DTYPE[t.data_type ?? 0];
    if (!dt) this.fail(`tensor '${name}' has data type ${t.data_type}: only float32, float16, float64, int32 and int64 are read`);
    let raw = t.raw_data && t.raw_data.length ? t.raw_data : undefined;
    if (t.data_location === 1) {
      const ext = Object.fromEntries((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      const location = ext.location;
      if (!location) this.fail(`tensor '${name}' is stored as external data without a location`);
      if (location.includes('..') || location.startsWith('/') || location.includes('\\')) {
        this.fail(`tensor '${name}': external data location '${location}' leaves the model's directory`);
      }
      const file = this.readExternal ? await this.readExternal(location) : undefined;
      if (!file) {
        this.fail(`tensor '${name}' is stored in the external data file '${location}', which is missing ` +
          '(keep it beside the .onnx file, or save the model with its data inside)');
      }
      const offset = Number(ext.offset ?? 0);
      const length = ext.length !== undefined ? Number(ext.length) : n * dt.bytes;
      if (!(offset >= 0 && length >= 0 && offset + length <= file.length)) {
        this.fail(`tensor '${name}': bytes ${offset}..${offset + length} of '${location}' are beyond its ${file.length} bytes`);
      }
      raw = file.subarray(offset, offset + length);
    }
    if (raw) {
      if (raw.length !== n * dt.bytes) this.fail(`tensor '${name}' [${dims}] holds ${raw.length} bytes, expected ${n * dt.bytes}`);
      const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      if (dt.float) {
        const out = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          out[i] = dt.bytes === 4 ? view.getFloat32(i * 4, true) : dt.bytes === 8 ? view.getFloat64(i * 8, true) : half(view.getUint16(i * 2, true));
        }
        return { dims, data: out };
      }
      const out: number[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = dt.bytes === 8 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true);
      return { dims, data: out };
    }
    const list: ArrayLike<Int> =
      t.data_type === 1 ? t.float_data ?? [] : t.data_type === 11 ? t.double_data ?? [] : t.data_type === 7 ? t.int64_data ?? [] : t.int32_data ?? [];
    if (list.length !== n) this.fail(`tensor '${name}' [${dims}] holds ${list.length} values, expected ${n}`);
    if (t.data_type === 10) return { dims, data: Float32Array.from(list as number[], (h) => half(h)) };
    if (dt.float) return { dims, data: Float32Array.from(list as number[]) };
    return { dims, data: Array.from(list, num) };
  }
}

// ---------------------------------------------------------------------------------------------
// the layers the chain maps to (tfjs layouts)

type Pad = 'same' | 'valid';
type Spec =
  | { type: 'conv'; name: string; filters: number; kernel: [number, number]; strides: [number, number]; padding: Pad; weights: Float32Array; bias: Float32Array | null }
  | { type: 'depthwise'; name: string; multiplier: number; kernel: [number, number]; strides: [number, number]; padding: Pad; weights: Float32Array; bias: Float32Array | null }
  | { type: 'bn'; name: string; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array; epsilon: number }
  | { type: 'relu'; name: string; max: number | null }
  | { type: 'pool'; name: string; op: 'max' | 'average'; size: [number, number]; strides: [number, number]; padding: Pad }
  | { type: 'gap'; name: string }
  | { type: 'flatten'; name: string }
  | { type: 'dense'; name: string; units: number; weights: Float32Array; bias: Float32Array | null }
  | { type: 'softmax'; name: string };

/** The tensor between two nodes: spatial (NCHW or, after a Transpose, NHWC) or flat features. */
type State =
  | { kind: 'spatial'; layout: 'NCHW' | 'NHWC'; c: number; h: number; w: number }
  | { kind: 'flat'; n: number; chw?: { c: number; h: number; w: number } };

/** TensorFlow padding equal to ONNX pads (begin, end) for one axis, or undefined. */
function tfPadding(size: number, k: number, s: number, begin: number, end: number, ceil: boolean): Pad | undefined {
  let out = (ceil ? Math.ceil : Math.floor)((size + begin + end - k) / s) + 1;
  if (ceil && (out - 1) * s >= size + begin) out--; // a last window starting in the end padding is dropped
  if (begin === 0 && out === Math.floor((size - k) / s) + 1 && size >= k) return 'valid';
  const same = Math.ceil(size / s);
  const total = Math.max((same - 1) * s + k - size, 0);
  if (begin === Math.floor(total / 2) && out === same) return 'same';
  return undefined;
}

function outSize(size: number, k: number, s: number, p: Pad): number {
  return p === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

const GENERIC_GRAPH_NAMES = new Set(['', 'main_graph', 'torch_jit', 'torch-jit-export', 'tf2onnx', 'graph', 'g']);
const sanitize = (s: string) => s.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * Reads an ONNX model from its bytes. `readExternal` resolves external-data file names (Node:
 * files beside the model; browser: the other uploaded files); without it, external data is an error.
 */
export async function onnxToTfjs(bytes: Uint8Array, source: string, readExternal?: ExternalReader): Promise<tf.LayersModel> {
  const r: OnnxReader = new OnnxReader(source, readExternal);
  let msg: ModelMsg;
  try {
    msg = ModelProto().decode(bytes) as unknown as ModelMsg;
  } catch (err) {
    r.fail(`not a readable ONNX file (truncated or corrupt protobuf: ${(err as Error).message})`);
  }
  const graph = msg.graph;
  if (!graph || !(graph.node ?? []).length) r.fail('not an ONNX model (no graph with nodes)');
  const opset = (msg.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = num(opset?.version);
  if (!opset || version < ONNX_OPSETS.min || version > ONNX_OPSETS.max) {
    r.fail(`ONNX opset ${opset ? version : '(none)'} is not supported: opsets ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max} are ` +
      '(re-export with e.g. torch.onnx.export(..., opset_version=17))');
  }

  // constants: initializers and Constant nodes
  const constants = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) if (t.name) constants.set(t.name, t);
  const nodes = graph.node ?? [];
  for (const n of nodes) {
    if (n.op_type !== 'Constant' || (n.domain && n.domain !== 'ai.onnx')) continue;
    const a = n.attribute?.[0];
    const out = n.output?.[0];
    if (!a || !out) r.fail(`Constant node '${n.name}' has no value`);
    if (a.name === 'value' && a.t) constants.set(out, { ...a.t, name: out });
    else if (a.name === 'value_float') constants.set(out, { name: out, dims: [], data_type: 1, float_data: [a.f ?? 0] });
    else if (a.name === 'value_floats') constants.set(out, { name: out, dims: [a.floats?.length ?? 0], data_type: 1, float_data: a.floats ?? [] });
    else if (a.name === 'value_int') constants.set(out, { name: out, dims: [], data_type: 7, int64_data: [a.i ?? 0] });
    else if (a.name === 'value_ints') constants.set(out, { name: out, dims: [a.ints?.length ?? 0], data_type: 7, int64_data: a.ints ?? [] });
    else r.fail(`Constant node '${n.name}' holds a '${a.name}', which is not read`);
  }
  const isConst = (v: string) => constants.has(v);
  const constValues = async (v: string, node: NodeProto) => {
    const t = constants.get(v);
    if (!t) r.fail(`node '${node.name}' (${node.op_type}): input '${v}' must be a constant (an initializer)`);
    return r.values(t, v);
  };
  const floats = async (v: string, node: NodeProto, n?: number) => {
    const t = await constValues(v, node);
    if (!(t.data instanceof Float32Array)) r.fail(`node '${node.name}' (${node.op_type}): '${v}' is not a float tensor`);
    if (n !== undefined && t.data.length !== n) r.fail(`node '${node.name}' (${node.op_type}): '${v}' has ${t.data.length} values, expected ${n}`);
    if (t.data.some((x) => !Number.isFinite(x))) r.fail(`node '${node.name}' (${node.op_type}): '${v}' holds a non-finite value`);
    return t;
  };

  // the one input and output
  const inputs = (graph.input ?? []).filter((i) => i.name && !isConst(i.name));
  if (inputs.length !== 1) r.fail(`the graph has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}): only one-input models can be read`);
  const outputs = graph.output ?? [];
  if (outputs.length !== 1) r.fail(`the graph has ${outputs.length} outputs: only one-output models can be read`);
  const input = inputs[0]!;
  const output = outputs[0]!.name ?? '';
  const tt = input.type?.tensor_type;
  if (!tt || (tt.elem_type ?? 1) !== 1) r.fail(`input '${input.name}' is not a float32 tensor`);
  const dims = tt.shape?.dim ?? [];
  if (dims.length !== 4 && dims.length !== 2) {
    r.fail(`input '${input.name}' has rank ${dims.length}: expected images [N, C, H, W] (or [N, H, W, C] with a Transpose) or features [N, K]`);
  }
  const shape = dims.map((d, i) => {
    const v = num(d.dim_value);
    if (i > 0 && (d.dim_param || !(v > 0))) {
      r.fail(`input '${input.name}' has a dynamic dimension ${d.dim_param ? `'${d.dim_param}'` : '(unknown)'} at axis ${i}: ` +
        'only the batch dimension may be dynamic (export with a fixed input size)');
    }
    if (i > 0 && v > MAX_ELEMENTS) r.fail(`input '${input.name}' has dimension ${v} at axis ${i}: too large`);
    return v;
  });

  const consumers = new Map<string, NodeProto[]>();
  for (const n of nodes) {
    if (n.op_type === 'Constant') continue;
    for (const i of new Set(n.input ?? [])) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const label = (n: NodeProto) => `node '${n.name || '(unnamed)'}' (${n.op_type})`;
  const next = (v: string): NodeProto | undefined => {
    const c = consumers.get(v) ?? [];
    if (c.length > 1) {
      const shapeOp = c.find((n) => n.op_type === 'Shape');
      if (shapeOp) r.fail(`operator Shape (${label(shapeOp)}) is not supported: export with a constant shape (torch.flatten or nn.Flatten)`);
      r.fail(`value '${v}' feeds ${c.length} nodes (${c.map((n) => `'${n.name}' ${n.op_type}`).join(', ')}): ` +
        'branching graphs (residual Add, Concat) cannot be converted yet');
    }
    return c[0];
  };

  let state: State = dims.length === 2
    ? { kind: 'flat', n: shape[1]! }
    : { kind: 'spatial', layout: 'NCHW', c: shape[1]!, h: shape[2]!, w: shape[3]! };
  // a channels-last input transposed to NCHW first
  const first = next(input.name!);
  if (state.kind === 'spatial' && first?.op_type === 'Transpose' && attrInts(first, 'perm')?.join() === '0,3,1,2') {
    state = { kind: 'spatial', layout: 'NHWC', c: shape[3]!, h: shape[1]!, w: shape[2]! };
  }
  const inputShape: number[] = state.kind === 'flat' ? [state.n] : [state.h, state.w, state.c];

  const specs: Spec[] = [];
  const used = new Map<string, number>();
  const nameFor = (node: NodeProto, weight?: string): string => {
    let base = '';
    if (weight && constants.has(weight) && /\.(weight|scale|gamma)$/.test(weight)) base = weight.replace(/\.(weight|scale|gamma)$/, '');
    else if (node.name) {
      const parts = node.name.split('/').filter(Boolean);
      base = parts.length > 1 ? parts.slice(0, -1).join('_') : parts[0] ?? '';
    }
    base = sanitize(base) || (node.op_type ?? 'layer').toLowerCase();
    if (/^\d/.test(base)) base = `l${base}`;
    const k = used.get(base) ?? 0;
    used.set(base, k + 1);
    return k ? `${base}_${k}` : base;
  };
  const spatial = (node: NodeProto) => {
    if (state.kind !== 'spatial') r.fail(`${label(node)} needs an image tensor [N, C, H, W] but follows a flatten or dense layer`);
    if (state.layout !== 'NCHW') r.fail(`${label(node)} reads a channels-last tensor (after a Transpose): only NCHW convolutions and pools are read`);
    return state;
  };
  const padOf = (node: NodeProto, s: { h: number; w: number }, k: [number, number], st: [number, number], ceil: boolean): Pad => {
    const auto = attrString(node, 'auto_pad') ?? 'NOTSET';
    const pads = attrInts(node, 'pads') ?? [0, 0, 0, 0];
    if (pads.length !== 4) r.fail(`${label(node)}: pads [${pads}] are not 2-D`);
    if (auto === 'VALID') return 'valid';
    let b = [pads[0]!, pads[1]!];
    let e = [pads[2]!, pads[3]!];
    if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
      const tot = [s.h, s.w].map((n, i) => Math.max((Math.ceil(n / st[i]!) - 1) * st[i]! + k[i]! - n, 0));
      b = tot.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
      e = tot.map((t, i) => t - b[i]!);
    } else if (auto !== 'NOTSET') r.fail(`${label(node)}: auto_pad '${auto}' is not supported`);
    const ph = tfPadding(s.h, k[0], st[0], b[0]!, e[0]!, ceil);
    const pw = tfPadding(s.w, k[1], st[1], b[1]!, e[1]!, ceil);
    if (!ph || ph !== pw) {
      r.fail(`${label(node)}: pads [${[...b, ...e]}] with kernel [${k}] and strides [${st}] on a ${s.h}x${s.w} input are neither ` +
        "TensorFlow 'same' nor 'valid' padding (the windows would differ); pad symmetrically with odd kernels at stride 1, or not at all");
    }
    return ph;
  };
  const pair = (node: NodeProto, name: string, dflt: number): [number, number] => {
    const v = attrInts(node, name);
    if (!v) return [dflt, dflt];
    if (v.length !== 2 || !v.every((x) => Number.isSafeInteger(x) && x > 0 && x <= 1 << 16)) r.fail(`${label(node)}: ${name} [${v}] is not two positive sizes`);
    return [v[0]!, v[1]!];
  };

  let cur = input.name!;
  const skipped = new Set<NodeProto>();
  for (let steps = 0; cur !== output; steps++) {
    if (steps > nodes.length) r.fail('the graph has a cycle');
    const node = next(cur);
    if (!node) r.fail(`value '${cur}' is not the graph output '${output}' and no node reads it`);
    const op = node.op_type ?? '';
    if (node.domain && node.domain !== 'ai.onnx') r.fail(`operator ${node.domain}.${op} (${label(node)}) is not supported`);
    if (!(ONNX_OPERATORS as readonly string[]).includes(op) || op === 'Constant') {
      r.fail(`operator ${op} (${label(node)}) is not supported: the operators read are ${ONNX_OPERATORS.filter((o) => o !== 'Constant').join(', ')}`);
    }
    const ins = node.input ?? [];
    const joined = ins.filter((i, k) => i && (i === cur ? k > 0 && ins.indexOf(cur) !== k : !isConst(i)));
    if (joined.length) {
      r.fail(`${label(node)} joins two paths ('${cur}' and '${joined[0]}'): branching graphs (residual Add, Concat) cannot be converted yet`);
    }
    if (ins[0] !== cur) r.fail(`${label(node)} reads '${cur}' as input ${ins.indexOf(cur)}, not as its data input`);
    for (const extra of (node.output ?? []).slice(1)) {
      if (extra && consumers.has(extra)) r.fail(`${label(node)}: its output '${extra}' is used (training outputs are not supported)`);
    }
    const out = node.output?.[0];
    if (!out) r.fail(`${label(node)} has no output`);

    switch (op) {
      case 'Identity':
      case 'Dropout':
        break;
      case 'Conv': {
        const s = spatial(node);
        const wt = await floats(ins[1]!, node);
        if (wt.dims.length !== 4) r.fail(`${label(node)}: weight '${ins[1]}' has dims [${wt.dims}], expected [O, I, kh, kw]`);
        const [O, I, kh, kw] = wt.dims as [number, number, number, number];
        const ks = attrInts(node, 'kernel_shape');
        if (ks && ks.join() !== [kh, kw].join()) r.fail(`${label(node)}: kernel_shape [${ks}] differs from the weight's [${kh}, ${kw}]`);
        const dil = attrInts(node, 'dilations');
        if (dil && dil.some((d) => d !== 1)) r.fail(`${label(node)}: dilations [${dil}] are not supported (use 1)`);
        const group = num(attr(node, 'group')?.i ?? 1);
        const strides = pair(node, 'strides', 1);
        const padding = padOf(node, s, [kh, kw], strides, false);
        const bias = ins[2] ? (await floats(ins[2], node, O)).data as Float32Array : null;
        const src = wt.data as Float32Array;
        const name = nameFor(node, ins[1]);
        if (group === 1) {
          if (I !== s.c) r.fail(`${label(node)}: weight '${ins[1]}' expects ${I} input channels, the tensor has ${s.c}`);
          const weights = new Float32Array(src.length);
          for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
            weights[((y * kw + x) * I + i) * O + o] = src[((o * I + i) * kh + y) * kw + x]!;
          }
          specs.push({ type: 'conv', name, filters: O, kernel: [kh, kw], strides, padding, weights, bias });
        } else if (group === s.c && I === 1 && O % group === 0) {
          const m = O / group;
          const weights = new Float32Array(src.length);
          for (let c = 0; c < group; c++) for (let j = 0; j < m; j++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
            weights[((y * kw + x) * group + c) * m + j] = src[((c * m + j) * kh + y) * kw + x]!;
          }
          specs.push({ type: 'depthwise', name, multiplier: m, kernel: [kh, kw], strides, padding, weights, bias });
        } else {
          r.fail(`${label(node)}: group ${group} with ${s.c} input channels is a grouped convolution: only group 1 or depthwise (group = channels) are read`);
        }
        state = { kind: 'spatial', layout: 'NCHW', c: O, h: outSize(s.h, kh, strides[0], padding), w: outSize(s.w, kw, strides[1], padding) };
        if (state.h < 1 || state.w < 1) r.fail(`${label(node)}: the ${s.h}x${s.w} input is smaller than the kernel`);
        break;
      }
      case 'BatchNormalization': {
        const c = state.kind === 'spatial' ? spatial(node).c : state.n;
        if (num(attr(node, 'training_mode')?.i) !== 0) r.fail(`${label(node)} is in training mode`);
        const [gamma, beta, mean, variance] = await Promise.all(ins.slice(1, 5).map((v) => floats(v, node, c)));
        if (!gamma || !beta || !mean || !variance) r.fail(`${label(node)} needs scale, bias, mean and variance`);
        const eps = attr(node, 'epsilon')?.f;
        specs.push({ type: 'bn', name: nameFor(node, ins[1]), gamma: gamma.data as Float32Array, beta: beta.data as Float32Array,
          mean: mean.data as Float32Array, variance: variance.data as Float32Array, epsilon: eps === undefined ? 1e-5 : float32Decimal(eps) });
        break;
      }
      case 'Relu':
        specs.push({ type: 'relu', name: nameFor(node), max: null });
        break;
      case 'Clip': {
        const lo = ins[1] ? (await floats(ins[1], node, 1)).data[0]! : -Infinity;
        const hi = ins[2] ? (await floats(ins[2], node, 1)).data[0]! : Infinity;
        if (lo !== 0 || !(hi > 0)) r.fail(`${label(node)}: Clip(${lo}, ${hi}) is not a ReLU: only Clip(0, max) (ReLU6 is Clip(0, 6)) is read`);
        specs.push({ type: 'relu', name: nameFor(node), max: Number.isFinite(hi) ? float32Decimal(hi) : null });
        break;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const s = spatial(node);
        const size = pair(node, 'kernel_shape', 0);
        if (!(size[0] > 0)) r.fail(`${label(node)} has no kernel_shape`);
        const dil = attrInts(node, 'dilations');
        if (dil && dil.some((d) => d !== 1)) r.fail(`${label(node)}: dilations [${dil}] are not supported`);
        if (num(attr(node, 'storage_order')?.i) !== 0) r.fail(`${label(node)}: storage_order 1 is not supported`);
        const strides = pair(node, 'strides', 1);
        const padding = padOf(node, s, size, strides, num(attr(node, 'ceil_mode')?.i) === 1);
        if (op === 'AveragePool' && num(attr(node, 'count_include_pad')?.i) === 1 && padding === 'same' &&
          (s.h % strides[0] !== 0 || s.w % strides[1] !== 0 || size[0] !== strides[0] || size[1] !== strides[1])) {
          r.fail(`${label(node)}: count_include_pad averages padding zeros, which TensorFlow's pooling does not`);
        }
        specs.push({ type: 'pool', name: nameFor(node), op: op === 'MaxPool' ? 'max' : 'average', size, strides, padding });
        state = { ...s, h: outSize(s.h, size[0], strides[0], padding), w: outSize(s.w, size[1], strides[1], padding) };
        if (state.h < 1 || state.w < 1) r.fail(`${label(node)}: the ${s.h}x${s.w} input is smaller than the pool`);
        break;
      }
      case 'GlobalAveragePool': {
        const s = spatial(node);
        specs.push({ type: 'gap', name: nameFor(node) });
        state = { kind: 'flat', n: s.c };
        break;
      }
      case 'Flatten':
      case 'Reshape': {
        const size = state.kind === 'flat' ? state.n : state.c * state.h * state.w;
        if (op === 'Flatten') {
          const axis = num(attr(node, 'axis')?.i ?? 1);
          if (axis !== 1) r.fail(`${label(node)}: Flatten axis ${axis} is not supported (only axis 1: [N, ...] -> [N, K])`);
        } else {
          const t = await constValues(ins[1]!, node);
          const target = Array.from(t.data as ArrayLike<number>);
          const rest = target.slice(1);
          // [N, K] with N copied (0), inferred (-1) or fixed, and K the size or inferred
          const flat = target.length === 2 && (rest[0] === size || (rest[0] === -1 && target[0] !== -1)) && target[0]! >= -1;
          const same = state.kind === 'spatial' && target.length === 4 && [state.c, state.h, state.w].join() === rest.join();
          if (same) break;
          if (!flat) r.fail(`${label(node)}: Reshape to [${target}] is not supported: only flattening to [N, ${size}] is read`);
        }
        if (state.kind === 'spatial') {
          specs.push({ type: 'flatten', name: nameFor(node) });
          const s = state;
          state = { kind: 'flat', n: size, ...(s.layout === 'NCHW' && s.h * s.w > 1 && { chw: { c: s.c, h: s.h, w: s.w } }) };
        }
        break;
      }
      case 'Transpose': {
        const perm = attrInts(node, 'perm');
        if (state.kind === 'flat') {
          if (perm && perm.join() !== '0,1') r.fail(`${label(node)}: Transpose [${perm}] of features changes more than the layout`);
          break;
        }
        const p = perm?.join() ?? '';
        if (p === '0,1,2,3') break;
        if (state.layout === 'NCHW' && p === '0,2,3,1') state = { ...state, layout: 'NHWC' };
        else if (state.layout === 'NHWC' && p === '0,3,1,2') state = { ...state, layout: 'NCHW' };
        else r.fail(`${label(node)}: Transpose [${perm ?? 'reverse'}] of a ${state.layout} tensor changes more than the layout`);
        break;
      }
      case 'Gemm':
      case 'MatMul': {
        if (state.kind !== 'flat') r.fail(`${label(node)} needs a flattened [N, K] input: add a Flatten before it`);
        const wt = await floats(ins[1]!, node);
        if (wt.dims.length !== 2) r.fail(`${label(node)}: weight '${ins[1]}' has dims [${wt.dims}], expected 2-D`);
        const transB = op === 'Gemm' && num(attr(node, 'transB')?.i) === 1;
        if (op === 'Gemm' && num(attr(node, 'transA')?.i) === 1) r.fail(`${label(node)}: transA is not supported`);
        const [K, U] = transB ? [wt.dims[1]!, wt.dims[0]!] : [wt.dims[0]!, wt.dims[1]!];
        if (K !== state.n) r.fail(`${label(node)}: weight '${ins[1]}' [${wt.dims}] expects ${K} inputs, the tensor has ${state.n}`);
        const alpha = op === 'Gemm' ? attr(node, 'alpha')?.f ?? 1 : 1;
        const src = wt.data as Float32Array;
        const weights = new Float32Array(K * U);
        const chw = state.chw;
        for (let k = 0; k < K; k++) {
          // row k of the engine's HWC flatten is row `from` of the ONNX (CHW) flatten
          let from = k;
          if (chw) {
            const c = k % chw.c;
            const hw = (k - c) / chw.c;
            from = c * chw.h * chw.w + hw;
          }
          for (let u = 0; u < U; u++) weights[k * U + u] = (transB ? src[u * K + from]! : src[from * U + u]!) * alpha;
        }
        let bias: Float32Array | null = null;
        let end = out;
        if (op === 'Gemm' && ins[2]) {
          const c = await floats(ins[2], node);
          const beta = attr(node, 'beta')?.f ?? 1;
          if (c.data.length !== U && c.data.length !== 1) r.fail(`${label(node)}: bias '${ins[2]}' [${c.dims}] does not broadcast to [${U}]`);
          bias = Float32Array.from({ length: U }, (_, u) => (c.data as Float32Array)[c.data.length === 1 ? 0 : u]! * beta);
        } else if (op === 'MatMul') {
          const add = end !== output ? next(end) : undefined;
          const other = add?.op_type === 'Add' ? (add.input ?? []).find((i) => i !== end) : undefined;
          if (add && other && isConst(other)) {
            const c = await floats(other, add);
            if (c.data.length !== U) r.fail(`${label(add)}: bias '${other}' [${c.dims}] does not match the ${U} units of '${node.name}'`);
            bias = c.data as Float32Array;
            skipped.add(add);
            end = add.output?.[0] ?? '';
          }
        }
        specs.push({ type: 'dense', name: nameFor(node, ins[1]), units: U, weights, bias });
        state = { kind: 'flat', n: U };
        cur = end;
        continue;
      }
      case 'Add':
        r.fail(`${label(node)}: an Add of a constant is read only as the bias of a MatMul`);
        break;
      case 'Softmax': {
        if (out !== output) r.fail(`${label(node)}: Softmax is only allowed as the model's last operation`);
        if (state.kind !== 'flat') r.fail(`${label(node)}: Softmax over an image tensor is not supported`);
        const axis = num(attr(node, 'axis')?.i ?? -1);
        if (axis !== -1 && axis !== 1) r.fail(`${label(node)}: Softmax over axis ${axis} is not supported`);
        specs.push({ type: 'softmax', name: nameFor(node) });
        break;
      }
    }
    cur = out;
  }
  if (next(output)) r.fail(`the graph output '${output}' also feeds a node: branching graphs cannot be converted yet`);
  // exporters name every graph alike ('main_graph', 'torch_jit', 'tf2onnx'): the file's name says more
  const modelName = GENERIC_GRAPH_NAMES.has(graph.name ?? '') ? sanitize(source.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '')) : sanitize(graph.name ?? '');
  return buildModel(modelName || 'onnx_model', sanitize(input.name ?? '') || 'input', inputShape, specs, source);
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute?.find((a) => a.name === name);
}
function attrInts(node: NodeProto, name: string): number[] | undefined {
  const a = attr(node, name);
  return a?.ints ? a.ints.map(num) : undefined;
}
function attrString(node: NodeProto, name: string): string | undefined {
  const a = attr(node, name);
  return a?.s ? new TextDecoder().decode(a.s) : undefined;
}

function buildModel(name: string, inputName: string, inputShape: number[], specs: Spec[], source: string): tf.LayersModel {
  const L = tf.layers;
  const model = tf.sequential({ name });
  const weights: Array<[tf.layers.Layer, Array<{ data: Float32Array }>]> = [];
  try {
    model.add(L.inputLayer({ inputShape, name: specs.some((s) => s.name === inputName) ? `${inputName}_input` : inputName }));
    for (const s of specs) {
      let layer: tf.layers.Layer;
      switch (s.type) {
        case 'conv':
          layer = L.conv2d({ name: s.name, filters: s.filters, kernelSize: s.kernel, strides: s.strides, padding: s.padding,
            useBias: s.bias !== null, kernelInitializer: 'zeros' });
          weights.push([layer, [{ data: s.weights }, ...(s.bias ? [{ data: s.bias }] : [])]]);
          break;
        case 'depthwise':
          layer = L.depthwiseConv2d({ name: s.name, kernelSize: s.kernel, depthMultiplier: s.multiplier, strides: s.strides,
            padding: s.padding, useBias: s.bias !== null, depthwiseInitializer: 'zeros' });
          weights.push([layer, [{ data: s.weights }, ...(s.bias ? [{ data: s.bias }] : [])]]);
          break;
        case 'bn':
          layer = L.batchNormalization({ name: s.name, axis: -1, epsilon: s.epsilon });
          weights.push([layer, [{ data: s.gamma }, { data: s.beta }, { data: s.mean }, { data: s.variance }]]);
          break;
        case 'relu':
          layer = L.reLU({ name: s.name, ...(s.max !== null && { maxValue: s.max }) });
          break;
        case 'pool':
          layer = (s.op === 'max' ? L.maxPooling2d : L.averagePooling2d)({ name: s.name, poolSize: s.size, strides: s.strides, padding: s.padding });
          break;
        case 'gap':
          layer = L.globalAveragePooling2d({ name: s.name });
          break;
        case 'flatten':
          layer = L.flatten({ name: s.name });
          break;
        case 'dense':
          layer = L.dense({ name: s.name, units: s.units, useBias: s.bias !== null, kernelInitializer: 'zeros' });
          weights.push([layer, [{ data: s.weights }, ...(s.bias ? [{ data: s.bias }] : [])]]);
          break;
        case 'softmax':
          layer = L.softmax({ name: s.name });
          break;
      }
      model.add(layer);
    }
    for (const [layer, values] of weights) {
      const tensors = layer.weights.map((w, i) => tf.tensor(values[i]!.data, w.shape as number[], 'float32'));
      try {
        layer.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
    }
  } catch (err) {
    model.dispose();
    throw new Error(`${source}: cannot build the model: ${(err as Error).message}`);
  }
  return model;
}
