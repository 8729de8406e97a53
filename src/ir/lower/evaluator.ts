/**
 * The lowering evaluator: runs a model's body at compile time. Config arithmetic, `if`, block
 * instantiation and `repeat` are evaluated here; every tensor operation becomes an IR node whose
 * shape is inferred (by the op's rule) as it is emitted. Mistakes become diagnostics, never
 * exceptions, and a failed step yields a poison value so one mistake gives one report.
 */
import type { Label } from '../../check/diagnostics.js';
import type * as A from '../../syntax/ast.js';
import { spanCover } from '../../syntax/spans.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { constDim, dimEquals, dimOp, freshVar, renderDim, renderShape, resolve, unify, unifyBroadcast, type Dim } from '../dims.js';
import { nearbyDivisors } from '../ops/helpers.js';
import { OPERATOR_OPS } from '../ops/index.js';
import type { ArgSpec, LayerOpDef, OpContext, OpDef } from '../ops/op.js';
import { DTYPES, type DType, type SourceRef, type TensorValue } from '../types.js';
import { describeValue, ERROR, isNumber, NONE, type BlockModule, type LayerModule, type ModuleValue, type RepeatModule, type Value, type ValueOrigin } from '../values.js';
import type { GraphBuilder } from './graph.js';
import type { Reporter } from './reporter.js';
import { Scope, type BindingKind, type UseRecord, type UseTracker } from './scope.js';

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
}

/** Hints for resolving a bare name that is not bound: an enum member of the expected type. */
interface Hint {
  members?: readonly string[];
  /** Any unbound bare name is an enum symbol (config values, untyped block parameters). */
  symbols?: boolean;
}

/** Arguments evaluated once (module applications and `repeat`). */
interface EvaluatedArgs {
  positional: Array<{ value: Value; source: SourceRef }>;
  named: Array<{ name: string; nameSource: SourceRef; value: Value; source: SourceRef }>;
}

interface WrittenArg {
  name?: string;
  nameSource?: SourceRef;
  source: SourceRef;
  /** Not yet evaluated (a constructor call's argument)... */
  expr?: A.Expr;
  /** ...or already evaluated (a module application's). */
  value?: Value;
}

const NO_HINT: Hint = {};
const SYMBOLS: Hint = { symbols: true };
const enumHints = new WeakMap<ArgSpec, Hint>();

function hintFor(spec: ArgSpec): Hint {
  if (spec.type === 'string') return SYMBOLS;
  if (spec.type !== 'enum') return NO_HINT;
  let h = enumHints.get(spec);
  if (!h) enumHints.set(spec, (h = { members: spec.members }));
  return h;
}

/** The most layers one `repeat` may stack. */
const MAX_REPEAT = 10_000;

/** Sizes that must be positive when passed as an `int` to a primitive. */
const POSITIVE = new Set(['out', 'num', 'dim', 'max_len', 'heads', 'hidden', 'layers', 'patch', 'kernel', 'stride', 'buckets', 'max_distance', 'times']);

