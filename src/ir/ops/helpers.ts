/** Small shared checks for op shape rules: argument access, dtype and rank requirements, labels. */
import { constValue, renderDim, renderShape, resolve, unify, type Dim } from '../dims.js';
import type { Label } from '../../diagnostics/diagnostic.js';
import type { TensorValue, ValueRangeIR } from '../types.js';
import { ERROR, type OpContext, type Value } from '../values.js';

export function num(v: Value | undefined): number {
  return v && (v.kind === 'int' || v.kind === 'float') ? v.value : NaN;
}

export function bool(v: Value | undefined): boolean {
  return v?.kind === 'bool' ? v.value : false;
}

export function enumName(v: Value | undefined): string {
  return v?.kind === 'enum' ? v.name : '';
}

export function tensor(v: Value | undefined): TensorValue | undefined {
  return v?.kind === 'tensor' ? v.tensor : undefined;
}

/**
 * How a message names an op's input: `x` is "its input", the operands of an operator are "the left
 * side" / "the right side", and a named argument is quoted. (A layer applied to one input calls it
 * "its input" whatever its name: see `layerOp`.)
 */
export function subjectOf(arg: string): string {
  return arg === 'x' ? 'its input' : arg === 'a' ? 'the left side' : arg === 'b' ? 'the right side' : `\`${arg}\``;
}

/**
 * Labels for a problem with an input tensor. The primary label is the argument as written at the
 * call, which is where the mistake shows (`proj(ids)`); the expression that produced the tensor
 * (an `input`, a `let` above) is a secondary label when it is somewhere else.
 */
export function inputLabels(ctx: OpContext, t: TensorValue, arg: string, message: string): { primary: Label; secondary: Label[] } {
  const at = ctx.argSource(arg);
  const made = ctx.shapeLabel(t, t.name ? `\`${t.name}\` is defined here` : 'computed here');
  const same = made.file === at.file && made.span.start.offset === at.span.start.offset && made.span.end.offset === at.span.end.offset;
  return { primary: { ...at, message }, secondary: same ? [] : [made] };
}

/** {@link inputLabels} saying what the tensor is: "this is `[batch, seq, 512]`". */
export function shapeLabels(ctx: OpContext, t: TensorValue, arg: string): { primary: Label; secondary: Label[] } {
  return inputLabels(ctx, t, arg, `this is \`${renderShape(t.shape)}\``);
}

/** `float32` features are required (ids must be embedded first; masks are not data). */
export function requireFloat(ctx: OpContext, t: TensorValue, arg: string, opName: string, subject = subjectOf(arg)): boolean {
  if (t.dtype === 'float32') return true;
  const what = t.dtype === 'int32' ? 'integer token ids' : t.dtype === 'mask' ? 'a mask' : `${t.dtype} values`;
  const help =
    t.dtype === 'int32'
      ? 'turn token ids into vectors first, e.g. `Embedding(vocab, d_model)(ids)`'
      : t.dtype === 'mask'
        ? 'masks are applied inside attention with `masked(scores, mask)`, not used as data'
        : undefined;
  ctx.error('TFM3009', `\`${opName}\` expects float32 features, but ${subject} is ${what}`, {
    ...inputLabels(ctx, t, arg, `this is ${t.dtype}`),
    help,
  });
  return false;
}

export function requireInt(ctx: OpContext, t: TensorValue, arg: string, opName: string, subject = subjectOf(arg)): boolean {
  if (t.dtype === 'int32') return true;
  const what = t.dtype === 'float32' ? 'float32 features' : t.dtype === 'mask' ? 'a mask' : `${t.dtype} values`;
  if (t.declaredDtype && t.dtype !== 'mask') {
    // A model input used as token ids: its declared dtype is what to change (one report for all uses).
    ctx.error('TFM3009', `\`${t.name}\` is used as token ids, but it is declared ${t.dtype}`, {
      primary: { ...t.declaredDtype, message: `declared ${t.dtype} here` },
      secondary: [{ ...ctx.argSource(arg), message: `\`${opName}\` needs int32 token ids here` }],
      help: { message: 'token ids are int32 (features that are already vectors need a `Linear` projection instead)', edits: [{ ...t.declaredDtype, text: 'int32' }] },
    });
    return false;
  }
  ctx.error('TFM3009', `\`${opName}\` expects int32 token ids, but ${subject} is ${what}`, {
    ...inputLabels(ctx, t, arg, `this is ${t.dtype}`),
    help: t.dtype === 'float32' ? 'features that are already vectors need a `Linear` projection, not an embedding lookup' : undefined,
  });
  return false;
}

