/**
 * An ONNX graph under construction: nodes in order, constants and initializers, unique value names,
 * and the shape arithmetic lowerings need (sizes of axes read from tensors at run time, so that the
 * batch and sequence axes stay dynamic).
 */
import { resolve, type Dim } from '../../ir/dims.js';
import type { DType } from '../../ir/types.js';
import { AttributeType, DataType, type AttributeMessage, type DataTypeCode, type NodeMessage, type TensorMessage } from './proto.js';

/** An attribute value: a number is an int unless given as `{ float }`; arrays of numbers are ints unless `{ floats }`. */
export type Attr = number | string | number[] | { float: number } | { floats: number[] } | { tensor: TensorMessage };

/** The ONNX element type of an IR dtype (a mask is a bool tensor, true = may attend). */
export function onnxType(dtype: DType): DataTypeCode {
  return dtype === 'float32' ? DataType.FLOAT : dtype === 'int32' ? DataType.INT32 : DataType.BOOL;
}

/** Where a symbolic size can be read at run time: axis `axis` of the tensor named `tensor`. */
interface SizeSource {
  tensor: string;
  axis: number;
}

export class OnnxGraph {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: TensorMessage[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Symbolic dims (by name, or `var#id` for a block's pattern variable) → where their size is. */
  private readonly sizes = new Map<string, SizeSource>();
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

  /** Records where a symbolic size can be read, for every symbolic axis of a value not seen before. */
  noteSizes(tensor: string, shape: readonly Dim[]): void {
    shape.forEach((d, axis) => {
      const key = sizeKey(d);
      if (key !== undefined && !this.sizes.has(key)) this.sizes.set(key, { tensor, axis });
    });
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

  /**
   * The int64 `[1]` tensor of an IR dim: a constant, a size read from a tensor that has it, or
   * arithmetic on those; undefined when nothing seen so far has it.
   */
  dimSize(d: Dim): string | undefined {
    const r = resolve(d);
    if (r.kind === 'const') return this.ints([r.value]);
    const key = sizeKey(r);
    if (key !== undefined) {
      const src = this.sizes.get(key);
      return src ? this.axisSize(src.tensor, src.axis) : undefined;
    }
    if (r.kind !== 'expr') return undefined;
    const a = this.dimSize(r.left);
    const b = this.dimSize(r.right);
    if (a === undefined || b === undefined) return undefined;
    switch (r.op) {
      case '+':
        return this.op('Add', [a, b]);
      case '-':
        return this.op('Sub', [a, b]);
      case '*':
        return this.op('Mul', [a, b]);
      case 'floordiv':
        return this.op('Div', [a, b]); // sizes are non-negative: truncation is the floor
      case 'ceildiv':
        return this.op('Div', [this.op('Sub', [this.op('Add', [a, b]), this.ints([1])]), b]);
    }
  }

  /**
   * The int64 shape tensor of an IR shape; an axis whose size is not known any other way is read
   * from axis `axis` of `fallback[axis]` when given, else left to Reshape (`-1`, at most one).
   */
  shapeOf(shape: readonly Dim[], fallback: Record<number, { tensor: string; axis: number }> = {}): string {
    const parts: string[] = [];
    let inferred = false;
    shape.forEach((d, axis) => {
      const known = this.dimSize(d);
      if (known) return parts.push(known);
      const fb = fallback[axis];
      if (fb) return parts.push(this.axisSize(fb.tensor, fb.axis));
      if (inferred) throw new Error(`cannot build the shape: two sizes are unknown`);
      inferred = true;
      parts.push(this.ints([-1]));
    });
    return parts.length === 1 ? parts[0] : this.op('Concat', parts, { axis: 0 });
  }

  /** `x` as a 0-d int64 tensor (Range takes scalars). */
  toScalar(sizeTensor: string): string {
    return this.op('Squeeze', [sizeTensor, this.ints([0])]);
  }
}

function sizeKey(d: Dim): string | undefined {
  const r = resolve(d);
  if (r.kind === 'sym') return r.name;
  if (r.kind === 'var') return `var#${r.id}`;
  return undefined;
}

function attributeMessage(name: string, v: Attr): AttributeMessage {
  if (typeof v === 'number') return { name, type: AttributeType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttributeType.INTS, ints: v };
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AttributeType.FLOATS, floats: v.floats };
  return { name, type: AttributeType.TENSOR, t: v.tensor };
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
