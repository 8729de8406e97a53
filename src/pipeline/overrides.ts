/**
 * `--set key=value` overrides: the text a user typed becomes a typed value before lowering, and a
 * malformed one becomes a TFM4005 diagnostic instead of a guess.
 */
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Override } from '../ir/lower/lowering.js';
import type { Value } from '../ir/values.js';

/** Parses a `--set` value: an integer (`1_024`), a number, `true`/`false`, or an enum name. */
export function parseOverrideValue(text: string): Value | undefined {
  const t = text.trim();
  if (/^-?\d+(_\d+)*$/.test(t)) return { kind: 'int', value: Number(t.replace(/_/g, '')) };
  if (/^-?(\d+(_\d+)*)?\.\d+([eE][+-]?\d+)?$|^-?\d+(\.\d+)?[eE][+-]?\d+$/.test(t)) return { kind: 'float', value: Number(t.replace(/_/g, '')) };
  if (t === 'true' || t === 'false') return { kind: 'bool', value: t === 'true' };
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return { kind: 'enum', name: t };
  return undefined;
}

/** Why a parsed `--set` number is not the number typed (infinity, zero, an inexact integer), if it is not. */
function outOfRange(value: Value, text: string): string | undefined {
  if (value.kind === 'int' && !Number.isSafeInteger(value.value)) return 'an integer larger than 2^53 − 1 cannot be represented exactly';
  if (value.kind === 'float' && !Number.isFinite(value.value)) return 'it would be infinity';
  if (value.kind === 'float' && value.value === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ''))) return 'it would be 0';
  return undefined;
}

export function toOverrides(file: string, raw: Record<string, string> | undefined): { overrides: Override[]; errors: Diagnostic[] } {
  const overrides: Override[] = [];
  const errors: Diagnostic[] = [];
  for (const [key, text] of Object.entries(raw ?? {})) {
    const value = parseOverrideValue(text);
    const range = /^[+-]?(nan|inf|infinity)$/i.test(text.trim()) ? 'config numbers must be finite' : value ? outOfRange(value, text) : undefined;
    if (range) {
      const pos = { offset: 0, line: 1, column: 1 };
      errors.push(diagnostic('TFM4005', `\`--set ${key}=${text}\` is out of range: ${range}`, { file, span: { start: pos, end: pos } }, {
        help: { message: 'numbers must be finite (at most about 1.8e308, non-zero ones at least about 5e-324) and integers at most 9_007_199_254_740_991' },
      }));
    } else if (value) overrides.push({ key, value, text });
    else {
      const pos = { offset: 0, line: 1, column: 1 };
      errors.push(diagnostic('TFM4005', `cannot use \`${text}\` as the value of \`--set ${key}\``, { file, span: { start: pos, end: pos } }, {
        help: { message: 'a value is an integer (1024 or 1_024), a number (0.1), true/false, or an enum name (pre)' },
      }));
    }
  }
  return { overrides, errors };
}
