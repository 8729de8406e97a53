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

/** One tensor's entry in a safetensors header, checked: its bytes lie inside the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte offsets relative to the start of the data section. */
  begin: number;
  end: number;
  /** Number of values. */
  count: number;
}

export interface SafetensorsHeader {
  /** The tensors in the header's order. */
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data section starts in the file (8 + the header's length). */
  dataStart: number;
}

/**
 * The header length of a file of `fileBytes` bytes from its first 8 bytes; a
 * `SafetensorsFormatError` when the length cannot be right.
 */
export function headerLength(first8: Uint8Array, fileBytes: number): number {
  if (fileBytes < 8 || first8.length < 8) throw new SafetensorsFormatError(`the file has ${fileBytes} bytes, fewer than the 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES) || n > BigInt(fileBytes - 8)) {
    throw new SafetensorsFormatError(`the header length ${n} does not fit a file of ${fileBytes} bytes`);
  }
  return Number(n);
}

/**
 * Parses and checks a header (its JSON bytes) for a file of `fileBytes` bytes: every entry's
 * dtype, shape and extent inside the file, and no two entries overlapping — all before any tensor
 * is allocated, so overlapping entries cannot make a small file allocate its data many times.
 */
export function parseHeader(json: Uint8Array, fileBytes: number): SafetensorsHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch (e) {
    throw new SafetensorsFormatError(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsFormatError('the header is not a JSON object');
  const dataStart = 8 + json.byteLength;
  const dataLength = fileBytes - dataStart;
  let metadata: Record<string, string> = {};
  const entries = new Map<string, SafetensorsEntry>();
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
    entries.set(name, { name, dtype, shape, begin, end, count });
  }
  const byOffset = [...entries.values()].sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) throw new SafetensorsFormatError(`the data of \`${byOffset[i - 1].name}\` and \`${byOffset[i].name}\` overlap`);
  }
  return { entries, metadata, dataStart };
}

/** Parses a safetensors file held in memory; `SafetensorsFormatError` when it is malformed. */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsFile {
  const length = headerLength(bytes, bytes.length);
  const { entries, metadata, dataStart } = parseHeader(bytes.subarray(8, 8 + length), bytes.length);
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of entries.values()) {
    const data = new Float32Array(e.count);
    convertToFloat32(bytes.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, data);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
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

/** The bytes of one tensor stored as `dtype`, written into `out` as float32 (`out.length` values). */
export function convertToFloat32(bytes: Uint8Array, dtype: SafetensorsDType, out: Float32Array): void {
  const count = out.length;
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, count * 4).set(bytes.subarray(0, count * 4));
    return;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const step = BYTES[dtype];
  for (let i = 0; i < count; i++) {
    const p = i * step;
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
}

/** Typed arrays use the platform's byte order; safetensors is little-endian. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes per value of a dtype. */
export function bytesPerValue(dtype: SafetensorsDType): number {
  return BYTES[dtype];
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