export class Evaluator {
  constructor(
    readonly graph: GraphBuilder,
    readonly reporter: Reporter,
    readonly uses: UseTracker,
    /** The global scope of a file: its blocks and models, imports, std and primitives. */
    readonly globalsOf: (file: string) => Scope,
    readonly bounds: Map<string, { max?: number; min?: number; source: SourceRef }>,
    readonly isLibraryFile: (file: string) => boolean,
  ) {}

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
              help: `to rebind it, drop the \`let\`: \`${s.name.name} = ...\``,
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
            help: 'build masks with `causal`, `padding(ids, pad: 0)`, or `a & b`',
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
    const dtype = this.dtypeOf(s.type, env);
    const shape = s.type.dims.map((d) => this.evalDim(d, env, 'model'));
    for (const c of s.constraints) this.addConstraint(c, env);
    if (!dtype) return this.bind(env, s.name, ERROR, 'input');
    const t = this.graph.input(s.name.name, dtype, shape, this.ref(env, s.name));
    this.bind(env, s.name, { kind: 'tensor', tensor: t }, 'input');
  }

  dtypeOf(t: A.TensorType, env: Env): DType | undefined {
    const name = t.dtype.name;
    if ((DTYPES as readonly string[]).includes(name)) return name as DType;
    if (name === '') return undefined;
    const alias: Record<string, DType> = { int: 'int32', float: 'float32', int64: 'int32', float16: 'float32', f32: 'float32', i32: 'int32' };
    this.reporter.error('TFM2001', `unknown dtype \`${name}\``, this.ref(env, t.dtype), {
      help: alias[name] ? `did you mean \`${alias[name]}\`?` : didYouMean(name, DTYPES) ?? `dtypes are ${DTYPES.join(', ')}`,
    });
    return undefined;
  }

  /**
   * A dimension in a tensor type. In a model, an unbound name is a symbolic dim (`batch`, `seq`);
   * in a block, a Capitalised name is a shape variable (`B`, `Tq`), other names must be parameters.
   */
  evalDim(e: A.Expr, env: Env, where: 'model' | 'block'): Dim {
    if (e.kind === 'NameExpr') {
      const b = env.scope.lookup(e.name);
      if (!b || b.kind === 'global') {
        if (where === 'model') return { kind: 'sym', name: e.name };
        if (/^[A-Z]/.test(e.name)) {
          let v = env.shapeVars.get(e.name);
          if (!v) env.shapeVars.set(e.name, (v = freshVar(e.name)));
          return v;
        }
      }
    }
    if (e.kind === 'BinaryExpr' && (e.op === '+' || e.op === '-' || e.op === '*')) {
      const l = this.evalDim(e.left, env, where);
      const r = this.evalDim(e.right, env, where);
      return dimOp(e.op, l, r);
    }
    if (e.kind === 'BinaryExpr' && this.mentionsDimName(e, env, where)) {
      this.reporter.error('TFM4001', `a symbolic dimension can only be added, subtracted or multiplied, not combined with \`${e.op}\``, this.ref(env, e), {
        help: 'declare the dimension under its own name, e.g. `half_seq`',
      });
      return { kind: 'error' };
    }
    const v = this.evalExpr(e, env);
    return this.toDim(v, this.ref(env, e), e.kind === 'NameExpr' ? `\`${e.name}\`` : 'this expression');
  }

  /** Whether an expression mentions a name that would be a symbolic dim or shape variable. */
  private mentionsDimName(e: A.Expr, env: Env, where: 'model' | 'block'): boolean {
    if (e.kind === 'NameExpr') {
      const b = env.scope.lookup(e.name);
      return (!b || b.kind === 'global') && (where === 'model' || /^[A-Z]/.test(e.name));
    }
    if (e.kind === 'BinaryExpr') return this.mentionsDimName(e.left, env, where) || this.mentionsDimName(e.right, env, where);
    if (e.kind === 'UnaryExpr') return this.mentionsDimName(e.operand, env, where);
    return false;
  }

  toDim(v: Value, source: SourceRef, what: string): Dim {
    if (v.kind === 'error') return { kind: 'error' };
    if (v.kind === 'int') {
      if (v.value <= 0) {
        this.reporter.error('TFM3010', `a dimension must be positive, but ${what} is ${v.value}`, source);
        return { kind: 'error' };
      }
      return constDim(v.value, { ...source, what });
    }
    if (v.kind === 'float') {
      this.reporter.error('TFM3011', `a dimension must be a whole number, but ${what} is ${fmt(v.value)}`, source);
      return { kind: 'error' };
    }
    this.reporter.error('TFM4001', `a dimension must be an integer, but ${what} is ${describeValue(v)}`, source);
    return { kind: 'error' };
  }

  /** `where seq <= ctx`, `where seq < 512`, `where seq > 0`: bounds on a model's symbolic dims. */
  addConstraint(c: A.Expr, env: Env): void {
    if (c.kind === 'BinaryExpr' && ['<', '<=', '>', '>=', '=='].includes(c.op) && c.left.kind === 'NameExpr' && !env.scope.lookup(c.left.name)) {
      const v = this.evalExpr(c.right, env);
      if (v.kind === 'error') return;
      if (v.kind !== 'int') {
        this.reporter.error('TFM4001', `a bound must be an integer, but this is ${describeValue(v)}`, this.ref(env, c.right));
        return;
      }
      const b = this.bounds.get(c.left.name) ?? { source: this.ref(env, c) };
      b.source = this.ref(env, c);
      if (c.op === '<=' || c.op === '==') b.max = v.value;
      if (c.op === '<') b.max = v.value - 1;
      if (c.op === '>=' || c.op === '==') b.min = v.value;
      if (c.op === '>') b.min = v.value + 1;
      if (b.max !== undefined && b.max <= 0) {
        this.reporter.error('TFM3010', `\`${c.left.name}\` can never be positive under this bound`, this.ref(env, c));
      }
      this.bounds.set(c.left.name, b);
      return;
    }
    this.reporter.error('TFM4001', 'a `where` constraint must compare a dimension name with a number, like `seq <= ctx`', this.ref(env, c));
  }

  upperBound(d: Dim): { max: number; source: SourceRef } | undefined {
    const r = resolve(d);
    if (r.kind === 'const') return { max: r.value, source: { file: '', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } } } };
    if (r.kind === 'sym') {
      const b = this.bounds.get(r.name);
      return b?.max !== undefined ? { max: b.max, source: b.source } : undefined;
    }
    if (r.kind === 'expr') {
      const l = this.upperBound(r.left);
      const rr = resolve(r.right);
      if (!l || rr.kind !== 'const') return undefined;
      const max = r.op === '+' ? l.max + rr.value : r.op === '-' ? l.max - rr.value : r.op === '*' ? l.max * rr.value : r.op === 'floordiv' ? Math.floor(l.max / rr.value) : Math.ceil(l.max / rr.value);
      return { max, source: l.source };
    }
    return undefined;
  }

  /** Checks an `expect`; false when it failed (or could not be evaluated). */
  checkExpect(s: A.ExpectStmt, env: Env, breakdown?: () => string[]): boolean {
    const saved = env.inExpect;
    env.inExpect = true;
    const v = this.evalExpr(s.condition, env);
    env.inExpect = saved;
    if (v.kind === 'error') return false;
    if (v.kind !== 'bool') {
      this.reporter.error('TFM4001', `an expectation must be a boolean, but this is ${describeValue(v)}`, this.ref(env, s.condition));
      return false;
    }
    if (v.value) return true;
    const c = s.condition;
    const mentionsParams = (e: A.Expr): boolean =>
      e.kind === 'NameExpr' ? e.name === 'params' : e.kind === 'BinaryExpr' ? mentionsParams(e.left) || mentionsParams(e.right) : e.kind === 'UnaryExpr' ? mentionsParams(e.operand) : false;
    const values = this.namesIn(c, env).map(([n, val]) => `${n} = ${val}`);
    let message = `expectation failed: \`${exprText(c)}\``;
    if (c.kind === 'BinaryExpr' && c.op === '==' && mentionsParams(c)) {
      const l = this.quiet(() => this.evalExpr(c.left, { ...env, inExpect: true }));
      const r = this.quiet(() => this.evalExpr(c.right, { ...env, inExpect: true }));
      if (isNumber(l) && isNumber(r)) {
        const [actual, expected] = c.left.kind === 'NameExpr' && c.left.name === 'params' ? [l.value, r.value] : [r.value, l.value];
        const diff = actual - expected;
        message = `expected ${fmtInt(expected)} parameters, but the ${env.isModel ? 'model' : 'block'} has ${fmtInt(actual)} (${diff > 0 ? '+' : ''}${fmtInt(diff)})`;
      }
    }
    const notes = values.length ? [`with ${values.join(', ')}`] : [];
    if (breakdown && mentionsParams(c)) notes.push(...breakdown());
    this.reporter.error('TFM4003', message, this.ref(env, s.condition), { notes });
    return false;
  }

  /** The config names an expression mentions, with their values (for failed expectations). */
  private namesIn(e: A.Expr, env: Env, out: Array<[string, string]> = []): Array<[string, string]> {
    if (e.kind === 'NameExpr') {
      if (e.name === 'params' && env.inExpect !== false) {
        // reported in the message itself
      } else {
        const b = env.scope.lookup(e.name);
        const v = b?.value;
        if (v && (v.kind === 'int' || v.kind === 'float' || v.kind === 'bool' || v.kind === 'enum') && !out.some(([n]) => n === e.name)) {
          out.push([e.name, v.kind === 'enum' ? v.name : v.kind === 'int' ? fmtInt(v.value) : String(v.value)]);
        }
      }
    } else if (e.kind === 'BinaryExpr') {
      this.namesIn(e.left, env, out);
      this.namesIn(e.right, env, out);
    } else if (e.kind === 'UnaryExpr') this.namesIn(e.operand, env, out);
    return out;
  }

  /** Evaluates without reporting (re-evaluating an expression already checked). */
  private quiet<T>(f: () => T): T {
    const saved = this.reporter.report;
    this.reporter.report = () => {};
    try {
      return f();
    } finally {
      this.reporter.report = saved;
    }
  }

  // ───────────────────────────── expressions ─────────────────────────────

  evalExpr(e: A.Expr, env: Env, hint: Hint = {}): Value {
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
        return this.evalName(e, env, hint);
      case 'UnaryExpr':
        return this.evalUnary(e, env);
      case 'BinaryExpr':
        return this.evalBinary(e, env);
      case 'CallExpr':
        return this.evalCall(e, env);
      case 'MemberExpr':
        return this.evalMember(e, env);
      case 'RepeatExpr':
        return this.evalRepeat(e, env);
    }
  }

  private evalName(e: A.NameExpr, env: Env, hint: Hint): Value {
    if (e.name === '') return ERROR;
    const b = env.scope.lookup(e.name);
    // Where an enum value is expected, `gelu` is the enum member, not the global function.
    if ((hint.members?.includes(e.name) || (hint.symbols && !hint.members)) && b?.kind === 'global') return { kind: 'enum', name: e.name };
    if (b) {
      if (b.use) b.use.used = true;
      // `causal` is a value: each mention builds a fresh mask whose length its attention decides.
      if (b.value.kind === 'op' && b.value.op === OPERATOR_OPS.causal) return this.applyFunction(OPERATOR_OPS.causal, [], e, env);
      return b.value;
    }
    if (e.name === 'params' && env.inExpect) {
      return { kind: 'int', value: this.paramsUnder(env.prefix) };
    }
    if (hint.members?.includes(e.name) || hint.symbols) return { kind: 'enum', name: e.name };
    if (hint.members?.length && !env.later.has(e.name)) {
      // Where an enum is expected, an unknown bare name is most likely a misspelt member.
      this.reporter.error('TFM4002', `\`${e.name}\` is not one of the allowed values`, { ...this.ref(env, e), message: 'not a valid value here' }, {
        help: didYouMean(e.name, hint.members) ?? `expected one of ${hint.members.map((m) => `\`${m}\``).join(', ')}`,
      });
      return ERROR;
    }
    const later = env.later.get(e.name);
    if (later) {
      (env.usedEarly ??= new Set()).add(e.name); // one report: the later binding is not also "never used"
      this.reporter.error('TFM2003', `\`${e.name}\` is used before its definition`, this.ref(env, e), {
        secondary: [{ ...later, message: `\`${e.name}\` is defined here, later` }],
        help: 'move the definition above its first use',
      });
      return ERROR;
    }
    const candidates = env.scope.names();
    for (const m of hint.members ?? []) candidates.add(m);
    if (env.inExpect) candidates.add('params');
    const dym = didYouMean(e.name, candidates);
    this.reporter.error('TFM2001', `cannot find \`${e.name}\` in this scope`, { ...this.ref(env, e), message: 'not found' }, {
      help: dym ?? (hint.members?.length ? `expected one of ${hint.members.map((m) => `\`${m}\``).join(', ')}` : undefined),
    });
    return ERROR;
  }

  paramsUnder(prefix: string): number {
    let n = 0;
    for (const p of this.graph.params.values()) {
      if (prefix === '' || p.name.startsWith(prefix + '.')) n += p.shape.reduce((a, b) => a * b, 1);
    }
    return n;
  }

  private evalUnary(e: A.UnaryExpr, env: Env): Value {
    const v = this.evalExpr(e.operand, env);
    if (v.kind === 'error') return ERROR;
    if (e.op === '-') {
      if (v.kind === 'int' || v.kind === 'float') return { kind: v.kind, value: -v.value };
      if (v.kind === 'tensor') return this.scalarOp(v.tensor, 0, 'rsub', e, env);
    } else if (v.kind === 'bool') return { kind: 'bool', value: !v.value };
    this.reporter.error('TFM4001', `cannot apply \`${e.op}\` to ${describeValue(v)}`, this.ref(env, e));
    return ERROR;
  }

  private evalBinary(e: A.BinaryExpr, env: Env): Value {
    const l = this.evalExpr(e.left, env);
    const r = this.evalExpr(e.right, env, l.kind === 'enum' && (e.op === '==' || e.op === '!=') ? { symbols: true } : {});
    if (l.kind === 'error' || r.kind === 'error') return ERROR;
    const op = e.op;
    if (l.kind === 'tensor' && r.kind === 'tensor') {
      const fn = { '+': OPERATOR_OPS.add, '-': OPERATOR_OPS.sub, '*': OPERATOR_OPS.mul, '/': OPERATOR_OPS.div, '@': OPERATOR_OPS.matmul, '&': OPERATOR_OPS.maskAnd }[op as string];
      if (fn) return this.applyOp(fn, { a: l, b: r }, { a: this.ref(env, e.left), b: this.ref(env, e.right) }, e, env);
    }
    if (l.kind === 'tensor' && isNumber(r) && ['+', '-', '*', '/'].includes(op)) {
      return this.scalarOp(l.tensor, r.value, { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' }[op as '+'], e, env);
    }
    if (isNumber(l) && r.kind === 'tensor' && ['+', '-', '*', '/'].includes(op)) {
      return this.scalarOp(r.tensor, l.value, { '+': 'add', '-': 'rsub', '*': 'mul', '/': 'rdiv' }[op as '+'], e, env);
    }
    if (isNumber(l) && isNumber(r)) return this.arith(op, l, r, e, env);
    if (op === '==' || op === '!=') {
      const same = l.kind === r.kind && (l.kind === 'bool' || l.kind === 'enum' || l.kind === 'string');
      if (same) {
        const eq = (l.kind === 'enum' ? l.name : (l as { value: unknown }).value) === (r.kind === 'enum' ? r.name : (r as { value: unknown }).value);
        return { kind: 'bool', value: op === '==' ? eq : !eq };
      }
    }
    if ((op === '&&' || op === '||') && l.kind === 'bool' && r.kind === 'bool') {
      return { kind: 'bool', value: op === '&&' ? l.value && r.value : l.value || r.value };
    }
    const hint = op === '&' ? 'combine masks with `&`; combine conditions with `&&`' : op === '@' ? '`@` multiplies tensors' : undefined;
    this.reporter.error('TFM4001', `cannot apply \`${op}\` to ${describeValue(l)} and ${describeValue(r)}`, { ...this.ref(env, e), message: undefined }, {
      secondary: [
        { ...this.ref(env, e.left), message: `this is ${describeValue(l)}` },
        { ...this.ref(env, e.right), message: `this is ${describeValue(r)}` },
      ],
      help: hint,
    });
    return ERROR;
  }

  private arith(op: A.BinaryOp, l: { kind: 'int' | 'float'; value: number }, r: { kind: 'int' | 'float'; value: number }, e: A.BinaryExpr, env: Env): Value {
    const bothInt = l.kind === 'int' && r.kind === 'int';
    const a = l.value;
    const b = r.value;
    const num = (v: number): Value => (bothInt && Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v });
    switch (op) {
      case '+':
        return num(a + b);
      case '-':
        return num(a - b);
      case '*':
        return num(a * b);
      case '/':
      case '%':
        if (b === 0) {
          this.reporter.error('TFM4004', `division by zero: \`${exprText(e.right)}\` is 0`, this.ref(env, e.right), {
            secondary: [{ ...this.ref(env, e), message: 'in this expression' }],
          });
          return ERROR;
        }
        // `/` is exact: 512 / 8 is the integer 64; 512 / 6 is 85.33, which is not a valid size.
        return op === '/' ? num(a / b) : num(((a % b) + b) % b);
      case '^':
        return bothInt && b >= 0 ? { kind: 'int', value: a ** b } : { kind: 'float', value: a ** b };
      case '<':
        return { kind: 'bool', value: a < b };
      case '<=':
        return { kind: 'bool', value: a <= b };
      case '>':
        return { kind: 'bool', value: a > b };
      case '>=':
        return { kind: 'bool', value: a >= b };
      case '==':
        return { kind: 'bool', value: a === b };
      case '!=':
        return { kind: 'bool', value: a !== b };
      default:
        this.reporter.error('TFM4001', `cannot apply \`${op}\` to numbers`, this.ref(env, e), {
          help: op === '&' || op === '&&' || op === '||' ? 'logical operators take booleans' : op === '@' ? '`@` multiplies tensors; use `*` for numbers' : undefined,
        });
        return ERROR;
    }
  }

  private scalarOp(t: TensorValue, value: number, op: string, e: A.Expr, env: Env): Value {
    return this.applyOp(OPERATOR_OPS.scalar, { x: { kind: 'tensor', tensor: t }, value: { kind: 'float', value }, op: { kind: 'string', value: op } }, {}, e, env);
  }

  private evalMember(e: A.MemberExpr, env: Env): Value {
    const v = this.evalExpr(e.object, env);
    if (v.kind === 'error') return ERROR;
    if (v.kind === 'tensor' && v.fields && e.name.name in v.fields) return { kind: 'tensor', tensor: v.fields[e.name.name] };
    const fields = v.kind === 'tensor' && v.fields ? Object.keys(v.fields) : [];
    this.reporter.error('TFM2001', `${describeValue(v)} has no field \`${e.name.name}\``, this.ref(env, e.name), {
      help: fields.length ? didYouMean(e.name.name, fields) ?? `its fields are ${fields.map((f) => `\`${f}\``).join(', ')}` : undefined,
    });
    return ERROR;
  }

  private evalRepeat(e: A.RepeatExpr, env: Env): Value {
    const c = this.evalExpr(e.count, env);
    if (c.kind === 'error') return ERROR;
    if (c.kind !== 'int') {
      this.reporter.error(c.kind === 'float' ? 'TFM3011' : 'TFM4001', `a repeat count must be a whole number, but this is ${c.kind === 'float' ? fmt(c.value) : describeValue(c)}`, this.ref(env, e.count));
      return ERROR;
    }
    if (c.value <= 0) {
      this.reporter.error('TFM3010', `a repeat count must be positive, but this is ${c.value}`, this.ref(env, e.count), {
        help: 'a stack needs at least one layer',
      });
      return ERROR;
    }
    if (c.value > MAX_REPEAT) {
      // The graph holds every layer: an absurd count would exhaust memory instead of failing.
      this.reporter.error('TFM4008', `a repeat count of ${fmtInt(c.value)} is beyond the supported ${fmtInt(MAX_REPEAT)} layers`, this.ref(env, e.count), {
        help: 'real stacks have tens to hundreds of layers: check the config value',
      });
      return ERROR;
    }
    const path = this.newModulePath(env, e, 'layers');
    const build = (index: number, layerPath: string): ModuleValue | undefined => {
      const saved = [env.forcedPath, env.direct, env.stmtName] as const;
      env.forcedPath = layerPath;
      env.direct = undefined;
      try {
        const v = this.evalExpr(e.body, env);
        if (v.kind === 'module') return v.module;
        if (v.kind !== 'error') {
          this.reporter.error('TFM2018', `the body of \`repeat\` must build a layer or block, but this is ${describeValue(v)}`, this.ref(env, e.body), {
            help: 'write the block to stack, e.g. `repeat layers { EncoderLayer(d_model, heads) }`',
          });
        }
        return undefined;
      } finally {
        [env.forcedPath, env.direct, env.stmtName] = saved;
      }
      void index;
    };
    const m: RepeatModule = { kind: 'repeat', path, source: this.ref(env, e), applied: 0, count: c.value, shared: e.shared, body: e.body, build, layers: [] };
    this.graph.module({ path, kind: e.shared ? `repeat ${c.value} shared` : `repeat ${c.value}`, depth: depthOf(path), source: m.source });
    return { kind: 'module', module: m };
  }

  /** The path of a new module: forced (repeat layer), the `let` name, or the statement's name. */
  newModulePath(env: Env, e: A.Expr, kind: string): string {
    if (env.forcedPath !== undefined) {
      const p = env.forcedPath;
      env.forcedPath = undefined;
      return p;
    }
    let base: string;
    if (env.direct && env.direct.expr === e) base = env.direct.name;
    else base = env.stmtName && env.stmtName !== 'out' ? env.stmtName : kind.toLowerCase();
    let name = base;
    for (let i = 1; env.moduleNames.has(name); i++) name = `${base}_${i}`;
    env.moduleNames.add(name);
    return env.prefix ? `${env.prefix}.${name}` : name;
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
        const { values, sources } = this.bindArgs(op.args, e.args, env, e, `\`${op.name}\``);
        if (!values) return ERROR;
        return this.applyOp(op, values, sources, e, env);
      }
      const { values, sources } = this.bindArgs(op.config, e.args, env, e, `\`${op.name}\``);
      if (!values) return ERROR;
      return this.makeLayer(op, values, sources, e, env);
    }
    if (callee.kind === 'block') return this.makeBlock(callee.block, e, env);
    if (callee.kind === 'module') {
      const args = this.evalArgs(e.args, env);
      return this.applyModule(callee.module, args, e, env);
    }
    this.reporter.error('TFM2018', `${describeValue(callee)} cannot be called`, this.ref(env, e.callee), {
      help: callee.kind === 'tensor' ? 'only layers, blocks and functions can be applied' : undefined,
    });
    return ERROR;
  }

  private evalArgs(args: readonly A.Arg[], env: Env): EvaluatedArgs {
    const out: EvaluatedArgs = { positional: [], named: [] };
    for (const a of args) {
      const value = this.evalExpr(a.value, env);
      if (a.name) out.named.push({ name: a.name.name, nameSource: this.ref(env, a.name), value, source: this.ref(env, a.value) });
      else out.positional.push({ value, source: this.ref(env, a.value) });
    }
    return out;
  }

  /**
   * Matches written arguments to declared ones (positional, then by name), evaluating each with
   * its declared type as a hint, filling defaults, and checking types.
   */
  bindArgs(
    specs: readonly ArgSpec[],
    args: readonly A.Arg[] | EvaluatedArgs,
    env: Env,
    call: A.Expr,
    calleeName: string,
    declSource?: (name: string) => SourceRef | undefined,
  ): { values?: Record<string, Value>; sources: Record<string, SourceRef> } {
    const values: Record<string, Value> = {};
    const sources: Record<string, SourceRef> = {};
    let ok = true;
    // One entry per written argument; AST arguments are evaluated lazily, with the declared
    // type as a hint (an enum parameter reads `gelu` as its member, not the function).
    const written: WrittenArg[] = [];
    if (Array.isArray(args)) {
      for (const a of args as readonly A.Arg[]) {
        written.push({ name: a.name?.name, nameSource: a.name ? this.ref(env, a.name) : undefined, source: this.ref(env, a.value), expr: a.value });
      }
    } else {
      const ev = args as EvaluatedArgs;
      for (const p of ev.positional) written.push({ source: p.source, value: p.value });
      for (const n of ev.named) written.push({ name: n.name, nameSource: n.nameSource, source: n.source, value: n.value });
    }
    const get = (w: WrittenArg, hint: Hint): Value => w.value ?? this.evalExpr(w.expr!, env, hint);
    let position = 0;
    let positional = 0;
    for (const w of written) if (w.name === undefined) positional++;
    for (const w of written) {
      let spec: ArgSpec | undefined;
      if (w.name === undefined) {
        spec = specs[position++];
        if (!spec) {
          this.reporter.error('TFM2008', `${calleeName} takes ${specs.length} argument${specs.length === 1 ? '' : 's'}, but ${positional} ${positional === 1 ? 'was' : 'were'} given`, { ...w.source, message: 'unexpected argument' }, {
            help: specs.length ? `its arguments are ${specs.map((s) => `\`${s.name}\``).join(', ')}` : undefined,
          });
          get(w, SYMBOLS);
          ok = false;
          continue;
        }
      } else {
        spec = specs.find((s) => s.name === w.name);
        if (!spec) {
          this.reporter.error('TFM2005', `${calleeName} has no argument named \`${w.name}\``, { ...(w.nameSource ?? w.source), message: 'unknown argument' }, {
            help: didYouMean(w.name, specs.map((s) => s.name)) ?? (specs.length ? `its arguments are ${specs.map((s) => `\`${s.name}\``).join(', ')}` : undefined),
          });
          get(w, SYMBOLS);
          ok = false;
          continue;
        }
      }
      if (spec.name in values) {
        this.reporter.error('TFM2007', `argument \`${spec.name}\` of ${calleeName} is given twice`, w.nameSource ?? w.source, {
          secondary: [{ ...sources[spec.name], message: 'first given here' }],
        });
        ok = false;
        continue;
      }
      const v = get(w, hintFor(spec));
      sources[spec.name] = w.source;
      values[spec.name] = this.checkArgType(spec, v, w.source, calleeName);
      if (values[spec.name].kind === 'error') ok = ok && v.kind !== 'error' ? true : ok; // poison flows on
    }
    for (const spec of specs) {
      if (spec.name in values) continue;
      if (spec.default === undefined) {
        const decl = declSource?.(spec.name);
        this.reporter.error('TFM2006', `${calleeName} is missing its argument \`${spec.name}\``, { ...this.ref(env, call), message: `\`${spec.name}\` is required` }, {
          secondary: decl ? [{ ...decl, message: 'declared here' }] : [],
          help: `add \`${spec.name}: ...\`${spec.doc ? ` (${spec.doc})` : ''}`,
        });
        ok = false;
        continue;
      }
      values[spec.name] = spec.default === null ? NONE : spec.default;
      sources[spec.name] = this.ref(env, call);
    }
    return { values: ok ? values : undefined, sources };
  }

  private checkArgType(spec: ArgSpec, v: Value, source: SourceRef, calleeName: string): Value {
    if (v.kind === 'error') return v;
    const bad = (expected: string, help?: string) => this.badArg(spec, v, source, calleeName, expected, help);
    switch (spec.type) {
      case 'int':
        if (v.kind === 'float') {
          this.reporter.error('TFM3011', `argument \`${spec.name}\` of ${calleeName} must be a whole number, but this is ${fmt(v.value)}`, source);
          return ERROR;
        }
        if (v.kind !== 'int') return bad('an integer');
        if (spec.name === 'layers' && v.value > MAX_REPEAT) {
          this.reporter.error('TFM4008', `argument \`layers\` of ${calleeName} is ${fmtInt(v.value)}, beyond the supported ${fmtInt(MAX_REPEAT)}`, source);
          return ERROR;
        }
        if (POSITIVE.has(spec.name) && v.value <= 0) {
          this.reporter.error('TFM3010', `argument \`${spec.name}\` of ${calleeName} must be positive, but this is ${v.value}`, source, {
            secondary: v.origin && v.origin.file !== source.file || (v.origin && v.origin.span !== source.span) ? [{ file: v.origin!.file, span: v.origin!.span, message: `\`${v.origin!.name}\` = ${v.value} is set ${v.origin!.cli ? `by \`--set ${v.origin!.cli}\`` : 'here'}` }] : [],
          });
          return ERROR;
        }
        return v;
      case 'float':
        return isNumber(v) ? { kind: 'float', value: v.value, origin: v.origin } : bad('a number');
      case 'bool':
        return v.kind === 'bool' ? v : bad('`true` or `false`');
      case 'enum': {
        const members = spec.members ?? [];
        if (v.kind !== 'enum') return bad(`one of ${members.map((m) => `\`${m}\``).join(', ')}`);
        if (members.length && !members.includes(v.name)) {
          this.reporter.error('TFM4002', `\`${v.name}\` is not a valid \`${spec.name}\` for ${calleeName}`, source, {
            help: didYouMean(v.name, members) ?? `expected one of ${members.map((m) => `\`${m}\``).join(', ')}`,
          });
          return ERROR;
        }
        return v;
      }
      case 'tensor':
        if (v.kind === 'none' && spec.default === null) return v;
        return v.kind === 'tensor' ? v : bad('a tensor', v.kind === 'module' ? 'apply the layer to an input first: `layer(x)`' : undefined);
      case 'module':
        if (v.kind === 'none' && spec.default === null) return v;
        return v.kind === 'module' ? v : bad('a layer');
      case 'string':
        return v;
    }
  }

  private badArg(spec: ArgSpec, v: Value, source: SourceRef, calleeName: string, expected: string, help?: string): Value {
    this.reporter.error('TFM4001', `argument \`${spec.name}\` of ${calleeName} must be ${expected}, but this is ${describeValue(v)}`, source, { help });
    return ERROR;
  }

  /** Applies a function op, giving it an `OpContext` for its shape rule. */
  applyOp(op: OpDef, values: Record<string, Value>, sources: Record<string, SourceRef>, call: A.Expr, env: Env, layer?: LayerModule, inputs?: Record<string, Value>, inputSources?: Record<string, SourceRef>): Value {
    for (const k in values) if (values[k].kind === 'error') return ERROR;
    for (const k in inputs) if (inputs[k].kind === 'error') return ERROR;
    const ctx = this.opContext(env, call, inputSources ? { ...sources, ...inputSources } : sources, layer);
    if (op.kind === 'function') return op.apply(ctx, values);
    return op.apply(ctx, values, inputs ?? {});
  }

  applyFunction(op: OpDef, args: readonly A.Arg[], call: A.Expr, env: Env): Value {
    if (op.kind !== 'function') return ERROR;
    const { values, sources } = this.bindArgs(op.args, args, env, call, `\`${op.name}\``);
    return values ? this.applyOp(op, values, sources, call, env) : ERROR;
  }

  opContext(env: Env, call: A.Expr, sources: Record<string, SourceRef>, layer?: LayerModule): OpContext {
    return new LoweringOpContext(this, env, this.ref(env, call), sources, layer);
  }

  private makeLayer(op: LayerOpDef, values: Record<string, Value>, sources: Record<string, SourceRef>, e: A.Expr, env: Env): Value {
    const path = this.newModulePath(env, e, op.name);
    const m: LayerModule = { kind: 'layer', op, args: values, argSources: sources, path, source: this.ref(env, e), applied: 0 };
    this.graph.module({ path, kind: op.name, depth: depthOf(path), source: m.source });
    return { kind: 'module', module: m };
  }

  private makeBlock(block: BlockModule['block'], e: A.CallExpr, env: Env): Value {
    const decl = block.decl;
    const name = `\`${decl.name.name}\``;
    const blockEnvScope = new Scope(this.globalsOf(block.file));
    for (const p of decl.params) {
      if (p.type?.kind === 'NamedType' && !PARAM_TYPES.includes(p.type.name.name) && p.type.name.name) {
        this.reporter.error('TFM2001', `unknown parameter type \`${p.type.name.name}\``, { file: block.file, span: p.type.span }, {
          help: didYouMean(p.type.name.name, PARAM_TYPES) ?? `parameter types are ${PARAM_TYPES.map((t) => `\`${t}\``).join(', ')} and enum(...)`,
        });
        return ERROR;
      }
    }
    const specs: ArgSpec[] = decl.params.map((p) => ({
      name: p.name.name,
      type: p.type?.kind === 'EnumType' ? 'enum' : p.type?.kind === 'NamedType' ? namedType(p.type.name.name) : 'string',
      members: p.type?.kind === 'EnumType' ? p.type.members.map((m) => m.name) : undefined,
      default: p.default ? { kind: 'error' } : undefined, // placeholder: defaults are evaluated below, in order
      doc: '',
    }));
    const { values, sources } = this.bindArgs(specs, e.args, env, e, name, (n) => {
      const p = decl.params.find((q) => q.name.name === n);
      return p ? { file: block.file, span: p.name.span } : undefined;
    });
    if (!values) return ERROR;
    // Defaults may refer to earlier parameters: `d_k: int = d_model / heads`.
    const params = new Map<string, Value>();
    const defaultEnv: Env = { ...this.childEnv(env, block.file, blockEnvScope, env.prefix), isModel: false };
    for (const p of decl.params) {
      let v = values[p.name.name];
      const given = sources[p.name.name] && !(sources[p.name.name].span === this.ref(env, e).span && p.default);
      if (!given && p.default) {
        const spec = specs.find((s) => s.name === p.name.name)!;
        const raw = this.evalExpr(p.default, defaultEnv, spec.type === 'enum' ? { members: spec.members } : { symbols: !p.type });
        if (spec.type === 'int' && raw.kind === 'float' && p.default.kind === 'BinaryExpr' && p.default.op === '/') {
          this.notDivisible(p.default, defaultEnv, e, env);
          return ERROR;
        }
        v = this.checkArgType({ ...spec, default: undefined }, raw, { file: block.file, span: p.default.span }, name);
      }
      if (v.kind === 'error') return ERROR;
      params.set(p.name.name, v);
      blockEnvScope.set(p.name.name, { value: v, kind: 'param', source: { file: block.file, span: p.name.span } });
    }
    const path = this.newModulePath(env, e, decl.name.name);
    const m: BlockModule = { kind: 'block', block, params, path, source: this.ref(env, e), applied: 0 };
    this.graph.module({ path, kind: decl.name.name, depth: depthOf(path), source: m.source });
    return { kind: 'module', module: m };
  }

  /**
   * TFM3003: an integer parameter defaults to an inexact division (`d_k = d_model / heads` with
   * 512 and 6). Points at where the divisor was set when that is in the user's spec.
   */
  private notDivisible(div: A.BinaryExpr, defaultEnv: Env, call: A.Expr, env: Env): void {
    const l = this.quiet(() => this.evalExpr(div.left, defaultEnv));
    const r = this.quiet(() => this.evalExpr(div.right, defaultEnv));
    if (l.kind !== 'int' || r.kind !== 'int') return;
    const lname = div.left.kind === 'NameExpr' ? div.left.name : exprText(div.left);
    const rname = div.right.kind === 'NameExpr' ? div.right.name : exprText(div.right);
    const tries = nearbyDivisors(l.value, r.value);
    const secondary: Label[] = [];
    const setHere = (o: ValueOrigin, v: number) => `\`${o.name}\` = ${v} is set ${o.cli ? `by \`--set ${o.cli}\`` : 'here'}`;
    if (l.origin) secondary.push({ file: l.origin.file, span: l.origin.span, message: setHere(l.origin, l.value) });
    const primary: Label = r.origin && !this.isLibraryFile(r.origin.file)
      ? { file: r.origin.file, span: r.origin.span, message: setHere(r.origin, r.value) }
      : { ...this.ref(env, call), message: `${lname} = ${l.value}, ${rname} = ${r.value}` };
    secondary.push({ file: defaultEnv.file, span: div.span, message: `\`${exprText(div)}\` must be a whole number` });
    this.reporter.error('TFM3003', `\`${lname}\` = ${l.value} is not divisible by \`${rname}\` = ${r.value}`, primary, {
      secondary,
      help: tries.length ? `${l.value} is divisible by ${tries.join(' and ')}: try ${rname} = ${tries.join(' or ')}` : undefined,
    });
  }

  childEnv(env: Env, file: string, scope: Scope, prefix: string): Env {
    return { file, scope, prefix, moduleNames: new Set(), isModel: false, later: new Map(), shapeVars: new Map(), outs: [], forcedPath: undefined, direct: undefined, stmtName: undefined };
  }

  // ───────────────────────────── applying modules ─────────────────────────────

  applyModule(m: ModuleValue, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
    let result: Value;
    if (m.kind === 'layer') {
      const { values, sources } = this.bindArgs(m.op.inputs, args, env, call, `\`${m.op.name}\``);
      if (!values) return ERROR;
      result = this.applyOp(m.op, m.args, m.argSources, call, env, m, values, sources);
    } else if (m.kind === 'block') {
      result = this.applyBlock(m, args, call, env);
    } else {
      result = this.applyRepeat(m, args, call, env);
    }
    m.applied++;
    if (result.kind === 'tensor') {
      const info = this.graph.modules.get(m.path);
      if (info) {
        info.outputShape = result.tensor.shape;
        info.outputDType = result.tensor.dtype;
      }
    }
    return result;
  }

  private applyRepeat(m: RepeatModule, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
    if (args.positional.length === 0) {
      this.reporter.error('TFM2006', 'a stack must be applied to an input: `layers(x)`', this.ref(env, call));
      return ERROR;
    }
    let carried = args.positional[0];
    for (let i = 0; i < m.count; i++) {
      const fresh = !m.layers[i] && !m.shared;
      const mark = fresh ? this.graph.mark() : undefined;
      const layer: ModuleValue | undefined = m.layers[i] ?? (m.shared && m.layers[0] ? m.layers[0] : this.build(m, i));
      if (!layer) return ERROR;
      m.layers[i] = layer;
      const errors = this.reporter.errorCount;
      const input = carried.value;
      const out = this.applyModule(layer, { positional: [carried, ...args.positional.slice(1)], named: args.named }, call, env);
      if (out.kind !== 'tensor') return out.kind === 'error' ? ERROR : out;
      carried = { value: out, source: this.ref(env, call) };
      // A layer that maps its input shape to itself computes the same graph for every copy:
      // the remaining layers are copies of this one with renamed parameters (a 12-layer stack
      // costs one layer's evaluation).
      if (mark && layerCloning && i + 1 < m.count && input.kind === 'tensor' && this.reporter.errorCount === errors && sameShape(input.tensor, out.tensor) && input.tensor.dtype === out.tensor.dtype) {
        const end = this.graph.mark();
        let x = out.tensor;
        layersCopied += m.count - i - 1;
        for (let j = i + 1; j < m.count; j++) x = this.graph.cloneRange(mark, end, input.tensor.id, x, out.tensor, `${m.path}.${i}`, `${m.path}.${j}`);
        const info = this.graph.modules.get(m.path);
        if (info) {
          info.outputShape = x.shape;
          info.outputDType = x.dtype;
        }
        return { kind: 'tensor', tensor: x };
      }
    }
    return carried.value;
  }

  private build(m: RepeatModule, i: number): ModuleValue | undefined {
    return m.build(i, m.shared ? m.path : `${m.path}.${i}`);
  }

  private applyBlock(m: BlockModule, args: EvaluatedArgs, call: A.Expr, env: Env): Value {
    const decl = m.block.decl;
    const name = `\`${decl.name.name}\``;
    const ports = decl.body.filter((s): s is A.InputDecl => s.kind === 'InputDecl' && s.keyword === 'in');
    const specs: ArgSpec[] = ports.map((p) => ({ name: p.name.name, type: 'tensor', default: p.optional ? null : undefined, doc: '' }));
    const portDecl = (n: string) => {
      const p = ports.find((q) => q.name.name === n);
      return p ? { file: m.block.file, span: p.name.span } : undefined;
    };
    const { values, sources } = this.bindArgs(specs, args, env, call, name, portDecl);
    if (!values) return ERROR;
    // A block that contains itself would expand forever (or exponentially, if it does so twice).
    const cycleStart = this.reporter.frames.findIndex((f) => f.decl === decl);
    if (cycleStart >= 0) {
      const chain = [...this.reporter.frames.slice(cycleStart).map((f) => f.block), decl.name.name].join(' → ');
      this.reporter.error('TFM2004', `${name} contains itself: ${chain}`, this.ref(env, call), {
        secondary: [{ file: m.block.file, span: decl.name.span, message: `\`${decl.name.name}\` is defined here` }],
        help: 'a block cannot contain itself; to stack copies, use `repeat n { ... }`',
      });
      return ERROR;
    }
    const scope = new Scope(this.globalsOf(m.block.file));
    for (const [k, v] of m.params) scope.set(k, { value: v, kind: 'param', source: { file: m.block.file, span: decl.params.find((p) => p.name.name === k)!.name.span } });
    const inner = this.childEnv(env, m.block.file, scope, m.path);
    if (m.applied > 0) {
      // A shared block re-uses its parameters: same paths, checked against the first application.
    }
    collectLater(decl.body, inner.later, m.block.file);
    const errorsBefore = this.reporter.errorCount;
    this.reporter.frames.push({ block: decl.name.name, decl, callSite: this.ref(env, call) });
    this.reporter.instantiated.add(decl);
    try {
      for (const s of decl.body) {
        if (inner.aborted) break;
        if (s.kind === 'InputDecl' && s.keyword === 'in') {
          if (s.constraints.length) {
            this.reporter.error('TFM1006', '`where` bounds belong to model inputs, not block ports', { file: m.block.file, span: spanCover(s.constraints[0].span, s.constraints[s.constraints.length - 1].span) }, {
              help: 'bound the model input instead: `input ids: int32[batch, seq] where seq <= ctx`',
            });
          }
          const v = values[s.name.name];
          this.bind(inner, s.name, v.kind === 'none' ? NONE : this.checkPort(s, v, sources[s.name.name], inner, decl.name.name), 'port');
          continue;
        }
        this.runStmt(s, inner);
      }
      if (inner.outs.length === 0 && this.reporter.errorCount === errorsBefore && !inner.aborted) {
        this.reporter.error('TFM4006', `${name} has no \`out\``, { file: m.block.file, span: decl.name.span }, { help: 'end the block with `out <value>`' });
        for (const r of inner.records ?? []) r.used = true; // its values had nowhere to go: one report
        return ERROR;
      }
      if (inner.outs.length === 0) return ERROR;
      if (inner.outs.length === 1 || inner.outs.every((o) => !o.name)) return inner.outs[inner.outs.length - 1].value;
      const first = inner.outs[0].value;
      if (first.kind !== 'tensor') return first;
      const fields: Record<string, TensorValue> = { ...(first.fields ?? {}) };
      for (const o of inner.outs) if (o.name && o.value.kind === 'tensor') fields[o.name] = o.value.tensor;
      return { kind: 'tensor', tensor: first.tensor, fields };
    } finally {
      this.reporter.frames.pop();
    }
  }

  /** Checks an argument against a port's declared dtype and shape (binding its shape variables). */
  private checkPort(port: A.InputDecl, v: Value, argSource: SourceRef, env: Env, block: string): Value {
    if (v.kind !== 'tensor') return v;
    const t = v.tensor;
    const dtype = this.dtypeOf(port.type, env);
    const declared: Label = { file: env.file, span: port.type.span, message: `\`${port.name.name}\` is declared here` };
    if (dtype && dtype !== t.dtype) {
      this.reporter.error('TFM3009', `\`${port.name.name}\` of \`${block}\` expects ${dtype}, but this is ${t.dtype}`, { ...argSource, message: `this is ${t.dtype}` }, {
        secondary: [declared],
        help: t.dtype === 'int32' && dtype === 'float32' ? 'embed token ids first: `Embedding(vocab, d_model)(ids)`' : undefined,
      });
      return ERROR;
    }
    const shape = port.type.dims.map((d) => this.evalDim(d, env, 'block'));
    const isMask = dtype === 'mask';
    const expected = renderShape(shape);
    if (t.shape.length !== shape.length) {
      this.reporter.error('TFM3004', `\`${port.name.name}\` of \`${block}\` expects rank ${shape.length} \`${expected}\`, but this is \`${renderShape(t.shape)}\``, { ...argSource, message: `this is \`${renderShape(t.shape)}\`` }, {
        secondary: [declared],
      });
      return ERROR;
    }
    for (let i = 0; i < shape.length; i++) {
      const ok = isMask ? unifyBroadcast(t.shape[i], shape[i]).ok : unify(t.shape[i], shape[i]);
      if (!ok) {
        const isMemory = port.name.name === 'memory' || port.name.name === 'kv';
        const got = renderDim(t.shape[i]);
        const want = renderDim(shape[i]);
        const message = isMemory && i === shape.length - 1
          ? `cross-attention memory has width ${got}, but \`${block}\` attends with width ${want}`
          : isMask
            ? `mask of shape \`${renderShape(t.shape)}\` does not fit \`${port.name.name}\` of \`${block}\` (\`${renderShape(shape)}\`)`
            : `\`${port.name.name}\` of \`${block}\` expects \`${renderShape(shape)}\`, but this is \`${renderShape(t.shape)}\``;
        const dimLabels: Label[] = [];
        const r = resolve(t.shape[i]);
        if (r.kind === 'const' && r.origin) dimLabels.push({ file: r.origin.file, span: r.origin.span, message: `${r.value} comes from ${r.origin.what}` });
        const w = resolve(shape[i]);
        if (w.kind === 'const' && w.origin) dimLabels.push({ file: w.origin.file, span: w.origin.span, message: `${w.value} comes from ${w.origin.what}` });
        this.reporter.error(isMask ? 'TFM3005' : 'TFM3004', message, { ...argSource, message: `dimension ${i} is ${got}, expected ${want}` }, {
          secondary: [declared, ...dimLabels],
          help: isMemory && i === shape.length - 1 ? 'the encoder output fed to cross-attention must have the decoder\'s d_model (or project it with a Linear)' : undefined,
        });
        return ERROR;
      }
    }
    return v;
  }
}


let layerCloning = true;
let layersCopied = 0;
/** How many stack layers were built by copying (tests check the fast path is taken). */
export function layerCopyCount(): number {
  return layersCopied;
}
/** Turns the copying of identical stack layers off (tests compare both ways). */
export function setLayerCloning(on: boolean): void {
  layerCloning = on;
}

function sameShape(a: TensorValue, b: TensorValue): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => dimEquals(d, b.shape[i]));
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