export function requireRank(
  ctx: OpContext,
  t: TensorValue,
  rank: number | { min: number },
  arg: string,
  opName: string,
  expected: string,
  subject = subjectOf(arg),
): boolean {
  const ok = typeof rank === 'number' ? t.shape.length === rank : t.shape.length >= rank.min;
  if (ok) return true;
  ctx.error('TFM3008', `\`${opName}\` expects ${subject} to have rank ${typeof rank === 'number' ? rank : `${rank.min} or more`} (${expected}), but it has rank ${t.shape.length}`, {
    ...shapeLabels(ctx, t, arg),
  });
  return false;
}

/** Requires the last dim of `t` to be `width` (a layer's feature size). */
export function requireWidth(ctx: OpContext, t: TensorValue, width: number, opName: string, sizeArg: string, inputArg = 'x'): boolean {
  const last = t.shape[t.shape.length - 1];
  if (last === undefined) return false;
  if (unify(last, { kind: 'const', value: width })) return true;
  const labels = shapeLabels(ctx, t, inputArg);
  const built = { ...ctx.argSource(sizeArg), message: `\`${opName}\` was built for ${width} features here` };
  // A size the user wrote at the layer is what to change; the input comes from the whole network.
  const r = resolve(last);
  const fix = r.kind === 'const' ? ctx.sizeFix(sizeArg, r.value, width) : undefined;
  ctx.error('TFM3012', `\`${opName}\` expects ${width} input features, but its input has ${renderDim(last)}`, {
    primary: fix ? { file: fix.edits[0].file, span: fix.edits[0].span, message: built.message } : labels.primary,
    secondary: fix ? [labels.primary, ...labels.secondary] : [built, ...labels.secondary],
    notes: originNotes(last),
    help: fix,
  });
  return false;
}

/** "512 comes from `d_model` (set at 4:5)" for a constant dim that remembers its origin. */
export function originNotes(...dims: Dim[]): string[] {
  const out: string[] = [];
  for (const d of dims) {
    const r = resolve(d);
    if (r.kind === 'const' && r.origin) out.push(`${r.value} comes from ${r.origin.what}`);
  }
  return out;
}

export function originLabels(...dims: Dim[]): Label[] {
  const out: Label[] = [];
  for (const d of dims) {
    const r = resolve(d);
    if (r.kind === 'const' && r.origin) out.push({ file: r.origin.file, span: r.origin.span, message: `${r.value} comes from ${r.origin.what}` });
  }
  return out;
}

export function lastDim(t: TensorValue): Dim {
  return t.shape[t.shape.length - 1];
}

export function one(ctx: OpContext, op: string, inputs: TensorValue[], dtype: TensorValue['dtype'], shape: Dim[], attrs = {}, params = {}): Value {
  const [out] = ctx.emit(op, inputs, [{ dtype, shape }], attrs, params);
  return { kind: 'tensor', tensor: out };
}

export function known(d: Dim): number | undefined {
  return constValue(d);
}

export { ERROR, renderShape };

