/**
 * Symbolic dimensions and their unification.
 *
 * - `const`: a known integer (`512`), with where it came from, for error labels.
 * - `sym`: a rigid named dimension from a model input (`batch`, `seq`): equal only to itself.
 * - `var`: a pattern variable from a block port (`B`, `T`), bound by unification per application.
 * - `expr`: a derived dimension (`seq + 1`, `(frames - 1) / 2 + 1`), equal when structurally equal.
 * - `error`: the result of a failed step; unifies with anything so one mistake gives one report.
 */
import type { SourceRef } from './source-ref.js';

export type Dim = ConstDim | SymDim | VarDim | ExprDim | ErrorDim;

export interface ConstDim {
  kind: 'const';
  value: number;
  /** Where the size was written (`what`: "`image`"), and `set`: where that config value was set. */
  origin?: SourceRef & { what: string; set?: SourceRef & { name: string; cli?: string } };
}
export interface SymDim {
  kind: 'sym';
  name: string;
}
export interface VarDim {
  kind: 'var';
  name: string;
  id: number;
  ref: { binding?: Dim };
}
export interface ExprDim {
  kind: 'expr';
  op: '+' | '-' | '*' | 'floordiv' | 'ceildiv';
  left: Dim;
  right: Dim;
}
export interface ErrorDim {
  kind: 'error';
}

export const ERROR_DIM: ErrorDim = { kind: 'error' };

let nextVar = 1;
export function freshVar(name: string): VarDim {
  return { kind: 'var', name, id: nextVar++, ref: {} };
}

export function constDim(value: number, origin?: ConstDim['origin']): ConstDim {
  return origin ? { kind: 'const', value, origin } : { kind: 'const', value };
}

/** Follows variable bindings to the representative dim. */
export function resolve(d: Dim): Dim {
  while (d.kind === 'var' && d.ref.binding) d = d.ref.binding;
  if (d.kind === 'expr') {
    const l = resolve(d.left);
    const r = resolve(d.right);
    if (l.kind === 'error' || r.kind === 'error') return ERROR_DIM;
    if (l.kind === 'const' && r.kind === 'const') return constDim(applyOp(d.op, l.value, r.value));
    if (l !== d.left || r !== d.right) return { ...d, left: l, right: r };
  }
  return d;
}

function applyOp(op: ExprDim['op'], a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case 'floordiv':
      return Math.floor(a / b);
    case 'ceildiv':
      return Math.ceil(a / b);
  }
}

/** Builds a derived dim, folding constants and `x + 0`, `x * 1`. */
export function dimOp(op: ExprDim['op'], left: Dim, right: Dim): Dim {
  const l = resolve(left);
  const r = resolve(right);
  if (l.kind === 'error' || r.kind === 'error') return ERROR_DIM;
  if (l.kind === 'const' && r.kind === 'const') return constDim(applyOp(op, l.value, r.value));
  // Normal form: `x - c` is `x + (-c)`, constants on the right, `(x + a) + b` is `x + (a + b)`.
  if (op === '-' && r.kind === 'const') return dimOp('+', l, constDim(-r.value));
  if ((op === '+' || op === '*') && l.kind === 'const') return dimOp(op, r, l);
  if (r.kind === 'const') {
    if (op === '+' && r.value === 0) return l;
    if ((op === '*' || op === 'floordiv' || op === 'ceildiv') && r.value === 1) return l;
    if (op === '+' && l.kind === 'expr' && l.op === '+') {
      const inner = resolve(l.right);
      if (inner.kind === 'const') return dimOp('+', l.left, constDim(inner.value + r.value));
    }
    // `(x * a) * b` is `x * (a · b)`, so `batch * 4 * 4` and `batch * 16` are one size.
    if (op === '*' && l.kind === 'expr' && l.op === '*') {
      const inner = resolve(l.right);
      if (inner.kind === 'const') return dimOp('*', l.left, constDim(inner.value * r.value));
    }
  }
  return { kind: 'expr', op, left: l, right: r };
}

/** Unifies two dims; returns false when they cannot be equal (nothing is bound then). */
export function unify(a: Dim, b: Dim): boolean {
  const x = resolve(a);
  const y = resolve(b);
  if (x === y) return true;
  if (x.kind === 'error' || y.kind === 'error') return true;
  if (x.kind === 'var') {
    if (occurs(x, y)) return false;
    x.ref.binding = y;
    return true;
  }
  if (y.kind === 'var') return unify(y, x);
  if (x.kind === 'const' && y.kind === 'const') return x.value === y.value;
  if (x.kind === 'sym' && y.kind === 'sym') return x.name === y.name;
  if (x.kind === 'expr' && y.kind === 'expr') return x.op === y.op && dimEquals(x.left, y.left) && dimEquals(x.right, y.right);
  return false;
}

function occurs(v: VarDim, d: Dim): boolean {
  const r = resolve(d);
  if (r === v) return true;
  if (r.kind === 'expr') return occurs(v, r.left) || occurs(v, r.right);
  return false;
}

