/**
 * Spec text held to the size limits (docs/limits.md), and what a refusal says: shared by the disk
 * reader (read-source.ts) and the in-memory documents of editors and the browser playground,
 * so this module needs nothing of Node.
 */
import { envVar } from './env.js';

/** How large a spec file may be (docs/limits.md), each raised by an environment variable. */
export interface SourceLimits {
  /** Bytes in one file: `TFMC_MAX_SOURCE_BYTES`, 8 MiB (some 250,000 lines of an ordinary spec). */
  maxBytes: number;
  /** Characters on one line: `TFMC_MAX_LINE_LENGTH`, 65,536. */
  maxLineLength: number;
}

function fromEnv(name: string, fallback: number): number {
  const raw = envVar(name);
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

/** A refusal of a file as a whole, shown at its start. */
export function refusal(problem: SourceProblem, detail: string): SourceRead {
  return { ok: false, problem, text: '', offset: 0, detail };
}

/** Input that grew past the size limit while it was read (a file, standard input). */
export function tooLarge(limits: SourceLimits = sourceLimits()): SourceRead {
  return refusal('too-large', `it is more than the limit of ${bytes(limits.maxBytes)}`);
}

export function bytes(n: number): string {
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