const PARAM_TYPES = ['int', 'float', 'bool', 'layer', 'tensor'];

function namedType(name: string): ArgSpec['type'] {
  return name === 'int' ? 'int' : name === 'float' ? 'float' : name === 'bool' ? 'bool' : name === 'tensor' ? 'tensor' : name === 'layer' ? 'module' : 'string';
}

export function depthOf(path: string): number {
  let n = 0;
  for (let i = path.indexOf('.'); i >= 0; i = path.indexOf('.', i + 1)) n++;
  return n;
}

export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1e4) / 1e4);
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Compact source-like text of an expression, for messages. */
export function exprText(e: A.Expr): string {
  switch (e.kind) {
    case 'IntLit':
    case 'FloatLit':
      return e.text;
    case 'BoolLit':
      return String(e.value);
    case 'StringLit':
      return e.text;
    case 'NameExpr':
      return e.name;
    case 'UnaryExpr':
      return `${e.op}${exprText(e.operand)}`;
    case 'BinaryExpr':
      return `${exprText(e.left)} ${e.op} ${exprText(e.right)}`;
    case 'CallExpr':
      return `${exprText(e.callee)}(${e.args.map((a) => (a.name ? `${a.name.name}: ` : '') + exprText(a.value)).join(', ')})`;
    case 'MemberExpr':
      return `${exprText(e.object)}.${e.name.name}`;
    case 'RepeatExpr':
      return `repeat ${exprText(e.count)} { ... }`;
    case 'ErrorExpr':
      return '?';
  }
}

