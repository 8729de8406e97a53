/** Lexical scopes of the lowering evaluator, and the use-tracking behind "never used" reports. */
import type { SourceRef } from '../types.js';
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
  private readonly map = new Map<string, Binding>();
  constructor(readonly parent?: Scope) {}

  lookup(name: string): Binding | undefined {
    return this.map.get(name) ?? this.parent?.lookup(name);
  }

  own(name: string): Binding | undefined {
    return this.map.get(name);
  }

  set(name: string, b: Binding): void {
    this.map.set(name, b);
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
