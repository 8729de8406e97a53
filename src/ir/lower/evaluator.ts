/**
 * The lowering evaluator: runs a model's body at compile time. Config arithmetic, `if`, block
 * instantiation and `repeat` are evaluated here; every tensor operation becomes an IR node whose
 * shape is inferred (by the op's rule) as it is emitted. Mistakes become diagnostics, never
 * exceptions, and a failed step yields a poison value so one mistake gives one report.
 *
 * This file holds the per-body state, the statements and the dispatch over expressions and calls.
 * Each other concern is a set of free functions taking the evaluator as `ev`, in its own file:
 * names and operators (expressions.ts), call arguments (arguments.ts), op application
 * (op-context.ts), building and applying layers, blocks and stacks (build-modules.ts,
 * apply-modules.ts), tensor types and bounds (tensor-types.ts) and `expect` (expectations.ts).
 * They see the evaluator as `Lowering` (lowering.ts), the part of it they call, and never import
 * this file, so it imports them without an import cycle.
 */
import type * as A from '../../syntax/ast.js';
import { renderShape, resolve, type Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import { describeValue, ERROR, type RepeatModule, type Value } from '../values.js';
import { applyModule } from './apply-modules.js';
import { bindArgs, evalArgs } from './arguments.js';
import { quotedName } from './quoted-name.js';
import { evalRepeat, makeBlock, makeLayer } from './build-modules.js';
import { checkExpect } from './expectations.js';
import { evalBinary, evalMember, evalName, evalUnary } from './expressions.js';
import type { GraphBuilder } from './graph.js';
import type { Env, Hint, Lowering, SymbolDecl } from './lowering.js';
import { applyOp } from './op-context.js';
import type { Reporter } from './reporter.js';
import type { BindingKind, Scope, UseTracker } from './scope.js';
import { misplacement } from './statement-placement.js';
import { isReplacing } from './variants.js';
import { addConstraint, dtypeOf, evalDim, evalValueRange, maskFromInput } from './tensor-types.js';

/** No hint: shared, since every expression without one would otherwise allocate it. */
const NO_HINT: Hint = Object.freeze({});

export class Evaluator implements Lowering {
  readonly symbolDecls = new Map<string, SymbolDecl>();
  readonly expanding: { repeat: RepeatModule; total: number }[] = [];

  constructor(
    readonly graph: GraphBuilder,
    readonly reporter: Reporter,
    readonly uses: UseTracker,
    /** The global scope of a file: its blocks and models, imports, std and primitives. */
    readonly globalsOf: (file: string) => Scope,
    readonly bounds: Map<string, { max?: number; min?: number; source: SourceRef }>,
    readonly isLibraryFile: (file: string) => boolean,
    /** The text of a loaded file (for fixes that rewrite what the user wrote). */
    private readonly textOf: (file: string) => string | undefined = () => undefined,
  ) {}

  sourceText(ref: SourceRef): string | undefined {
    return this.textOf(ref.file)?.slice(ref.span.start.offset, ref.span.end.offset);
  }

  ref(env: Env, node: { span: A.Ident['span'] }): SourceRef {
    return { file: env.file, span: node.span };
  }

  // ───────────────────────────── statements ─────────────────────────────

  runBody(stmts: readonly A.Stmt[], env: Env): void {
    for (const s of stmts) {
      if (env.aborted) return;
      this.runStmt(s, env);
    }
  }

  runStmt(s: A.Stmt, env: Env): void {
    if (isReplacing(s) && !env.replacements?.has(s)) {
      // A `replace` that found its binding ran in its place. This one is reported, then run as
      // written unless its name is bound already (that would only repeat the mistake as TFM2002).
      this.reporter.error('TFM1006', '`replace` is only allowed at the top level of a model that extends another', this.ref(env, s.replace), {
        help: env.isModel
          ? 'a variant replaces a binding of its base with a `replace` outside any `if`; elsewhere, drop `replace`'
          : 'a block defines its bindings with `let`: drop `replace`',
      });
      if (s.name && env.scope.own(s.name.name)) return;
    }
    switch (s.kind) {
      case 'LetStmt':
      case 'AssignStmt': {
        if (s.kind === 'AssignStmt' && !env.scope.lookup(s.name.name)) {
          const later = env.later.get(s.name.name);
          this.reporter.error(
            later ? 'TFM2003' : 'TFM2001',
            later ? `\`${s.name.name}\` is assigned before its \`let\`` : `cannot assign to \`${s.name.name}\`: it is not defined`,
            { ...this.ref(env, s.name) },
            { help: later ? undefined : `introduce it with \`let ${s.name.name} = ...\`` },
          );
        } else if (s.kind === 'AssignStmt') {
          const b = env.scope.lookup(s.name.name);
          if (b && (b.kind === 'config' || b.kind === 'param' || b.kind === 'global')) {
            this.reporter.error('TFM2002', `cannot reassign ${b.kind === 'global' ? 'the global' : b.kind} \`${s.name.name}\``, this.ref(env, s.name), {
              help: 'bind a new name with `let`',
            });
            return;
          }
        } else if (s.kind === 'LetStmt') {
          const prev = env.scope.own(s.name.name);
          if (prev && prev.source && prev.kind !== 'global') {
            this.reporter.error('TFM2002', `\`${s.name.name}\` is already defined`, this.ref(env, s.name), {
              secondary: [{ ...prev.source, message: 'first defined here' }],
              help: {
                message: `to rebind it, drop the \`let\`: \`${s.name.name} = ...\``,
                edits: [{ file: env.file, span: { start: s.span.start, end: s.name.span.start }, text: '' }],
              },
            });
          }
        }
        env.later.delete(s.name.name);
        const value = this.evalNamed(s.value, env, s.name.name);
        this.bind(env, s.name, value, 'let');
        return;
      }
      case 'MaskStmt': {
        env.later.delete(s.name.name);
        const value = this.evalNamed(s.value, env, s.name.name);
        if (value.kind === 'tensor' && s.keyword === 'mask' && value.tensor.dtype !== 'mask') {
          this.reporter.error('TFM3009', `\`mask ${s.name.name}\` must be a mask, but this is ${value.tensor.dtype}`, this.ref(env, s.value), {
            help: 'build masks with `causal`, `window(w)`, `prefix(len)`, `padding(ids, pad: 0)`, `same_segment(ids)`, and combine them with `&`, `|`, `!`',
          });
        } else if (value.kind === 'tensor' && s.keyword === 'memory' && value.tensor.dtype !== 'float32') {
          this.reporter.error('TFM3009', `\`memory ${s.name.name}\` must be float32 features, but this is ${value.tensor.dtype}`, this.ref(env, s.value));
        } else if (value.kind !== 'tensor' && value.kind !== 'error') {
          this.reporter.error('TFM2018', `\`${s.keyword} ${s.name.name}\` must be a tensor, but this is ${describeValue(value)}`, this.ref(env, s.value));
        }
        this.bind(env, s.name, value, s.keyword);
        return;
      }
      case 'OutStmt': {
        if (env.isModel !== (s.keyword === 'output')) {
          // Reported once; the statement still counts as the result, so nothing else cascades.
          this.misplaced(env, s);
        }
        const value = this.evalNamed(s.value, env, s.name?.name ?? 'out');
        env.outs.push({ name: s.name?.name, value, source: this.ref(env, s.name ?? s.value) });
        if (s.name) env.scope.set(s.name.name, { value, kind: 'let', source: this.ref(env, s.name) }); // readable later, e.g. by a loss
        return;
      }
      case 'LossStmt': {
        if (!env.isModel) return this.misplaced(env, s);
        const value = this.evalNamed(s.value, env, s.name.name);
        if (value.kind === 'tensor' && value.tensor.shape.length !== 0) {
          this.reporter.error('TFM3008', `a loss must be a scalar, but \`${s.name.name}\` is \`${renderShape(value.tensor.shape)}\``, this.ref(env, s.value), {
            help: 'use `cross_entropy(...)` or `mse(...)`, which average to a scalar',
          });
        }
        env.outs.push({ name: `loss:${s.name.name}`, value, source: this.ref(env, s.name) });
        return;
      }
      case 'IfStmt': {
        const c = this.evalExpr(s.condition, env);
        if (c.kind === 'error') return;
        if (c.kind !== 'bool') {
          this.reporter.error('TFM4001', `an \`if\` condition must be a boolean, but this is ${describeValue(c)}`, this.ref(env, s.condition));
          return;
        }
        if (c.value) this.runBody(s.then, env);
        else if (s.else) this.runBody(s.else, env);
        return;
      }
      case 'ExpectStmt':
        // A block's expectations are its preconditions: once one fails, the rest would only cascade.
        if (!env.isModel && !this.checkExpect(s, env)) env.aborted = true;
        return; // model expectations run after the body (they may mention `params`)
      case 'InputDecl':
        if (env.isModel !== (s.keyword === 'input')) {
          this.misplaced(env, s);
          if (env.isModel) this.declareModelInput(s, env);
          return;
        }
        if (env.isModel) this.declareModelInput(s, env);
        return; // block ports are bound by applyBlock
      case 'ConfigBlock':
        if (!env.isModel) this.misplaced(env, s);
        return; // models evaluate config before the body
      case 'ErrorStmt':
        return;
    }
  }

  private misplaced(env: Env, s: A.Stmt): void {
    const p = misplacement(s, env.isModel);
    if (p) this.reporter.error('TFM1006', p.message, this.ref(env, s), { help: p.help });
  }

  /** Evaluates a statement's value, naming the modules it creates after `name`. */
  evalNamed(expr: A.Expr, env: Env, name: string): Value {
    const saved = [env.stmtName, env.direct] as const;
    env.stmtName = name;
    env.direct = { expr, name };
    try {
      return this.evalExpr(expr, env);
    } finally {
      [env.stmtName, env.direct] = saved;
    }
  }

  bind(env: Env, name: A.Ident, value: Value, kind: BindingKind): void {
    const source = this.ref(env, name);
    const track = !name.name.startsWith('_') && !this.isLibraryFile(env.file);
    const use = track ? this.uses.record(name.name, kind, source) : undefined;
    if (use && env.usedEarly?.has(name.name)) use.used = true;
    if (use) (env.records ??= []).push(use);
    if (value.kind === 'tensor' && !value.tensor.name) value.tensor.name = name.name;
    env.scope.set(name.name, { value, kind, source, use });
  }

  declareModelInput(s: A.InputDecl, env: Env): void {
    const dtype = dtypeOf(this, s.type, env);
    const shape = s.type.dims.map((d) => evalDim(this, d, env, 'model'));
    if (!this.isLibraryFile(env.file)) this.noteSymbolDecls(s, shape, env);
    for (const c of s.constraints) addConstraint(this, c, env);
    if (!dtype) return this.bind(env, s.name, ERROR, 'input');
    const t = this.graph.input(s.name.name, dtype, shape, this.ref(env, s.name));
    if (!this.isLibraryFile(env.file)) {
      t.declaredDtype = this.ref(env, s.type.dtype);
      t.declaredType = this.ref(env, s.type);
    }
    if (s.range) {
      const range = evalValueRange(this, s.range, dtype, env);
      if (range) t.range = range;
    }
    if (dtype === 'mask') return this.bind(env, s.name, maskFromInput(this, s, env, t), 'input');
    this.bind(env, s.name, { kind: 'tensor', tensor: t }, 'input');
  }

  /** Records the inputs that first declare symbolic dims, for fixes that bound them. */
  private noteSymbolDecls(s: A.InputDecl, shape: readonly Dim[], env: Env): void {
    const last = s.constraints.at(-1)?.span ?? s.range?.span ?? s.type.span;
    const end = { file: env.file, span: { start: last.end, end: last.end } };
    for (const d of shape) {
      const r = resolve(d);
      if (r.kind === 'sym' && !this.symbolDecls.has(r.name)) {
        this.symbolDecls.set(r.name, { type: this.ref(env, s.type), end, hasWhere: s.constraints.length > 0 });
      }
    }
  }

  /** Evaluates without reporting (re-evaluating an expression already checked). */
  quiet<T>(f: () => T): T {
    const saved = this.reporter.report;
    this.reporter.report = () => {};
    try {
      return f();
    } finally {
      this.reporter.report = saved;
    }
  }

  /** Checks an `expect`; false when it failed (or could not be evaluated). Model lowering calls it too. */
  checkExpect(s: A.ExpectStmt, env: Env, breakdown?: () => string[]): boolean {
    return checkExpect(this, s, env, breakdown);
  }

  // ───────────────────────────── expressions ─────────────────────────────

  evalExpr(e: A.Expr, env: Env, hint: Hint = NO_HINT): Value {
    switch (e.kind) {
      case 'IntLit':
        return { kind: 'int', value: e.value };
      case 'FloatLit':
        return { kind: 'float', value: e.value };
      case 'BoolLit':
        return { kind: 'bool', value: e.value };
      case 'StringLit':
        return { kind: 'string', value: e.value };
      case 'ErrorExpr':
        return ERROR;
      case 'NameExpr':
        return evalName(this, e, env, hint);
      case 'UnaryExpr':
        return evalUnary(this, e, env);
      case 'BinaryExpr':
        return evalBinary(this, e, env);
      case 'CallExpr':
        return this.evalCall(e, env);
      case 'MemberExpr':
        return evalMember(this, e, env);
      case 'RepeatExpr':
        return evalRepeat(this, e, env);
      case 'ListExpr': {
        const items = e.items.map((x) => this.evalExpr(x, env));
        return items.some((x) => x.kind === 'error') ? ERROR : { kind: 'list', items, sources: e.items.map((x) => this.ref(env, x)) };
      }
    }
  }

  // ───────────────────────────── calls ─────────────────────────────

  private evalCall(e: A.CallExpr, env: Env): Value {
    const callee = this.evalExpr(e.callee, env);
    if (callee.kind === 'error') {
      for (const a of e.args) this.evalExpr(a.value, env, { symbols: true }); // still report errors inside
      return ERROR;
    }
    if (callee.kind === 'op') {
      const op = callee.op;
      if (op.kind === 'function') {
        const { values, sources } = bindArgs(this, op.args, e.args, env, e, quotedName(op.name));
        if (!values) return ERROR;
        return applyOp(this, op, values, sources, e, env);
      }
      const { values, sources } = bindArgs(this, op.config, e.args, env, e, quotedName(op.name));
      if (!values) return ERROR;
      return makeLayer(this, op, values, sources, e, env);
    }
    if (callee.kind === 'block') return makeBlock(this, callee.block, e, env);
    if (callee.kind === 'module') {
      const args = evalArgs(this, e.args, env);
      return applyModule(this, callee.module, args, e, env);
    }
    // `causal()`: a mask (or number) written as if it were made by a call; it is the value itself.
    const bare = e.args.length === 0 && (callee.kind !== 'tensor' || callee.tensor.dtype === 'mask') ? this.sourceText(this.ref(env, e.callee)) : undefined;
    this.reporter.error('TFM2018', `${describeValue(callee)} cannot be called`, this.ref(env, e.callee), {
      help: bare
        ? { message: `\`${bare}\` is already ${describeValue(callee)}: write it without \`()\``, edits: [{ ...this.ref(env, e), text: bare }] }
        : callee.kind === 'tensor' ? 'only layers, blocks and functions can be applied' : undefined,
    });
    return ERROR;
  }

  childEnv(env: Env, file: string, scope: Scope, prefix: string): Env {
    return { file, scope, prefix, moduleNames: new Set(), isModel: false, later: new Map(), shapeVars: new Map(), outs: [], forcedPath: undefined, direct: undefined, stmtName: undefined };
  }
}
