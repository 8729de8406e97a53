/**
 * Reads a spec file as text, refusing what is not one rather than guessing: bytes that are not
 * UTF-8 would otherwise become U+FFFD silently, and the spec would mean something its author
 * never wrote.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';

/** How large a spec file may be (docs/limits.md), each raised by an environment variable. */
export interface SourceLimits {
  /** Bytes in one file: `TFMC_MAX_SOURCE_BYTES`, 8 MiB (some 250,000 lines of an ordinary spec). */
  maxBytes: number;
  /** Characters on one line: `TFMC_MAX_LINE_LENGTH`, 65,536. */
  maxLineLength: number;
}

function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? NaN : Number(raw.replace(/_/g, ''));
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export function sourceLimits(): SourceLimits {
  return { maxBytes: fromEnv('TFMC_MAX_SOURCE_BYTES', 8 * 1024 * 1024), maxLineLength: fromEnv('TFMC_MAX_LINE_LENGTH', 65_536) };
}

export type SourceProblem = 'invalid-utf8' | 'too-large' | 'line-too-long' | 'not-a-file';

export type SourceRead =
  | { ok: true; text: string }
  /** `text` is what can be shown of the file; `offset` is where the problem is, in `text`. */
  | { ok: false; problem: SourceProblem; text: string; offset: number; detail: string };

/**
 * Reads `path`; undefined when it cannot be read at all (missing, a folder, no permission). The
 * file is looked at before it is read: something that is not a regular file (a FIFO would block
 * forever, /dev/zero never ends) or is larger than the limit is refused unread.
 */
export function readSource(path: string, limits: SourceLimits = sourceLimits()): SourceRead | undefined {
  let fd: number;
  try {
    // Non-blocking, so opening a FIFO with no writer returns at once instead of waiting for one.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return undefined;
    if (!stat.isFile()) return refusal('not-a-file', 'it is not a regular file (a device, a FIFO or a socket)');
    if (stat.size > limits.maxBytes) return refusal('too-large', `it is ${bytes(stat.size)}, more than the limit of ${bytes(limits.maxBytes)}`);
    // Read at most one byte past the limit: the file may have grown since `fstat`.
    const buffer = Buffer.alloc(Math.min(stat.size, limits.maxBytes) + 1);
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > limits.maxBytes) return tooLarge(limits);
    const read = decodeSource(buffer.subarray(0, length));
    return read.ok ? checkLines(read.text, limits) : read;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Input that grew past the size limit while it was read (a file, standard input). */
export function tooLarge(limits: SourceLimits = sourceLimits()): SourceRead {
  return refusal('too-large', `it is more than the limit of ${bytes(limits.maxBytes)}`);
}

/** A refusal of a file as a whole, shown at its start. */
function refusal(problem: SourceProblem, detail: string): SourceRead {
  return { ok: false, problem, text: '', offset: 0, detail };
}

function bytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB (${n.toLocaleString('en-US')} bytes)` : `${n.toLocaleString('en-US')} bytes`;
}

/**
 * Text from anywhere (a file just read, an editor buffer) held to the limits: a line past the
 * limit is refused where it starts, and only the lines before it (and its start) are kept to show.
 */
export function checkLines(text: string, limits: SourceLimits = sourceLimits()): SourceRead {
  if (text.length > limits.maxBytes) return tooLarge(limits);
  if (text.length <= limits.maxLineLength) return { ok: true, text };
  let start = 0;
  let line = 1;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start > limits.maxLineLength) {
      const shown = text.slice(0, start) + text.slice(start, start + 80) + ' …';
      return { ok: false, problem: 'line-too-long', text: shown, offset: start, detail: `line ${line} is ${(end - start).toLocaleString('en-US')} characters long, more than the limit of ${limits.maxLineLength.toLocaleString('en-US')}` };
    }
    start = end + 1;
    line++;
  }
  return { ok: true, text };
}

/** Decodes UTF-8 (a leading byte-order mark is kept, as the lexer skips it), or says where it is not UTF-8. */
export function decodeSource(bytes: Uint8Array): SourceRead {
  if (isUtf8(bytes)) return { ok: true, text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes) };
  const bad = firstInvalidUtf8(bytes);
  const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const offset = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(0, bad)).length;
  const shown = Array.from(bytes.subarray(bad, Math.min(bad + 4, bytes.length)), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return { ok: false, problem: 'invalid-utf8', text: lossy, offset, detail: `byte ${bad} (${shown}${bad + 4 < bytes.length ? ' …' : ''})` };
}

/** Byte offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // The length of the sequence and the range of its second byte (which rules out overlong
    // forms, surrogates and code points past U+10FFFF), per the Unicode standard's table 3-7.
    let n: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > b.length) return i;
    if (b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k < n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += n;
  }
  return b.length;
}
