/**
 * The few ONNX protobuf messages a one-op graph needs (onnx/onnx.proto: ModelProto, GraphProto,
 * NodeProto, AttributeProto, ValueInfoProto, TensorProto), encoded by hand. The kernels build one
 * small graph per shape at run time; a protobuf library plus the generated ONNX schema would be
 * several hundred kB to write these six messages.
 */

/** ONNX TensorProto.DataType codes used here. */
const FLOAT = 1;
const INT64 = 7;

const encoder = new TextEncoder();

class Writer {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.length += bytes.length;
    return this;
  }

  private varint(value: number | bigint): this {
    let v = BigInt(value);
    if (v < 0n) v += 1n << 64n; // int64 as two's complement, as protobuf encodes negative varints
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    return this.push(Uint8Array.from(out));
  }

  /** A varint field (wire type 0). */
  int(field: number, value: number | bigint): this {
    return this.varint(field << 3).varint(value);
  }

  /** A length-delimited field (wire type 2). */
  bytes(field: number, value: Uint8Array): this {
    return this.varint((field << 3) | 2)
      .varint(value.length)
      .push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  message(field: number, value: Writer): this {
    return this.bytes(field, value.finish());
  }

  /** A 32-bit float field (wire type 5). */
  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    return this.varint((field << 3) | 5).push(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}

/** An attribute value: an int, a float, or a list of ints. */
export type AttributeValue = number | readonly number[];

/** One graph node: `op` from the default ONNX domain. */
export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
  /** Use `float` for a number attribute ONNX types as FLOAT (e.g. Gemm's alpha). */
  floats?: readonly string[];
}

/** A graph input or output: float32 with a fixed shape. */
export interface OnnxValue {
  name: string;
  shape: readonly number[];
}

/** A constant int64 tensor (the shape or index arguments of Reshape, Slice, Pad). */
export interface OnnxInitializer {
  name: string;
  values: readonly number[];
}

export interface OnnxGraph {
  nodes: readonly OnnxNode[];
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  initializers?: readonly OnnxInitializer[];
}

/** The opset the graphs are written against (ConvTranspose, Gemm, Slice, Pad as of 13–17). */
export const OPSET = 17;

function attribute(name: string, value: AttributeValue, asFloat: boolean): Writer {
  // AttributeProto: name=1 f=2 i=3 ints=8 type=20 (FLOAT=1, INT=2, INTS=7)
  const w = new Writer().string(1, name);
  if (typeof value === 'number') {
    if (asFloat) return w.float(2, value).int(20, 1);
    if (!Number.isInteger(value)) throw new Error(`attribute ${name}: ${value} is not an integer; list it in floats`);
    return w.int(3, value).int(20, 2);
  }
  for (const v of value) w.int(8, v);
  return w.int(20, 7);
}

function node(n: OnnxNode, index: number): Writer {
  // NodeProto: input=1 output=2 name=3 op_type=4 attribute=5
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.op.toLowerCase()}${index}`).string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) {
    w.message(5, attribute(name, value, n.floats?.includes(name) ?? false));
  }
  return w;
}

function valueInfo(v: OnnxValue): Writer {
  // ValueInfoProto{name=1, type=2: TypeProto{tensor_type=1: {elem_type=1, shape=2: {dim=1: {dim_value=1}}}}}
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, new Writer().int(1, d));
  const tensorType = new Writer().int(1, FLOAT).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function initializer(t: OnnxInitializer): Writer {
  // TensorProto: dims=1 data_type=2 name=8 raw_data=9 (little-endian int64s)
  const raw = new Uint8Array(8 * t.values.length);
  const view = new DataView(raw.buffer);
  t.values.forEach((v, i) => view.setBigInt64(8 * i, BigInt(v), true));
  return new Writer().int(1, t.values.length).int(2, INT64).string(8, t.name).bytes(9, raw);
}

/** The serialized ModelProto of `graph`, ready for `InferenceSession.loadModel`. */
export function encodeModel(graph: OnnxGraph): Uint8Array {
  // GraphProto: node=1 name=2 initializer=5 input=11 output=12
  const g = new Writer();
  graph.nodes.forEach((n, i) => g.message(1, node(n, i)));
  g.string(2, 'zoo');
  for (const t of graph.initializers ?? []) g.message(5, initializer(t));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));
  // ModelProto: ir_version=1 producer_name=2 graph=7 opset_import=8{domain=1, version=2}
  return new Writer()
    .int(1, 8)
    .string(2, '@zoo/backend')
    .message(7, g)
    .message(8, new Writer().string(1, '').int(2, OPSET))
    .finish();
}