/** Divisors of n close to `near`, for "try heads = 4 or 8" help lines. */
export function nearbyDivisors(n: number, near: number): number[] {
  // Divisors come in pairs (k, n / k): trial division up to √n finds them all, so a config value
  // of 2³¹ costs 46,341 steps, not two billion.
  const ds: number[] = [];
  for (let k = 1; k * k <= n; k++) {
    if (n % k !== 0) continue;
    ds.push(k);
    if (k * k !== n) ds.push(n / k);
  }
  ds.sort((a, b) => a - b);
  const below = ds.filter((k) => k < near).pop();
  const above = ds.find((k) => k > near);
  return [below, above].filter((k): k is number => k !== undefined && k > 0);
}

/** The positive multiples of `step` either side of `value`, the nearer first (the one above on a tie). */
export function nearestMultiples(value: number, step: number): number[] {
  const below = Math.floor(value / step) * step;
  const above = below + step;
  const best = below > 0 && value - below < above - value ? below : above;
  return [best, best === above ? below : above].filter((v) => v > 0);
}

/** The greatest common divisor (sizes that divide both sides of an image, both channel counts). */
export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** `axis` as a non-negative index of `x` (negative counts from the end), or TFM3008 at the `axis` argument. */
export function axisIndex(ctx: OpContext, x: TensorValue, axis: number): number | undefined {
  const a = axis < 0 ? axis + x.shape.length : axis;
  if (a < 0 || a >= x.shape.length) {
    ctx.error('TFM3008', `axis ${axis} is out of range for a tensor of rank ${x.shape.length}`, { primary: ctx.argSource('axis'), secondary: [ctx.shapeLabel(x)] });
    return undefined;
  }
  return a;
}

/** Ops whose output holds the values of their (first) input: a declared value range survives them. */
const KEEPS_VALUES = new Set(['shift_left', 'slice', 'reshape', 'permute', 'transpose', 'concat']);

/** The model input whose values `t` holds (through `shift_left`, `slice`, ...), if any. */
export function valueSource(ctx: OpContext, t: TensorValue): TensorValue | undefined {
  let v: TensorValue = t;
  for (let hops = 0; hops < 8; hops++) {
    const p = ctx.producer(v);
    if (!p) return v.producer === -1 ? v : undefined;
    if (!KEEPS_VALUES.has(p.op)) return undefined;
    v = p.inputs[0];
  }
  return undefined;
}

/** The declared value range (`in [0, vocab)`) of a model input `t` holds values of, if any. */
export function declaredRange(ctx: OpContext, t: TensorValue): ValueRangeIR | undefined {
  return valueSource(ctx, t)?.range;
}

/**
 * TFM3016: ids declared `in [0, 50257)` looked up in a table of 50000 rows would index past it
 * (the classic run-time "index out of range", caught at check time). The table's size, written
 * at the layer, is what the help changes; the declared range is the other side.
 */
export function checkIndexRange(ctx: OpContext, ids: TensorValue, rows: number, rowsArg: string, what: string): boolean {
  const range = declaredRange(ctx, ids);
  if (!range || (range.min >= 0 && range.max <= rows)) return true;
  const declared = { ...range.source, message: `declared to hold ${range.min} … ${range.max - 1} here` };
  if (range.min < 0) {
    ctx.error('TFM3016', `${what} cannot be negative, but \`${ids.name ?? 'the ids'}\` may hold ${range.min}`, { primary: declared, help: 'ids start at 0' });
    return false;
  }
  const fix = ctx.sizeFix(rowsArg, range.max, rows);
  const table = { ...ctx.argSource(rowsArg), message: `${what} has ${rows} rows` };
  ctx.error('TFM3016', `ids up to ${range.max - 1} may be looked up, but ${what} has only ${rows} rows`, {
    primary: fix ? { file: fix.edits[0].file, span: fix.edits[0].span, message: table.message } : table,
    secondary: [declared, { ...ctx.argSource('ids'), message: 'the ids are looked up here' }],
    help: fix ? { message: `make the table ${range.max} rows to cover the declared ids: \`${fix.edits[0].text}\``, edits: fix.edits } : `make the table ${range.max} rows, or declare the range it covers: \`in [0, ${rows})\``,
  });
  return false;
}
