/**
 * Moving axes around: `reshape(x, [dims])`, its named forms `split_axis` (one axis into several,
 * Swin's window partition) and `merge_axes` (several into one, back again), and `permute` (an axis
 * order). The element count is checked symbolically: `[batch, 56, 56, 96]` may become
 * `[batch, 8, 7, 8, 7, 96]` or `[batch * 64, 49, 96]`, never `[batch, 49, 96]`.
 */
import { dimEquals, dimOp, renderDim, renderShape, resolve, type Dim } from '../dims.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { TensorValue } from '../types.js';
import type { OpContext, Value } from '../values.js';
import { functionOp, type ShapeArg } from './declare.js';
import { axisIndex, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const reshape = functionOp('reshape', 'The same entries in a new shape: `[batch, seq, 64]` → `[batch, seq, 4, 16]`; the element counts must agree.', {
  args: {
    x: ['tensor', 'any tensor'],
    shape: ['shape', 'the new shape, a list of dimensions (`[batch, seq, heads, d_k]`)'],
  },
  apply(ctx, { x, shape }) {
    return reshaped(ctx, x, [...shape.dims], shape, 'shape', () => `reshape \`${renderShape(x.shape)}\` to \`${renderShape(shape.dims)}\``);
  },
});

export const splitAxis = functionOp('split_axis', 'One axis split into several whose sizes multiply to it: `split_axis(x, -1, [heads, d_k])`.', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the axis to split (negative counts from the end)'],
    sizes: ['shape', 'the sizes of the new axes, in order'],
  },
  apply(ctx, { x, axis, sizes }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const target = [...x.shape.slice(0, a), ...sizes.dims, ...x.shape.slice(a + 1)];
    return reshaped(ctx, x, target, sizes, 'sizes', () => `split axis ${axis} of size ${renderDim(x.shape[a])} into \`${renderShape(sizes.dims)}\``);
  },
});

export const mergeAxes = functionOp('merge_axes', 'Axes `axis … axis + count − 1` merged into one, the product of their sizes.', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the first axis merged (negative counts from the end)'],
    count: ['int', 'how many neighbouring axes', 2],
  },
  apply(ctx, { x, axis, count }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    if (count < 2 || a + count > x.shape.length) {
      ctx.error('TFM3008', `cannot merge ${count} axes from axis ${axis} of a tensor of rank ${x.shape.length}`, {
        primary: ctx.argSource('count'),
        secondary: [ctx.shapeLabel(x)],
        help: `\`count\` must be between 2 and ${x.shape.length - a}, the axes from axis ${axis} to the last`,
      });
      return ERROR;
    }
    const merged = x.shape.slice(a, a + count).reduce((p: Dim, d) => dimOp('*', p, d));
    const target = [...x.shape.slice(0, a), merged, ...x.shape.slice(a + count)];
    return asValue(emitReshape(ctx, x, target));
  },
});

export const permute = functionOp('permute', 'The axes in a new order: `permute(x, [0, 2, 1, 3])` swaps axes 1 and 2.', {
  args: {
    x: ['tensor', 'any tensor'],
    order: ['ints', 'where each result axis comes from: a permutation of 0 … rank − 1'],
  },
  apply(ctx, { x, order }) {
    const rank = x.shape.length;
    const axes = order.map((a) => (a < 0 ? a + rank : a));
    const seen = new Set(axes);
    if (axes.length !== rank || seen.size !== rank || axes.some((a) => a < 0 || a >= rank)) {
      ctx.error('TFM3008', `\`[${order.join(', ')}]\` is not an order of the ${rank} axes of \`${renderShape(x.shape)}\``, {
        primary: ctx.argSource('order'),
        secondary: [ctx.shapeLabel(x)],
        help: `list each of the axes ${[...Array(rank).keys()].join(', ')} once, in the order wanted`,
      });
      return ERROR;
    }
    const [out] = ctx.emit('permute', [x], [{ dtype: x.dtype, shape: axes.map((a) => x.shape[a]) }], { order: axes });
    return { kind: 'tensor', tensor: out };
  },
});

