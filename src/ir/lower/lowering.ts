/**
 * What the files of lower/ share, at the bottom of the folder's imports: the per-body `Env`, the
 * surface of the evaluator that the free functions call (`Lowering`), and the `extends` chain and
 * `--set` overrides that model lowering passes around. The free functions take `ev: Lowering`, not
 * the `Evaluator` class, so evaluator.ts can import them without an import cycle.
 */
import type * as A from '../../syntax/ast.js';
import type { Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { RepeatModule, Value } from '../values.js';
import type { GraphBuilder } from './graph.js';
import type { Reporter } from './reporter.js';
import type { BindingKind, Scope, UseRecord } from './scope.js';

/** Per-body state: a model body or one block application. */
export interface Env {
  file: string;
  scope: Scope;
  /** Module path prefix (`decoder.layers.3`), '' at model level. */
  prefix: string;
  moduleNames: Set<string>;
  isModel: boolean;
  /** Names bound later in this body (for "used before its definition"). */
  later: Map<string, SourceRef>;
  /** The current statement's target name: names anonymous modules. */
  stmtName?: string;
  /** `let q_proj = Linear(...)`: the module built by exactly this expression takes the let's name. */
  direct?: { expr: A.Expr; name: string };
  /** The path the next module must take (the i-th layer of a `repeat`). */
  forcedPath?: string;
  /** Shape variables of one block application (`B`, `T`), shared by its ports. */
  shapeVars: Map<string, Dim>;
  outs: Array<{ name?: string; value: Value; source: SourceRef }>;
  /** Inside `expect`: `params` is the parameter count under `prefix`. */
  inExpect?: boolean;
  /** A precondition failed: the rest of the body is skipped. */
  aborted?: boolean;
  /** Names read before their `let` (already reported). */
  usedEarly?: Set<string>;
  /** Use records of the bindings made in this body. */
  records?: UseRecord[];
  /** A variant's `replace` statements that found the binding they replace (any other is misplaced). */
  replacements?: ReadonlySet<A.Stmt>;
}

/** Hints for resolving a bare name that is not bound: an enum member of the expected type. */
export interface Hint {
  members?: readonly string[];
  /** Any unbound bare name is an enum symbol (config values, untyped block parameters). */
  symbols?: boolean;
}

/** The model input that declares a symbolic dim: its type, and where a `where` bound is appended. */
export interface SymbolDecl {
  type: SourceRef;
  /** The end of the declaration (after its range and bounds): a bound is inserted here. */
  end: SourceRef;
  /** Whether the input already has a `where` clause (a new bound joins it with a comma). */
  hasWhere: boolean;
}

/** What the free functions of lower/ use of the evaluator (evaluator.ts implements it). */
export interface Lowering {
  readonly graph: GraphBuilder;
  readonly reporter: Reporter;
  /** The global scope of a file: its blocks and models, imports, std and primitives. */
  readonly globalsOf: (file: string) => Scope;
  /** The `where` bounds on the model's symbolic dims. */
  readonly bounds: Map<string, { max?: number; min?: number; source: SourceRef }>;
  /** Where each symbolic dim is first declared in the user's spec (the input a `where` bound goes on). */
  readonly symbolDecls: Map<string, SymbolDecl>;
  readonly isLibraryFile: (file: string) => boolean;
  /** The stacks being applied, outermost first, each with the layers it expands to in all (its count times its enclosing stacks'). */
  readonly expanding: { repeat: RepeatModule; total: number }[];
  ref(env: Env, node: { span: A.Ident['span'] }): SourceRef;
  /** The source text at `ref`, when its file is loaded. */
  sourceText(ref: SourceRef): string | undefined;
  runStmt(s: A.Stmt, env: Env): void;
  bind(env: Env, name: A.Ident, value: Value, kind: BindingKind): void;
  /** Evaluates without reporting (re-evaluating an expression already checked). */
  quiet<T>(f: () => T): T;
  evalExpr(e: A.Expr, env: Env, hint?: Hint): Value;
  /** A fresh `Env` for a block's body (or its parameter defaults) under `prefix`. */
  childEnv(env: Env, file: string, scope: Scope, prefix: string): Env;
}

/** A `--set key=value` override, already parsed. */
export interface Override {
  key: string;
  value: Value;
  text: string;
}

/** A model of an `extends` chain, with the file that declares it. */
export interface ChainLink {
  decl: A.ModelDecl;
  file: string;
}

/**
 * `origin` when a fix may edit it: a value set in the user's spec, not by `--set` (a flag, not
 * text) and not inside the standard library.
 */
export function editableOrigin<O extends { file: string; cli?: string }>(ev: Pick<Lowering, 'isLibraryFile'>, origin: O | undefined): O | undefined {
  return origin && !origin.cli && !ev.isLibraryFile(origin.file) ? origin : undefined;
}
