/**
 * Formatting: exactly what `tfmc fmt` writes, as one edit replacing the whole document. A file
 * with syntax errors is left alone (the formatter would have to guess what the broken part
 * meant); its errors are already in the diagnostics.
 */
import { formatText } from '../format/index.js';

export type FormatOutcome = { kind: 'formatted'; text: string } | { kind: 'syntax-errors' };

export function formatDocument(text: string, file: string): FormatOutcome {
  const r = formatText(text, file);
  return r.ok ? { kind: 'formatted', text: r.text } : { kind: 'syntax-errors' };
}
