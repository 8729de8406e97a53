/**
 * A safetensors file read in place: the header is read and checked when the file is opened, and
 * each tensor is then read on demand with positioned reads straight into the array that keeps it
 * (a wasm heap, a tfjs tensor's buffer). A 500 MB checkpoint is never held twice, and the values
 * of a float32 file are not touched by JavaScript on the way.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { bytesPerValue, convertToFloat32, headerLength, LITTLE_ENDIAN, parseHeader, SafetensorsFormatError, type SafetensorsEntry, type SafetensorsHeader } from './safetensors.js';
import { WeightsFileError } from './errors.js';

/** Reads of at most this many bytes (one `read` call is limited to 2 GiB). */
const MAX_READ = 1 << 30;
/** Tensors stored in another dtype than float32 are converted through a buffer of this size. */
const CONVERT_CHUNK = 1 << 24;

export class SafetensorsReader {
  private fd: number | undefined;

  private constructor(
    /** The file as messages name it. */
    readonly shown: string,
    fd: number,
    readonly header: SafetensorsHeader,
  ) {
    this.fd = fd;
  }

  /** Opens a file and checks its header; `WeightsFileError` (TFM6005 for a malformed file) naming it as `shown`. */
  static open(file: string, shown = file): SafetensorsReader {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new WeightsFileError(shown, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message);
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw new WeightsFileError(shown, 'is a directory');
      const first8 = new Uint8Array(8);
      readFully(fd, first8, 0, shown);
      const json = new Uint8Array(headerLength(first8, stat.size));
      readFully(fd, json, 8, shown);
      return new SafetensorsReader(shown, fd, parseHeader(json, stat.size));
    } catch (e) {
      closeSync(fd);
      if (e instanceof SafetensorsFormatError) throw new WeightsFileError(shown, `not a valid safetensors file: ${e.message}`, [], 'TFM6005');
      throw e;
    }
  }

  /** The tensors of the file by name, in the header's order. */
  get entries(): ReadonlyMap<string, SafetensorsEntry> {
    return this.header.entries;
  }

  get metadata(): Record<string, string> {
    return this.header.metadata;
  }

  /** Reads tensor `name` into `out` (`out.length` must be its value count), as float32. */
  readInto(name: string, out: Float32Array): void {
    const e = this.header.entries.get(name);
    if (!e) throw new Error(`${this.shown} has no tensor \`${name}\``);
    if (out.length !== e.count) throw new Error(`tensor \`${name}\` has ${e.count} values, the destination ${out.length}`);
    const fd = this.open();
    const at = this.header.dataStart + e.begin;
    if (e.dtype === 'F32' && LITTLE_ENDIAN) {
      readFully(fd, new Uint8Array(out.buffer, out.byteOffset, out.byteLength), at, this.shown);
      return;
    }
    const step = bytesPerValue(e.dtype);
    const perChunk = Math.max(1, Math.floor(CONVERT_CHUNK / step));
    const buffer = new Uint8Array(Math.min(e.count, perChunk) * step);
    for (let first = 0; first < e.count; first += perChunk) {
      const n = Math.min(perChunk, e.count - first);
      const bytes = buffer.subarray(0, n * step);
      readFully(fd, bytes, at + first * step, this.shown);
      convertToFloat32(bytes, e.dtype, out.subarray(first, first + n));
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd === undefined) throw new Error(`${this.shown} has been closed`);
    return this.fd;
  }
}

/** Fills `into` from byte `position` of the file; a file that ends early (changed since its header was read) is TFM6005. */
function readFully(fd: number, into: Uint8Array, position: number, shown: string): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(MAX_READ, into.length - done), position + done);
    if (n === 0) throw new WeightsFileError(shown, `not a valid safetensors file: it ends at byte ${position + done}, before the data its header describes (truncated?)`, [], 'TFM6005');
    done += n;
  }
}

/** The index of the first NaN or infinity in `data`, or -1. */
export function firstNonFinite(data: Float32Array): number {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // v - v is 0 for every finite number and NaN for NaN and ±Infinity.
    if (v - v !== 0) return i;
  }
  return -1;
}

export type { SafetensorsEntry };
