/**
 * Warnings a spec silences where they occur: a comment `// tfmc: allow TFM5001` (several codes
 * separated by spaces or commas) on the line of a warning's primary label drops that warning.
 * Errors cannot be silenced.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

const DIRECTIVE = /\/\/\s*tfmc:\s*allow\s+([A-Z0-9, ]+)/;

export function dropAllowedWarnings(diagnostics: Diagnostic[], textOf: (file: string) => string | undefined): Diagnostic[] {
  const lines = new Map<string, string[]>();
  return diagnostics.filter((d) => {
    if (d.severity === 'error') return true;
    let fileLines = lines.get(d.primary.file);
    if (!fileLines) lines.set(d.primary.file, (fileLines = (textOf(d.primary.file) ?? '').split('\n')));
    const m = DIRECTIVE.exec(fileLines[d.primary.span.start.line - 1] ?? '');
    return !m || !m[1].split(/[\s,]+/).includes(d.code);
  });
}