/** The `OpContext` an op's shape rule sees while the evaluator applies it. */
class LoweringOpContext implements OpContext {
  constructor(
    private readonly ev: Evaluator,
    private readonly env: Env,
    readonly callSite: SourceRef,
    private readonly sources: Record<string, SourceRef>,
    private readonly layer?: LayerModule,
  ) {}

  get modulePath(): string {
    return this.layer?.path ?? this.env.prefix;
  }

  argSource(name: string): SourceRef {
    return this.sources[name] ?? this.layer?.argSources[name] ?? this.callSite;
  }

  error(code: Parameters<OpContext['error']>[0], message: string, extra: Parameters<OpContext['error']>[2] = {}): void {
    this.ev.reporter.error(code, message, extra.primary ?? this.callSite, { secondary: extra.secondary, notes: extra.notes, help: extra.help });
  }

  shapeLabel(t: TensorValue, prefix?: string): Label {
    return { ...t.source, message: prefix ?? `this is \`${renderShape(t.shape)}\`` };
  }

  emit(...[opName, inputs, outputs, attrs = {}, params = {}]: Parameters<OpContext['emit']>): TensorValue[] {
    return this.ev.graph.emit(opName, inputs, outputs, attrs, params, this.modulePath, this.callSite);
  }

  param(role: string, shape: number[], init: string): string {
    const owner = this.modulePath;
    const name = owner ? `${owner}.${role}` : role;
    const existing = this.ev.graph.params.get(name);
    if (existing) {
      if (existing.shape.join() !== shape.join()) {
        this.ev.reporter.error('TFM3012', `a shared layer is applied to inputs of different shapes: \`${name}\` is \`[${existing.shape.join(', ')}]\` from its first use, but this use needs \`[${shape.join(', ')}]\``, this.callSite, {
          secondary: [{ ...existing.source, message: 'first applied here' }],
        });
      }
      return name;
    }
    for (const d of shape) if (!(Number.isInteger(d) && d > 0)) return name; // reported by the caller
    this.ev.graph.params.set(name, { name, shape, init, module: owner, source: this.callSite });
    return name;
  }

