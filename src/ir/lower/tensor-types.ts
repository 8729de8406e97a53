/**
 * Tensor types as a spec writes them: dtypes, dimensions (a model's symbolic dims, a block's shape
 * variables, config arithmetic) and the `where` bounds on a model's inputs.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { constDim, dimOp, freshVar, resolve, type Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import { DTYPES, type DType, type TensorValue, type ValueRangeIR } from '../types.js';
import { describeValue, ERROR, type Value } from '../values.js';
import { maskInput } from '../ops/masks.js';
import { fmt } from './format-numbers.js';
import { didYouMeanHelp } from '../../diagnostics/suggest.js';
import type { Env, Lowering } from './lowering.js';
import { quotedName } from './quoted-name.js';

export function dtypeOf(ev: Lowering, t: A.TensorType, env: Env): DType | undefined {
  const name = t.dtype.name;
  if ((DTYPES as readonly string[]).includes(name)) return name as DType;
  if (name === '') return undefined;
  const alias: Record<string, DType> = { int: 'int32', float: 'float32', int64: 'int32', long: 'int32', double: 'float32', float64: 'float32', float16: 'float32', f32: 'float32', i32: 'int32' };
  ev.reporter.error('TFM2001', `unknown dtype \`${name}\``, ev.ref(env, t.dtype), {
    help: alias[name]
      ? { message: `did you mean \`${alias[name]}\`?`, edits: [{ ...ev.ref(env, t.dtype), text: alias[name] }] }
      : didYouMeanHelp(name, DTYPES, ev.ref(env, t.dtype), `dtypes are ${DTYPES.join(', ')}`),
  });
  return undefined;
}

/**
 * A dimension in a tensor type. In a model, an unbound name is a symbolic dim (`batch`, `seq`);
 * in a block, a Capitalised name is a shape variable (`B`, `Tq`), other names must be parameters.
 */
export function evalDim(ev: Lowering, e: A.Expr, env: Env, where: 'model' | 'block'): Dim {
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
    const l = evalDim(ev, e.left, env, where);
    const r = evalDim(ev, e.right, env, where);
    return dimOp(e.op, l, r);
  }
  if (e.kind === 'BinaryExpr' && mentionsDimName(ev, e, env, where)) {
    ev.reporter.error('TFM4001', `a symbolic dimension can only be added, subtracted or multiplied, not combined with \`${e.op}\``, ev.ref(env, e), {
      help: 'declare the dimension under its own name, e.g. `half_seq`',
    });
    return { kind: 'error' };
  }
  const v = ev.evalExpr(e, env);
  return toDim(ev, v, env, e, e.kind === 'NameExpr' ? quotedName(e.name) : 'this expression');
}

/** `[batch, seq, heads, d_k]` as a shape argument: each item a dimension, as in a tensor type. */
export function evalShape(ev: Lowering, e: A.ListExpr, env: Env): Value {
  const dims = e.items.map((d) => evalDim(ev, d, env, env.isModel ? 'model' : 'block'));
  if (dims.some((d) => d.kind === 'error')) return { kind: 'error' };
  return { kind: 'shape', dims, sources: e.items.map((d) => ev.ref(env, d)) };
}

/** Whether an expression mentions a name that would be a symbolic dim or shape variable. */
function mentionsDimName(ev: Lowering, e: A.Expr, env: Env, where: 'model' | 'block'): boolean {
  if (e.kind === 'NameExpr') {
    const b = env.scope.lookup(e.name);
    return (!b || b.kind === 'global') && (where === 'model' || /^[A-Z]/.test(e.name));
  }
  if (e.kind === 'BinaryExpr') return mentionsDimName(ev, e.left, env, where) || mentionsDimName(ev, e.right, env, where);
  if (e.kind === 'UnaryExpr') return mentionsDimName(ev, e.operand, env, where);
  return false;
}

/** `e`, whose value is `v`, as a dimension; its source reference is made only for an error (most sizes are fine). */
function toDim(ev: Lowering, v: Value, env: Env, e: A.Expr, what: string): Dim {
  if (v.kind === 'error') return { kind: 'error' };
  if (v.kind === 'int' && v.value > 0) {
    const file = env.file;
    const span = e.span;
    return constDim(v.value, v.origin ? { file, span, what, set: v.origin } : { file, span, what });
  }
  const source = ev.ref(env, e);
  if (v.kind === 'int') {
    // Not positive. `-1` is PyTorch's and NumPy's "infer this size"; here sizes are written (or inferred by the ops that can).
    const help = v.value === -1 ? 'there is no `-1` ("infer this size") in a shape: write the size (config arithmetic such as `d_model / heads` works), or use `split_axis` or `rearrange`, which infer one size' : undefined;
    ev.reporter.error('TFM3010', `a dimension must be positive, but ${what} is ${v.value}`, source, { help });
    return { kind: 'error' };
  }
  if (v.kind === 'float') {
    ev.reporter.error('TFM3011', `a dimension must be a whole number, but ${what} is ${fmt(v.value)}`, source);
    return { kind: 'error' };
  }
  ev.reporter.error('TFM4001', `a dimension must be an integer, but ${what} is ${describeValue(v)}`, source);
  return { kind: 'error' };
}

