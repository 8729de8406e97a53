/**
 * Reads a spec file as text, refusing what is not one rather than guessing: bytes that are not
 * UTF-8 would otherwise become U+FFFD silently, and the spec would mean something its author
 * never wrote.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { bytes, checkLines, refusal, sourceLimits, tooLarge, type SourceLimits, type SourceRead } from './source-text.js';

export { checkLines, sourceLimits, tooLarge, type SourceLimits, type SourceProblem, type SourceRead } from './source-text.js';

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