/** Structural equality without binding anything. */
export function dimEquals(a: Dim, b: Dim): boolean {
  const x = resolve(a);
  const y = resolve(b);
  if (x === y) return true;
  if (x.kind === 'error' || y.kind === 'error') return true;
  if (x.kind === 'const' && y.kind === 'const') return x.value === y.value;
  if (x.kind === 'sym' && y.kind === 'sym') return x.name === y.name;
  if (x.kind === 'var' && y.kind === 'var') return x.id === y.id;
  if (x.kind === 'expr' && y.kind === 'expr') return x.op === y.op && dimEquals(x.left, y.left) && dimEquals(x.right, y.right);
  return false;
}

/** Unifies a dim pair where a size of 1 on either side broadcasts (elementwise ops, masks). */
export function unifyBroadcast(a: Dim, b: Dim): { ok: boolean; result: Dim } {
  const x = resolve(a);
  const y = resolve(b);
  if (x.kind === 'const' && x.value === 1) return { ok: true, result: y };
  if (y.kind === 'const' && y.value === 1) return { ok: true, result: x };
  if (unify(x, y)) return { ok: true, result: resolve(x).kind === 'error' ? y : x };
  return { ok: false, result: ERROR_DIM };
}

export function isKnown(d: Dim): d is ConstDim {
  return resolve(d).kind === 'const';
}

export function constValue(d: Dim): number | undefined {
  const r = resolve(d);
  return r.kind === 'const' ? r.value : undefined;
}

export function renderDim(d: Dim): string {
  const r = resolve(d);
  switch (r.kind) {
    case 'const':
      return String(r.value);
    case 'sym':
      return r.name;
    case 'var':
      return r.name;
    case 'error':
      return '?';
    case 'expr': {
      const prec = (x: Dim) => {
        const e = resolve(x);
        return e.kind !== 'expr' ? 3 : e.op === '+' || e.op === '-' ? 1 : 2;
      };
      const mine = prec(r);
      const left = prec(r.left) < mine ? `(${renderDim(r.left)})` : renderDim(r.left);
      const right = prec(r.right) <= mine && resolve(r.right).kind === 'expr' ? `(${renderDim(r.right)})` : renderDim(r.right);
      if (r.op === 'floordiv') return `${left} / ${right}`;
      if (r.op === 'ceildiv') return `ceil(${renderDim(r.left)} / ${renderDim(r.right)})`;
      const rc = resolve(r.right);
      if (r.op === '+' && rc.kind === 'const' && rc.value < 0) return `${left} - ${-rc.value}`;
      return `${left} ${r.op} ${right}`;
    }
  }
}

export function renderShape(shape: readonly Dim[]): string {
  return `[${shape.map(renderDim).join(', ')}]`;
}

/** Evaluates a dim with values for its symbols (summaries: batch, seq). Unbound vars and errors → undefined. */
export function evalDim(d: Dim, env: (sym: string) => number | undefined): number | undefined {
  const r = resolve(d);
  switch (r.kind) {
    case 'const':
      return r.value;
    case 'sym':
      return env(r.name);
    case 'var':
    case 'error':
      return undefined;
    case 'expr': {
      const l = evalDim(r.left, env);
      const rr = evalDim(r.right, env);
      return l === undefined || rr === undefined ? undefined : applyOp(r.op, l, rr);
    }
  }
}

/** The rigid symbols a dim mentions. */
export function dimSymbols(d: Dim, out: Set<string> = new Set()): Set<string> {
  const r = resolve(d);
  if (r.kind === 'sym') out.add(r.name);
  else if (r.kind === 'expr') {
    dimSymbols(r.left, out);
    dimSymbols(r.right, out);
  }
  return out;
}

/** A dim with every variable replaced by its binding (so the IR holds no union-find links). */
export function freeze(d: Dim): Dim {
  const r = resolve(d);
  if (r.kind === 'expr') {
    const left = freeze(r.left);
    const right = freeze(r.right);
    return left === r.left && right === r.right ? r : { ...r, left, right };
  }
  if (r.kind === 'const' && r.origin) return { kind: 'const', value: r.value };
  return r;
}

/**
 * `d` as the IR holds it (as {@link freeze} makes it), or undefined while it still mentions an
 * unbound variable, which a later unification may bind. A dim with no variable left cannot
 * change, so this can be done as soon as the dim is made, while it is in the cache.
 */
export function settled(d: Dim): Dim | undefined {
  const r = resolve(d);
  switch (r.kind) {
    case 'const':
      return r.origin ? plainConst(r.value) : r;
    case 'var':
      return undefined;
    case 'expr': {
      const left = settled(r.left);
      const right = left && settled(r.right);
      if (!left || !right) return undefined;
      return left === r.left && right === r.right ? r : { kind: 'expr', op: r.op, left, right };
    }
    default:
      return r;
  }
}

/**
 * Constants without an origin, one per value and shared (IR dims are never modified): the IR's
 * copies of the sizes that remembered where they were written cost no allocation.
 */
const smallConsts: ConstDim[] = [];
const plainConsts = new Map<number, ConstDim>();
function plainConst(value: number): ConstDim {
  const small = Number.isInteger(value) && value >= 0 && value < 4096; // most sizes: an array, not a hash lookup
  let c = small ? smallConsts[value] : plainConsts.get(value);
  if (!c) {
    c = Object.freeze({ kind: 'const', value }) as ConstDim;
    if (small) smallConsts[value] = c;
    else plainConsts.set(value, c);
  }
  return c;
}