/** `where seq <= ctx`, `where seq < 512`, `where seq > 0`: bounds on a model's symbolic dims. */
export function addConstraint(ev: Lowering, c: A.Expr, env: Env): void {
  if (c.kind === 'BinaryExpr' && ['<', '<=', '>', '>=', '=='].includes(c.op) && c.left.kind === 'NameExpr' && !env.scope.lookup(c.left.name)) {
    const v = ev.evalExpr(c.right, env);
    if (v.kind === 'error') return;
    if (v.kind !== 'int') {
      ev.reporter.error('TFM4001', `a bound must be an integer, but this is ${describeValue(v)}`, ev.ref(env, c.right));
      return;
    }
    const b = ev.bounds.get(c.left.name) ?? { source: ev.ref(env, c) };
    b.source = ev.ref(env, c);
    if (c.op === '<=' || c.op === '==') b.max = v.value;
    if (c.op === '<') b.max = v.value - 1;
    if (c.op === '>=' || c.op === '==') b.min = v.value;
    if (c.op === '>') b.min = v.value + 1;
    if (b.max !== undefined && b.max <= 0) {
      ev.reporter.error('TFM3010', `\`${c.left.name}\` can never be positive under this bound`, ev.ref(env, c));
    }
    ev.bounds.set(c.left.name, b);
    return;
  }
  ev.reporter.error('TFM4001', 'a `where` constraint must compare a dimension name with a number, like `seq <= ctx`', ev.ref(env, c));
}

export function upperBound(ev: Lowering, d: Dim): { max: number; source: SourceRef } | undefined {
  const r = resolve(d);
  if (r.kind === 'const') return { max: r.value, source: { file: '', span: { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } } } };
  if (r.kind === 'sym') {
    const b = ev.bounds.get(r.name);
    return b?.max !== undefined ? { max: b.max, source: b.source } : undefined;
  }
  if (r.kind === 'expr') {
    const l = upperBound(ev, r.left);
    const rr = resolve(r.right);
    if (!l || rr.kind !== 'const') return undefined;
    const max = r.op === '+' ? l.max + rr.value : r.op === '-' ? l.max - rr.value : r.op === '*' ? l.max * rr.value : r.op === 'floordiv' ? Math.floor(l.max / rr.value) : Math.ceil(l.max / rr.value);
    return { max, source: l.source };
  }
  return undefined;
}

/** A model input of dtype `mask`: its name binds the mask made from the data (see `maskInput`), which must be `[B | 1, Tq | 1, Tk]`. */
export function maskFromInput(ev: Lowering, s: A.InputDecl, env: Env, data: TensorValue): Value {
  if (data.shape.length !== 3) {
    ev.reporter.error('TFM3005', `a mask input must have shape \`[batch, queries, keys]\`, but \`${s.name.name}\` has ${data.shape.length} axes`, { ...ev.ref(env, s.type), message: `${data.shape.length} axes` }, {
      help: data.shape.length === 2 ? 'a key padding mask over `[batch, seq]` is `mask[batch, 1, seq]` (1 broadcasts over the queries)' : 'write `mask[batch, seq, seq]`, or 1 for an axis the mask is the same along',
    });
    return ERROR;
  }
  const source = ev.ref(env, s.name);
  return maskInput({ emit: (op, inputs, outputs, attrs = {}, params = {}) => ev.graph.emit(op, inputs, outputs, attrs, params, '', source) }, data);
}

/**
 * `in [0, vocab)`: the values an int32 input may hold, as integers (config values allowed), with
 * the upper end made exclusive. Undefined (after a report) when it is not a non-empty integer range.
 */
export function evalValueRange(ev: Lowering, r: A.ValueRange, dtype: DType, env: Env): ValueRangeIR | undefined {
  const at = ev.ref(env, r);
  if (dtype !== 'int32') {
    ev.reporter.error('TFM3009', `a value range is declared for int32 inputs (token ids, labels), but this input is ${dtype}`, at, {
      help: { message: 'remove the range', edits: [{ file: at.file, span: { start: r.span.start, end: r.span.end }, text: '' }] },
    });
    return undefined;
  }
  const low = ev.evalExpr(r.low, env);
  const high = ev.evalExpr(r.high, env);
  for (const [v, e] of [[low, r.low], [high, r.high]] as const) {
    if (v.kind !== 'int' && v.kind !== 'error') {
      ev.reporter.error('TFM4001', `the ends of a value range must be integers, but this is ${describeValue(v)}`, ev.ref(env, e));
      return undefined;
    }
  }
  if (low.kind !== 'int' || high.kind !== 'int') return undefined;
  const max = r.highInclusive ? high.value + 1 : high.value;
  if (max <= low.value) {
    ev.reporter.error('TFM4008', `the value range \`[${low.value}, ${high.value}${r.highInclusive ? ']' : ')'}\` is empty`, at, {
      help: 'a range `[low, high)` holds low, low + 1, ..., high - 1',
    });
    return undefined;
  }
  return { min: low.value, max, source: at };
}
