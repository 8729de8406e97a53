/**
 * Go to definition: a local name goes to its binding (`let`, config entry, parameter, port), a
 * config key of an `extends` model to the base's entry, a block or model name to its declaration
 * (in this file, an imported one or the standard library), a named argument to the block
 * parameter or port it sets, and an import's path to the imported file.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type * as A from '../syntax/ast.js';
import { NO_SPAN, type Span } from '../diagnostics/spans.js';
import { STD_DIR } from '../ir/workspace.js';
import type { Analysis } from './analysis.js';
import { argumentsOf, resolveCallee } from './callees.js';
import { baseConfig } from './inheritance.js';
import { itemAt, occurrenceAt, reachingDecl, touches } from './names.js';

export interface Target {
  file: string;
  span: Span;
}

export function definitionAt(a: Analysis, offset: number): Target | undefined {
  const imp = a.ast.items.find((i): i is A.ImportDecl => i.kind === 'ImportDecl' && touches(i.path.span, offset));
  if (imp) return importTarget(a, imp);
  const item = itemAt(a.ast, offset);
  const occ = occurrenceAt(a.ast, offset);
  if (!item || !occ) return undefined;
  const ws = a.check.workspace;
  switch (occ.role) {
    case 'decl': {
      // On a rebinding (`x = ...`), jump to the `let`; on a binding, stay.
      const first = reachingDecl(item, occ.name, -1);
      return { file: a.path, span: (first ?? occ).span };
    }
    case 'ref': {
      const local = reachingDecl(item, occ.name, offset);
      if (local) return { file: a.path, span: local.span };
      const inherited = baseConfig(a, item, occ.name);
      if (inherited) return { file: inherited.file, span: inherited.entry.name.span };
      return globalTarget(a, occ.name);
    }
    case 'base':
    case 'item':
      return globalTarget(a, occ.name) ?? { file: a.path, span: occ.span };
    case 'arg': {
      const callee = resolveCallee(occ.call.callee, item, ws.globals(a.path));
      const arg = callee ? argumentsOf(callee).find((x) => x.name === occ.name) : undefined;
      return arg?.decl ? { file: arg.decl.file, span: arg.decl.ident.span } : undefined;
    }
    default:
      return undefined;
  }
}

/** A block or model by name, as the file sees it (its own, imported, then the standard library). */
function globalTarget(a: Analysis, name: string): Target | undefined {
  const ws = a.check.workspace;
  const model = ws.models(a.path).get(name);
  if (model) return { file: model.file, span: model.decl.name.span };
  const b = ws.globals(a.path).lookup(name);
  if (b?.value.kind === 'block') return { file: b.value.block.file, span: b.value.block.decl.name.span };
  return undefined;
}

/** The imported file, when the checker loaded it (so it exists and is inside the workspace). */
function importTarget(a: Analysis, imp: A.ImportDecl): Target | undefined {
  const spec = imp.path.value;
  const target = spec.startsWith('std/') ? join(STD_DIR, spec.slice(4)) : isAbsolute(spec) ? resolve(spec) : resolve(dirname(a.path), spec);
  // Imports are loaded under their real path (a symlink resolves to its target).
  const loaded = a.check.workspace.files.get(target) ?? a.check.workspace.files.get(realPath(target));
  return loaded ? { file: loaded.path, span: NO_SPAN } : undefined;
}

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