export const expand = functionOp('expand', 'An axis of size 1 stretched to the size of the same axis of `like` (a learned array copied over the batch).', {
  args: {
    x: ['tensor', 'a tensor with a size-1 axis'],
    like: ['tensor', 'the tensor whose size to take (its values are not read)'],
    axis: ['int', 'the axis stretched, in both (negative counts from the end)', 0],
  },
  apply(ctx, { x, like, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const b = axis < 0 ? axis + like.shape.length : axis;
    const one = resolve(x.shape[a]);
    if (b < 0 || b >= like.shape.length || one.kind !== 'const' || one.value !== 1) {
      ctx.error('TFM3008', b < 0 || b >= like.shape.length ? `axis ${axis} is out of range for \`like\`, of rank ${like.shape.length}` : `\`expand\` stretches an axis of size 1, but axis ${axis} of its input is ${renderDim(x.shape[a])}`, {
        primary: ctx.argSource(b < 0 || b >= like.shape.length ? 'like' : 'x'),
        secondary: [ctx.shapeLabel(x)],
        help: 'make the axis first with `split_axis(x, 0, [1, n])`',
      });
      return ERROR;
    }
    const shape = x.shape.map((d, i) => (i === a ? like.shape[b] : d));
    const [out] = ctx.emit('expand', [x, like], [{ dtype: x.dtype, shape }], { axis: a, like_axis: b });
    return { kind: 'tensor', tensor: out };
  },
});

/** Checks that `target` holds as many entries as `x` and names only sizes `x` has, then emits it. */
/** `what`: the operation as the error message names it, built only when there is an error. */
function reshaped(ctx: OpContext, x: TensorValue, target: Dim[], written: ShapeArg, arg: string, what: () => string): Value {
  // A name in the target that no axis of `x` mentions is a typo or an axis of another tensor.
  // (The input's names are listed only when the target names any: most targets are numbers and
  // the input's own shape variables.)
  for (let i = 0; i < written.dims.length; i++) {
    const stray = strayName(written.dims[i], x.shape);
    if (stray === undefined) continue;
    const mine = new Set(x.shape.flatMap((d) => namesIn(d)));
    ctx.error('TFM3015', `\`${stray}\` is not a size of any axis of \`${renderShape(x.shape)}\``, {
      primary: { ...written.sources[i], message: 'not an axis of the input' },
      secondary: [ctx.shapeLabel(x)],
      help: didYouMean(stray, [...mine]) ?? (mine.size ? `the input's named sizes are ${[...mine].map((n) => `\`${n}\``).join(', ')}` : 'the input has only numeric sizes: write numbers'),
    });
    return ERROR;
  }
  if (!sameElementCount(x.shape, target)) {
    const product = (s: readonly Dim[]) => (s.length ? s.map(renderDim).join(' · ') : '1');
    ctx.error('TFM3014', `cannot ${what()}: the element counts differ`, {
      primary: { ...ctx.argSource(arg), message: `${product(target)} entries` },
      secondary: [ctx.shapeLabel(x, `this has ${product(x.shape)} entries`)],
      help: 'the sizes of the new shape must multiply to the old element count; a symbolic size (`batch`) must appear on both sides, possibly multiplied into another size',
    });
    return ERROR;
  }
  return asValue(emitReshape(ctx, x, target));
}

/**
 * Emits the node. Its `dims` attribute says how each result size is found at run time: a size
 * ≥ 0 is that number, `-(i + 2)` is the size of input axis `i`, and `-1` is inferred from the
 * element count (at most one may be).
 */
export function emitReshape(ctx: OpContext, x: TensorValue, target: Dim[]): TensorValue | undefined {
  let used: Set<number> | undefined;
  let inferred = -1;
  const dims = new Array<number>(target.length); // kept in the IR: made at its length
  for (let i = 0; i < target.length; i++) {
    const d = target[i];
    const r = resolve(d);
    if (r.kind === 'const') {
      dims[i] = r.value;
      continue;
    }
    let from = -1;
    for (let j = 0; j < x.shape.length && from < 0; j++) if (!used?.has(j) && dimEquals(x.shape[j], r) && resolve(x.shape[j]).kind !== 'const') from = j;
    if (from >= 0) {
      (used ??= new Set()).add(from);
      dims[i] = -(from + 2);
      continue;
    }
    if (inferred >= 0) {
      ctx.error('TFM3008', `\`${renderDim(target[inferred])}\` and \`${renderDim(d)}\` are both new symbolic sizes: a reshape can work out only one of them`, {
        primary: ctx.callSite,
        secondary: [ctx.shapeLabel(x)],
        help: 'keep all but one symbolic size as an axis of its own (reshape `[batch * seq, d]` back with `split_axis` only when `batch` or `seq` stays known)',
      });
      return undefined;
    }
    inferred = i;
    dims[i] = -1;
  }
  const [out] = ctx.emit('reshape', [x], [{ dtype: x.dtype, shape: target }], { dims });
  return out;
}

