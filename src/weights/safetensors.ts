/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}`, then
 * the raw little-endian tensor bytes, offsets relative to the end of the header. No code runs on
 * load, so a file from anywhere is safe to read; this reader still checks every offset.
 *
 * tfmc writes float32 (`F32`) only; it reads F32, F64, F16 and BF16 (converted to float32, the
 * dtype of every tfmc parameter) and the integer dtypes (as numbers).
 */

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Refuse headers beyond this (the reference implementation's limit): a corrupt length must not allocate gigabytes. */
export const MAX_HEADER_BYTES = 100_000_000;

/** More axes than any tensor has; a longer shape is a crafted header. */
const MAX_RANK = 16;

export interface SafetensorsTensor {
  /** The dtype stored in the file. */
  dtype: SafetensorsDType;
  shape: number[];
  /** The values as float32 (floating dtypes) or as numbers converted to float32 (integers, bools). */
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A file that is not valid safetensors; the message says what is wrong and where. */
export class SafetensorsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SafetensorsFormatError';
  }
}

/** Serialises float32 tensors (names in the given order) and string metadata. */
export function encodeSafetensors(tensors: Iterable<[string, { shape: readonly number[]; data: Float32Array }]>, metadata: Record<string, string> = {}): Uint8Array {
  // Keys are tensor names: no prototype, so a tensor named `__proto__` is an entry like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error('a tensor cannot be named `__metadata__` in safetensors');
    if (name in header) throw new Error(`two tensors are named \`${name}\``);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor \`${name}\` has shape [${t.shape.join(', ')}] but ${t.data.length} values`);
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * count] };
    parts.push(t.data);
    offset += 4 * count;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // Pad with spaces so the data starts 8-byte aligned (as the reference writer does).
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const data of parts) {
    const bytes = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, bytes.getFloat32(4 * i, true), true);
    at += data.byteLength;
  }
  return out;
}

/** Parses a safetensors file; `SafetensorsFormatError` when it is malformed. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsFormatError(`the file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES) || n > BigInt(bytes.length - 8)) {
    throw new SafetensorsFormatError(`the header length ${n} does not fit a file of ${bytes.length} bytes`);
  }
  const headerLength = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'));
  } catch (e) {
    throw new SafetensorsFormatError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsFormatError('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, SafetensorsTensor>();
  let metadata: Record<string, string> = {};
  // Every entry is checked (dtype, shape, extent inside the file, no overlap) before any tensor is
  // allocated: overlapping entries could otherwise make a small file allocate its data many times.
  const entries: Array<{ name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number; count: number }> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = readMetadata(entry);
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== 'object' || e === null) throw new SafetensorsFormatError(`the entry of \`${name}\` is not an object`);
    if (typeof e.dtype !== 'string' || !Object.hasOwn(BYTES, e.dtype)) throw new SafetensorsFormatError(`tensor \`${name}\` has an unsupported dtype ${JSON.stringify(e.dtype)}`);
    const dtype = e.dtype as SafetensorsDType;
    if (!Array.isArray(e.shape) || e.shape.length > MAX_RANK || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsFormatError(`tensor \`${name}\` has an invalid shape ${JSON.stringify(e.shape).slice(0, 200)} (whole numbers ≥ 0, at most ${MAX_RANK} of them)`);
    }
    const shape = e.shape as number[];
    const offs = e.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1]) {
      throw new SafetensorsFormatError(`tensor \`${name}\` has invalid data_offsets ${JSON.stringify(offs)}`);
    }
    const [begin, end] = offs as [number, number];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * BYTES[dtype]) {
      throw new SafetensorsFormatError(`tensor \`${name}\` (${dtype} [${shape.join(', ')}]) needs ${count * BYTES[dtype]} bytes, but its data_offsets span ${end - begin}`);
    }
    if (end > dataLength) throw new SafetensorsFormatError(`tensor \`${name}\` ends at byte ${end} of the data, but the file has only ${dataLength} data bytes (truncated?)`);
    entries.push({ name, dtype, shape, begin, end, count });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) throw new SafetensorsFormatError(`the data of \`${byOffset[i - 1].name}\` and \`${byOffset[i].name}\` overlap`);
  }
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: toFloat32(view, dataStart + e.begin, e.count, e.dtype) });
  return { tensors, metadata };
}

function readMetadata(entry: unknown): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new SafetensorsFormatError('`__metadata__` is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry)) {
    if (typeof v !== 'string') throw new SafetensorsFormatError(`metadata \`${k}\` is not a string`);
    out[k] = v;
  }
  return out;
}

function toFloat32(view: DataView, at: number, count: number, dtype: SafetensorsDType): Float32Array {
  const out = new Float32Array(count);
  const step = BYTES[dtype];
  for (let i = 0; i < count; i++) {
    const p = at + i * step;
    switch (dtype) {
      case 'F32': out[i] = view.getFloat32(p, true); break;
      case 'F64': out[i] = view.getFloat64(p, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(p, true)); break;
      case 'BF16': out[i] = bfloat16ToFloat(view.getUint16(p, true)); break;
      case 'I64': out[i] = Number(view.getBigInt64(p, true)); break;
      case 'I32': out[i] = view.getInt32(p, true); break;
      case 'I16': out[i] = view.getInt16(p, true); break;
      case 'I8': out[i] = view.getInt8(p); break;
      case 'U8': case 'BOOL': out[i] = view.getUint8(p); break;
    }
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 is the top half of a float32. */
function bfloat16ToFloat(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}

/** IEEE 754 half precision, including subnormals, infinities and NaN. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Whether a dtype holds floating-point values (what a parameter can be imported from). */
export function isFloatDType(dtype: SafetensorsDType): boolean {
  return dtype === 'F32' || dtype === 'F64' || dtype === 'F16' || dtype === 'BF16';
}
