// A thin ONNX writer for the exporter: plain objects in, ModelProto bytes out, encoded by
// protobufjs with the official onnx.proto (src/io/onnx.proto, loaded through its generated
// descriptor src/io/onnx-proto.ts, shared with the ONNX reader).
import protobuf from 'protobufjs';
import { ONNX_DESCRIPTOR } from './onnx-proto.js';

/** TensorProto.DataType values the exporter uses. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, DOUBLE: 11 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

export interface TensorInit {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** little-endian raw bytes of the values */
  raw: Uint8Array;
}

export type AttrValue = number | number[] | string | { ints: number[] } | { float: number };

export interface NodeInit {
  opType: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attributes?: Record<string, AttrValue>;
}

export interface ValueInit {
  name: string;
  dataType: DataTypeCode;
  /** a number, or a string for a symbolic (dynamic) dimension */
  dims: (number | string)[];
}

export interface ModelInit {
  graphName: string;
  nodes: NodeInit[];
  initializers: TensorInit[];
  inputs: ValueInit[];
  outputs: ValueInit[];
  opset: number;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
}

let modelType: protobuf.Type | undefined;

function modelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_DESCRIPTOR).lookupType('onnx.ModelProto');
  return modelType;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attribute(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (use { float })`);
    return { name, type: ATTR_INT, i: v };
  }
  if (typeof v === 'string') return { name, type: ATTR_STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: ATTR_INTS, ints: v };
  if ('ints' in v) return { name, type: ATTR_INTS, ints: v.ints };
  return { name, type: ATTR_FLOAT, f: v.float };
}

function valueInfo(v: ValueInit): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: v.dataType,
        shape: { dim: v.dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  };
}

/** Encodes a model as ONNX ModelProto bytes. */
export function encodeModel(m: ModelInit): Uint8Array {
  const obj = {
    ir_version: m.irVersion,
    opset_import: [{ domain: '', version: m.opset }],
    producer_name: m.producerName,
    producer_version: m.producerVersion,
    doc_string: m.docString ?? '',
    metadata_props: Object.entries(m.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: m.graphName,
      node: m.nodes.map((n, k) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name ?? `${n.opType}_${k}`,
        op_type: n.opType,
        domain: '',
        attribute: Object.entries(n.attributes ?? {}).map(([name, v]) => attribute(name, v)),
      })),
      initializer: m.initializers.map((t) => ({ name: t.name, data_type: t.dataType, dims: t.dims, raw_data: t.raw })),
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
    },
  };
  const type = modelProto();
  const err = type.verify(obj);
  if (err) throw new Error(`onnx export: internal encoding error: ${err}`);
  // a copy: protobufjs returns a Node Buffer (a view of a shared pool) in Node
  return new Uint8Array(type.encode(type.fromObject(obj)).finish());
}