  upperBound(d: Dim): { max: number; source: SourceRef } | undefined {
    return this.ev.upperBound(d);
  }

  moduleParam(module: Value, role: string): { name: string; shape: number[] } | undefined {
    if (module.kind !== 'module' || module.module.kind !== 'layer') return undefined;
    const m = module.module;
    const name = `${m.path}.${role}`;
    const p = this.ev.graph.params.get(name);
    if (p) return { name, shape: p.shape };
    // A table that is tied before its own first use: its shape follows from its arguments.
    if (m.op.name === 'Embedding' && role === 'weight') {
      const rows = m.args.num;
      const dim = m.args.dim;
      if (rows?.kind === 'int' && dim?.kind === 'int') {
        this.ev.graph.params.set(name, { name, shape: [rows.value, dim.value], init: 'embedding', module: m.path, source: m.source });
        return { name, shape: [rows.value, dim.value] };
      }
    }
    return undefined;
  }
}

/**
 * Statements that belong to only one kind of body: `config`, `input`, `output` and `loss` to
 * models; `in` and `out` to blocks. Shared with the rule that checks uninstantiated blocks.
 */
export function misplacement(s: A.Stmt, isModel: boolean): { message: string; help: string } | undefined {
  const message = `this statement is not allowed in a ${isModel ? 'model' : 'block'}`;
  switch (s.kind) {
    case 'ConfigBlock':
      return isModel ? undefined : { message, help: 'a block takes its configuration as parameters: `block Name(d_model: int, ...)`' };
    case 'InputDecl':
      if (isModel === (s.keyword === 'input')) return undefined;
      return { message, help: s.keyword === 'in' ? 'a model declares its inputs with `input`' : 'a block declares its ports with `in`' };
    case 'OutStmt':
      if (isModel === (s.keyword === 'output')) return undefined;
      return { message, help: s.keyword === 'out' ? '`out` gives a block its result; a model declares `output name = ...`' : '`output` declares a model output; a block gives its result with `out`' };
    case 'LossStmt':
      return isModel ? undefined : { message, help: '`loss` belongs in a model' };
    default:
      return undefined;
  }
}