function asValue(t: TensorValue | undefined): Value {
  return t ? { kind: 'tensor', tensor: t } : ERROR;
}

/** The first symbol or variable name `d` mentions that no dim of `shape` mentions (no list is built: every reshape asks). */
function strayName(d: Dim, shape: readonly Dim[]): string | undefined {
  const r = resolve(d);
  if (r.kind === 'sym' || r.kind === 'var') {
    for (let i = 0; i < shape.length; i++) if (mentions(shape[i], r.name)) return undefined;
    return r.name;
  }
  if (r.kind === 'expr') return strayName(r.left, shape) ?? strayName(r.right, shape);
  return undefined;
}

function mentions(d: Dim, name: string): boolean {
  const r = resolve(d);
  if (r.kind === 'sym' || r.kind === 'var') return r.name === name;
  return r.kind === 'expr' && (mentions(r.left, name) || mentions(r.right, name));
}

/** The symbol and variable names a dimension mentions. */
function namesIn(d: Dim, out: string[] = []): string[] {
  const r = resolve(d);
  if (r.kind === 'sym' || r.kind === 'var') out.push(r.name);
  else if (r.kind === 'expr') {
    namesIn(r.left, out);
    namesIn(r.right, out);
  }
  return out;
}

/** Scratch lists of symbolic factors: every reshape compares two element counts, and these are not kept. */
const haveFactors: string[] = [];
const wantFactors: string[] = [];

/**
 * Whether two shapes hold as many entries: each count is a number times a sorted list of symbolic
 * factors, so that `[batch * 64, 49]` and `[batch, 8, 7, 8, 7]` compare equal; false when a size
 * is unknown.
 */
function sameElementCount(a: readonly Dim[], b: readonly Dim[]): boolean {
  const x = monomial(a, haveFactors);
  const y = monomial(b, wantFactors);
  if (x === undefined || y === undefined || x !== y || haveFactors.length !== wantFactors.length) return false;
  for (let i = 0; i < haveFactors.length; i++) if (haveFactors[i] !== wantFactors[i]) return false;
  return true;
}

/** The element count of `shape`: its number, with its symbolic factors sorted into `factors`; undefined when a size is unknown. */
function monomial(shape: readonly Dim[], factors: string[]): number | undefined {
  factors.length = 0;
  let coefficient: number | undefined = 1;
  for (let i = 0; i < shape.length && coefficient !== undefined; i++) coefficient = addFactors(shape[i], factors, coefficient);
  factors.sort();
  return coefficient;
}

/** Multiplies `d` into the count `coefficient` × `factors`; undefined when it is unknown. */
function addFactors(d: Dim, factors: string[], coefficient: number): number | undefined {
  const r = resolve(d);
  if (r.kind === 'error') return undefined;
  if (r.kind === 'const') return coefficient * r.value;
  if (r.kind === 'expr' && r.op === '*') {
    const left = addFactors(r.left, factors, coefficient);
    return left === undefined ? undefined : addFactors(r.right, factors, left);
  }
  factors.push(r.kind === 'sym' || r.kind === 'var' ? r.name : renderDim(r));
  return coefficient;
}

export const kernels: Kernels = {
  reshape: {
    tfjs: (k) => k.call('reshapeTo', k.input(0), k.attr('dims')),
    torch: (k) => `rt.reshape_to(${k.input(0)}, ${JSON.stringify(k.value('dims'))})`,
    stem: 'reshaped',
  },
  expand: {
    tfjs: (k) => k.call('expandLike', k.input(0), k.input(1), k.attr('axis'), k.attr('like_axis')),
    torch: (k) => `rt.expand_like(${k.input(0)}, ${k.input(1)}, ${k.int('axis')}, ${k.int('like_axis')})`,
    stem: 'expanded',
  },
  permute: {
    tfjs: (k) => k.call('tf.transpose', k.input(0), k.attr('order')),
    torch: (k) => `${k.input(0)}.permute(${(k.value('order') as number[]).join(', ')})`,
    stem: 'permuted',
  },
};
