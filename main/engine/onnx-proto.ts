/**
 * Just enough of ONNX's protobuf encoding (onnx.proto: ModelProto, GraphProto, NodeProto, ValueInfoProto) to build a
 * one-node graph in memory. The engine uses it for small helper graphs that must run on the model's own provider, such
 * as slicing the KV cache on the GPU, so nothing extra ships as a file.
 */
type Field = Uint8Array;

const ELEM_TYPE = { float32: 1, float16: 10, int64: 7 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function concat(parts: readonly Field[]): Field {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const num = (field: number, n: number): Field => Uint8Array.from([...varint(field << 3), ...varint(n)]);
const bytes = (field: number, b: Field): Field => concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(b.length)]), b]);
const str = (field: number, s: string): Field => bytes(field, new TextEncoder().encode(s));

/** A tensor input or output: a name, an element type, and per axis a fixed size or a symbolic name. */
export interface ValueInfo {
  readonly name: string;
  readonly type: ElemType;
  readonly shape: readonly (number | string)[];
}

function valueInfo(v: ValueInfo): Field {
  const dims = v.shape.map((d) => bytes(1, typeof d === 'number' ? num(1, d) : str(2, d)));
  const tensorType = concat([num(1, ELEM_TYPE[v.type]), bytes(2, concat(dims))]);
  return concat([str(1, v.name), bytes(2, bytes(1, tensorType))]);
}

/** A model of one node `op(inputs) → outputs` at the given opset of the default domain. */
export function singleNodeModel(op: string, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], opset = 13): Uint8Array {
  const node = concat([...inputs.map((i) => str(1, i.name)), ...outputs.map((o) => str(2, o.name)), str(4, op)]);
  const graph = concat([bytes(1, node), str(2, `medrwr_${op.toLowerCase()}`), ...inputs.map((i) => bytes(11, valueInfo(i))), ...outputs.map((o) => bytes(12, valueInfo(o)))]);
  return concat([num(1, 8), str(2, 'medrwr-workstation'), bytes(7, graph), bytes(8, concat([str(1, ''), num(2, opset)]))]);
}
