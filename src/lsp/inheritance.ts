/**
 * `model X extends Base`: the chain of base models a model inherits config keys from, nearest
 * first, as the file sees them (its own models and imported ones). A cycle (an error the checker
 * reports) ends the chain.
 */
import type * as A from '../syntax/ast.js';
import type { Analysis } from './analysis.js';

export interface BaseModel {
  name: string;
  file: string;
  decl: A.ModelDecl;
}

export function baseChain(a: Analysis, item: A.BlockDecl | A.ModelDecl): BaseModel[] {
  if (item.kind !== 'ModelDecl') return [];
  const visible = a.check.workspace.models(a.path);
  const out: BaseModel[] = [];
  const seen = new Set<string>([item.name.name]);
  let base = item.base?.name;
  while (base && !seen.has(base)) {
    seen.add(base);
    const m = visible.get(base);
    if (!m) break;
    out.push({ name: base, file: m.file, decl: m.decl });
    base = m.decl.base?.name;
  }
  return out;
}

/** The config entries of a model's body. */
export function configEntries(decl: A.ModelDecl): A.ConfigEntry[] {
  return decl.body.flatMap((s) => (s.kind === 'ConfigBlock' ? s.entries : []));
}

/** The entry of config key `name` that a model inherits, from its nearest base that sets it. */
export function baseConfig(a: Analysis, item: A.BlockDecl | A.ModelDecl, name: string): { model: string; file: string; entry: A.ConfigEntry } | undefined {
  for (const b of baseChain(a, item)) {
    const entry = configEntries(b.decl).find((e) => e.name.name === name);
    if (entry) return { model: b.name, file: b.file, entry };
  }
  return undefined;
}
