/**
 * Lexical scopes of the lowering evaluator, the use-tracking behind "never used" reports, and the
 * names a body binds later (behind "used before its definition").
 */
import type * as A from '../../syntax/ast.js';
import type { SourceRef } from '../source-ref.js';
import type { Value } from '../values.js';

export type BindingKind = 'config' | 'param' | 'let' | 'input' | 'port' | 'mask' | 'memory' | 'global';

/** One binding site; `used` turns true once any instantiation reads it. */
export interface UseRecord {
  name: string;
  kind: BindingKind;
  source: SourceRef;
  used: boolean;
}

export interface Binding {
  value: Value;
  kind: BindingKind;
  source?: SourceRef;
  use?: UseRecord;
}

export class Scope {
  constructor(
    readonly parent?: Scope,
    private readonly map = new Map<string, Binding>(),
  ) {}

  /** The same bindings over other globals: a variant's statement from another file sees its own file's blocks. */
  withGlobals(globals: Scope): Scope {
    return new Scope(globals, this.map);
  }

  lookup(name: string): Binding | undefined {
    return this.map.get(name) ?? this.parent?.lookup(name);
  }

  own(name: string): Binding | undefined {
    return this.map.get(name);
  }

  set(name: string, b: Binding): void {
    this.map.set(name, b);
  }

  /**
   * The config key visible here that holds integer `value`, when exactly one does: a fix written
   * in this scope may spell a size by it (`ctx` instead of 128).
   */
  configKeyFor(value: number): string | undefined {
    const keys: string[] = [];
    for (const key of this.names()) {
      const b = this.lookup(key);
      if (b?.kind === 'config' && b.value.kind === 'int' && b.value.value === value) keys.push(key);
    }
    return keys.length === 1 ? keys[0] : undefined;
  }

  /** Every visible name (for "did you mean"). */
  names(out: Set<string> = new Set()): Set<string> {
    for (const k of this.map.keys()) out.add(k);
    this.parent?.names(out);
    return out;
  }
}

/** Tracks binding sites across all instantiations, keyed by source position. */
export class UseTracker {
  /** Keyed by the binding name's span object: one per binding site in the AST. */
  private readonly records = new Map<object, UseRecord>();

  record(name: string, kind: BindingKind, source: SourceRef): UseRecord {
    let r = this.records.get(source.span);
    if (!r) {
      r = { name, kind, source, used: false };
      this.records.set(source.span, r);
    }
    return r;
  }

  all(): UseRecord[] {
    return [...this.records.values()];
  }
}

const laterCache = new WeakMap<readonly A.Stmt[], Map<string, SourceRef>>();

/** Names bound by `let`, `mask` and `memory` anywhere in a body (including inside `if`). */
export function collectLater(stmts: readonly A.Stmt[], out: Map<string, SourceRef>, file?: string): void {
  // A block body is scanned once, however often the block is instantiated.
  let cached = laterCache.get(stmts);
  if (!cached) {
    cached = new Map();
    scanLater(stmts, cached, file);
    laterCache.set(stmts, cached);
  }
  for (const [k, v] of cached) if (!out.has(k)) out.set(k, v);
}

function scanLater(stmts: readonly A.Stmt[], out: Map<string, SourceRef>, file?: string): void {
  for (const s of stmts) {
    if ((s.kind === 'LetStmt' || s.kind === 'MaskStmt') && s.name.name && !out.has(s.name.name)) {
      out.set(s.name.name, { file: file ?? '', span: s.name.span });
    } else if (s.kind === 'IfStmt') {
      scanLater(s.then, out, file);
      if (s.else) scanLater(s.else, out, file);
    }
  }
}
