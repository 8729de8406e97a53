/**
 * Document symbols (the outline): models and blocks, and inside them config keys, parameters,
 * inputs and ports, `let`/`mask`/`memory` bindings, outputs and losses.
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';
import { itemNames } from './names.js';

export type SymbolKindName = 'model' | 'block' | 'config' | 'param' | 'input' | 'value' | 'output';

export interface OutlineSymbol {
  name: string;
  kind: SymbolKindName;
  detail?: string;
  span: Span;
  nameSpan: Span;
  children: OutlineSymbol[];
}

export function outline(file: A.SourceFile): OutlineSymbol[] {
  const out: OutlineSymbol[] = [];
  for (const item of file.items) {
    if (item.kind === 'ImportDecl' || !item.name.name) continue;
    const children: OutlineSymbol[] = [];
    const seen = new Set<string>();
    itemNames(item, (o) => {
      if (o.role !== 'decl' || o.declKind === 'assign' || !o.name || seen.has(o.name)) return;
      seen.add(o.name);
      const kind: SymbolKindName =
        o.declKind === 'config' ? 'config' : o.declKind === 'param' ? 'param' : o.declKind === 'input' || o.declKind === 'port' ? 'input' : o.declKind === 'output' || o.declKind === 'loss' ? 'output' : 'value';
      children.push({ name: o.name, kind, detail: o.declKind, span: o.stmt.span, nameSpan: o.span, children: [] });
    });
    const detail = item.kind === 'ModelDecl' ? (item.base ? `extends ${item.base.name}` : 'model') : 'block';
    out.push({ name: item.name.name, kind: item.kind === 'ModelDecl' ? 'model' : 'block', detail, span: item.span, nameSpan: item.name.span, children });
  }
  return out;
}
