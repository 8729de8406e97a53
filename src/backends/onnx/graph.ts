/**
 * An ONNX graph under construction: nodes in order, constants and initializers, unique value names,
 * and the sizes of axes read from tensors at run time (so that the batch and sequence axes stay
 * dynamic: no lowering writes a symbolic size as a number).
 */
import type { DType } from '../../ir/types.js';
import { AttributeType, DataType, type AttributeMessage, type DataTypeCode, type NodeMessage, type TensorMessage } from './proto.js';

/** An attribute value: a number is an int unless given as `{ float }`; arrays of numbers are ints unless `{ floats }`. */
export type Attr = number | string | number[] | { float: number } | { floats: number[] };

/** The ONNX element type of an IR dtype (a mask is a bool tensor, true = may attend). */
export function onnxType(dtype: DType): DataTypeCode {
  return dtype === 'float32' ? DataType.FLOAT : dtype === 'int32' ? DataType.INT32 : DataType.BOOL;
}

export class OnnxGraph {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  private readonly sizeTensors = new Map<string, string>();
  /** The IR node being lowered, for node names and doc strings. */
  origin = '';

  /** A name no other value has, from a readable stem. */
  fresh(stem: string): string {
    const base = stem.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Reserves a name given from outside (an input, an output, a parameter). */
  claim(name: string): string {
    if (this.used.has(name)) throw new Error(`the ONNX graph already has a value named \`${name}\``);
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its output names (`outputs` many, or the names given). */
  node(opType: string, inputs: string[], attrs: Record<string, Attr | undefined> = {}, outputs: number | string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(`${this.origin || opType.toLowerCase()}`)) : outputs;
    const attributes = Object.entries(attrs)
      .filter((e): e is [string, Attr] => e[1] !== undefined)
      .map(([name, v]) => attributeMessage(name, v));
    this.nodes.push({ input: inputs, output: outs, name: this.fresh(`${opType}${this.origin ? `:${this.origin}` : ''}`), opType, attribute: attributes });
    return outs;
  }

  /** One-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr | undefined> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  /** An initializer holding `data` (the caller names it; a parameter keeps its own name). */
  initializer(name: string, dims: number[], dataType: DataTypeCode, data: Uint8Array): string {
    this.initializers.push({ name, dims, dataType, rawData: data });
    return name;
  }

  /** A constant tensor (shared between uses of the same value). */
  constant(values: ArrayLike<number>, dims: number[], dtype: 'float32' | 'int32' | 'int64' | 'bool'): string {
    const key = `${dtype}|${dims.join(',')}|${Array.from(values).join(',')}`;
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.fresh(`const_${dtype}`);
    const raw = encodeData(values, dtype);
    const dataType = dtype === 'float32' ? DataType.FLOAT : dtype === 'int32' ? DataType.INT32 : dtype === 'int64' ? DataType.INT64 : DataType.BOOL;
    // Small constants are graph initializers too (onnx's checker accepts initializers that are not inputs from IR 4 on).
    this.initializers.push({ name, dims, dataType, rawData: raw });
    this.constants.set(key, name);
    return name;
  }

  scalar(v: number, dtype: 'float32' | 'int32' | 'int64' = 'float32'): string {
    return this.constant([v], [], dtype);
  }

  ints(values: number[]): string {
    return this.constant(values, [values.length], 'int64');
  }

  /** The int64 `[1]` size of `axis` of `tensor`, read at run time. */
  axisSize(tensor: string, axis: number): string {
    const key = `${tensor}#${axis}`;
    const known = this.sizeTensors.get(key);
    if (known) return known;
    const out = this.op('Shape', [tensor], { start: axis, end: axis + 1 });
    this.sizeTensors.set(key, out);
    return out;
  }

  /** `x` as a 0-d int64 tensor (Range takes scalars). */
  toScalar(sizeTensor: string): string {
    return this.op('Squeeze', [sizeTensor, this.ints([0])]);
  }
}

function attributeMessage(name: string, v: Attr): AttributeMessage {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.FLOATS, floats: v.floats };
}

/** Little-endian bytes of `values` as `dtype` (ONNX's raw_data layout). */
export function encodeData(values: ArrayLike<number>, dtype: 'float32' | 'int32' | 'int64' | 'bool'): Uint8Array {
  const n = values.length;
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v ? 1 : 0));
  const size = dtype === 'int64' ? 8 : 4;
  const view = new DataView(new ArrayBuffer(n * size));
  for (let i = 0; i < n; i++) {
    if (dtype === 'float32') view.setFloat32(i * 4, values[i], true);
    else if (dtype === 'int32') view.setInt32(i * 4, values[i], true);
    else view.setBigInt64(i * 8, BigInt(values[i]), true);
  }
  return new Uint8Array(view.buffer);
}
