/**
 * `tfmc check --fix`: applies the machine-applicable help of diagnostics (their `help.edits`) to
 * the user's specs, like `cargo fix` or `eslint --fix`. A diagnostic's edits are applied all
 * together or not at all; one that overlaps an edit already taken waits for the next round, after
 * a re-check (a fix can reveal the next problem, or make another one moot).
 */
import type { Diagnostic, Edit } from '../diagnostics/diagnostic.js';
import { applyEdits } from '../diagnostics/edits.js';

export interface FixPlan {
  /** New text by file. */
  texts: Map<string, string>;
  /** The diagnostics whose fixes were taken, by file. */
  fixed: Map<string, Diagnostic[]>;
}

/**
 * The edits of `diagnostics` that apply to `editable` files, without overlaps, applied to the texts
 * in `sources`. Files whose text is unknown are left alone.
 */
export function planFixes(diagnostics: readonly Diagnostic[], sources: ReadonlyMap<string, string>, editable: (file: string) => boolean): FixPlan {
  const taken = new Map<string, Edit[]>();
  const fixed = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    const edits = d.help?.edits;
    if (!edits?.length || !edits.every((e) => editable(e.file) && sources.has(e.file))) continue;
    if (edits.some((e) => (taken.get(e.file) ?? []).some((t) => overlaps(t, e)) || edits.some((o) => o !== e && o.file === e.file && overlaps(o, e)))) continue;
    for (const e of edits) taken.set(e.file, [...(taken.get(e.file) ?? []), e]);
    const file = edits[0].file;
    fixed.set(file, [...(fixed.get(file) ?? []), d]);
  }
  const texts = new Map<string, string>();
  for (const [file, edits] of taken) texts.set(file, applyEdits(sources.get(file)!, edits));
  return { texts, fixed };
}

/** Two edits touch the same text (two insertions at one point count too: their order would be a guess). */
function overlaps(a: Edit, b: Edit): boolean {
  const [as, ae, bs, be] = [a.span.start.offset, a.span.end.offset, b.span.start.offset, b.span.end.offset];
  return as === bs || (as < be && bs < ae);
}
