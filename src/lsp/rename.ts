/**
 * Rename of a local name: a `let`, `mask` or `memory` binding of a model or block, with every
 * read and rebinding of it in that item (an item's body is one scope). Names that other code
 * reaches by name — config keys (overridden by `extends` and `--set`), block parameters and ports
 * (named arguments at call sites), model inputs and outputs (the API's batch keys) — are not
 * local and are refused with a reason.
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';
import { isKeyword } from '../syntax/keywords.js';
import { itemAt, itemNames, localDecls, occurrenceAt } from './names.js';

export type RenameCheck = { ok: true; span: Span; name: string } | { ok: false; reason: string };

const RENAMABLE = new Set(['let', 'assign', 'mask', 'memory']);

/** Whether the name at `offset` can be renamed, and its span. */
export function prepareRename(file: A.SourceFile, offset: number): RenameCheck {
  const occ = occurrenceAt(file, offset);
  const item = itemAt(file, offset);
  if (!occ || !item || (occ.role !== 'decl' && occ.role !== 'ref')) return { ok: false, reason: 'only local names (`let`, `mask`, `memory`) can be renamed' };
  const decl = localDecls(item).get(occ.name);
  if (!decl) return { ok: false, reason: `\`${occ.name}\` is not a local name of \`${item.name.name}\`` };
  if (!RENAMABLE.has(decl.declKind)) {
    return { ok: false, reason: `\`${occ.name}\` is a ${decl.declKind === 'port' ? 'block port' : decl.declKind === 'param' ? 'block parameter' : decl.declKind}: other code refers to it by name, so it is not renamed as a local` };
  }
  return { ok: true, span: occ.span, name: occ.name };
}

/** The spans to replace, or the reason the rename is refused. */
export function renameEdits(file: A.SourceFile, offset: number, newName: string): { spans: Span[] } | { error: string } {
  const check = prepareRename(file, offset);
  if (!check.ok) return { error: check.reason };
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newName) || isKeyword(newName)) return { error: `\`${newName}\` is not a valid name` };
  const item = itemAt(file, offset)!;
  if (newName !== check.name) {
    let taken = localDecls(item).has(newName);
    itemNames(item, (o) => {
      if (o.role === 'ref' && o.name === newName) taken = true; // a global the item uses (a block, a primitive)
    });
    if (taken) return { error: `\`${newName}\` is already used in \`${item.name.name}\`` };
  }
  const spans: Span[] = [];
  itemNames(item, (o) => {
    if (o.name === check.name && (o.role === 'ref' || (o.role === 'decl' && RENAMABLE.has(o.declKind)))) spans.push(o.span);
  });
  return { spans };
}
