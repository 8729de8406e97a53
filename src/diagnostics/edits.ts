/** Applying a help's edits to source text (the corpus test, `tfmc check --fix`, editors' quick fixes). */
import type { Edit } from './diagnostic.js';

/**
 * The text with every edit applied. Edits address the original text by offset, so they are
 * applied from the last to the first; overlapping edits are a bug in the rule that made them.
 */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => b.span.start.offset - a.span.start.offset);
  let out = text;
  let limit = Infinity;
  for (const e of sorted) {
    if (e.span.end.offset > limit) throw new Error(`overlapping edits at offset ${e.span.start.offset}`);
    out = out.slice(0, e.span.start.offset) + e.text + out.slice(e.span.end.offset);
    limit = e.span.start.offset;
  }
  return out;
}

/** The edits grouped by the file they change. */
export function editsByFile(edits: readonly Edit[]): Map<string, Edit[]> {
  const byFile = new Map<string, Edit[]>();
  for (const e of edits) {
    const list = byFile.get(e.file) ?? [];
    list.push(e);
    byFile.set(e.file, list);
  }
  return byFile;
}
