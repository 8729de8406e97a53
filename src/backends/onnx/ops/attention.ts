/** Multi-head reshapes, softmax, and the position biases and rotations of attention. */
import { constValue } from '../../../ir/dims.js';
import { alibiSlopes } from '../../../runtime/positions.js';
import type { OnnxGraph } from '../graph.js';
import type { LowerSite, Lowerings } from '../site.js';
import { range } from './masks.js';

/** float `[n]` positions for an int64 `[1]` size. */
function floatRange(g: OnnxGraph, size: string): string {
  return g.op('Cast', [range(g, size)], { to: 1 });
}

function softmaxLike(opType: 'Softmax' | 'LogSoftmax') {
  return (k: LowerSite) => {
    const rank = k.inValue(0).shape.length;
    const axis = k.num('axis');
    const y = k.g.op(opType, [k.input(0)], { axis });
    const rows = (axis < 0 ? axis + rank : axis) === rank - 1 ? k.rows(0) : undefined;
    return rows ? k.g.op('Mul', [y, rows]) : y;
  };
}

/**
 * T5's bucket of each relative distance `[tq, tk]` (int64), computed in float32 step by step as
 * `relativePositionBucket` of the runtime and PyTorch do.
 */
function buckets(g: OnnxGraph, relative: string, bidirectional: boolean, numBuckets: number, maxDistance: number): string {
  let n = numBuckets;
  let bucket: string | undefined;
  let r: string;
  if (bidirectional) {
    n = Math.floor(n / 2);
    bucket = g.op('Mul', [g.op('Cast', [g.op('Greater', [relative, g.scalar(0, 'int64')])], { to: 7 }), g.scalar(n, 'int64')]);
    r = g.op('Abs', [relative]);
  } else {
    r = g.op('Neg', [g.op('Min', [relative, g.scalar(0, 'int64')])]);
  }
  const maxExact = Math.floor(n / 2);
  const rf = g.op('Cast', [r], { to: 1 });
  const logRatio = g.op('Log', [g.op('Div', [rf, g.scalar(maxExact)])]);
  const scaled = g.op('Mul', [g.op('Div', [logRatio, g.scalar(Math.fround(Math.log(maxDistance / maxExact)))]), g.scalar(n - maxExact)]);
  // Distances below maxExact give a negative or infinite logarithm: clip before the integer cast (that branch is not taken).
  const large = g.op('Min', [g.op('Add', [g.op('Cast', [g.op('Max', [scaled, g.scalar(0)])], { to: 7 }), g.scalar(maxExact, 'int64')]), g.scalar(n - 1, 'int64')]);
  const inside = g.op('Where', [g.op('Less', [r, g.scalar(maxExact, 'int64')]), r, large]);
  return bucket ? g.op('Add', [bucket, inside]) : inside;
}

export const lowerings: Lowerings = {
  softmax: softmaxLike('Softmax'),
  log_softmax: softmaxLike('LogSoftmax'),
  // [B, T, H·d] → [B, H, T, d]
  split_heads: (k) => k.g.op('Transpose', [k.g.op('Reshape', [k.input(0), k.g.ints([0, 0, k.num('heads'), -1])])], { perm: [0, 2, 1, 3] }),
  // [B, H, T, d] → [B, T, H·d]
  merge_heads: (k) => k.g.op('Reshape', [k.g.op('Transpose', [k.input(0)], { perm: [0, 2, 1, 3] }), k.g.ints([0, 0, -1])]),
  // [B, h, T, d] → [B, h·times, T, d], key/value head j serving query heads j·times … (repeat_interleave)
  repeat_heads: (k) => {
    const { g } = k;
    const x = k.input(0);
    const times = k.num('times');
    const stretched = g.op('Expand', [g.op('Unsqueeze', [x, g.ints([2])]), g.ints([1, 1, times, 1, 1])]);
    const shape = g.op('Concat', [g.axisSize(x, 0), g.ints([-1]), g.op('Shape', [x], { start: 2 })], { axis: 0 });
    return g.op('Reshape', [stretched, shape]);
  },
  // Rotate-half rotary embedding of [B, H, T, d]: feature i pairs with i + d/2, position t turns the pair by t·base^(−2i/d).
  rope: (k) => {
    const { g } = k;
    const x = k.input(0);
    const d = constValue(k.inValue(0).shape[3]) ?? k.unsupported('a rotary embedding needs a known head size');
    const half = d / 2;
    const freqs = Array.from({ length: d }, (_, j) => Math.pow(k.num('base'), (-2 * (j % half)) / d));
    const angles = g.op('Mul', [g.op('Unsqueeze', [floatRange(g, g.axisSize(x, 2)), g.ints([1])]), g.constant(freqs, [1, d], 'float32')]); // [T, d]
    const [x1, x2] = g.node('Split', [x], { axis: -1 }, 2);
    const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: -1 });
    return g.op('Add', [g.op('Mul', [x, g.op('Cos', [angles])]), g.op('Mul', [rotated, g.op('Sin', [angles])])]);
  },
  // −slope_h·|i − j| → [1, heads, tq, tk]
  alibi_bias: (k) => {
    const { g } = k;
    const heads = k.num('heads');
    const queries = g.op('Unsqueeze', [floatRange(g, g.axisSize(k.input(0), 1)), g.ints([1])]);
    const keys = g.op('Unsqueeze', [floatRange(g, g.axisSize(k.input(1), 1)), g.ints([0])]);
    const distance = g.op('Abs', [g.op('Sub', [queries, keys])]);
    const slopes = g.constant(alibiSlopes(heads).map((s) => -s), [heads, 1, 1], 'float32');
    return g.op('Unsqueeze', [g.op('Mul', [slopes, distance]), g.ints([0])]);
  },
  // T5's learned bias: weight [buckets, heads] → [1, heads, tq, tk]
  relative_position_bias: (k) => {
    const { g } = k;
    const queries = g.op('Unsqueeze', [range(g, g.axisSize(k.input(0), 1)), g.ints([1])]);
    const keys = g.op('Unsqueeze', [range(g, g.axisSize(k.input(1), 1)), g.ints([0])]);
    const relative = g.op('Sub', [keys, queries]);
    const index = buckets(g, relative, k.attr('bidirectional') === true, k.num('buckets'), k.num('max_distance'));
    const values = g.op('Gather', [k.param('weight'), index], { axis: 0 }); // [tq, tk, heads]
    return g.op('Unsqueeze', [g.op('Transpose', [values], { perm: [2, 0, 1] }), g.ints([0])]);
  },
};
