/** The general tensor primitives: reductions, selection, shifts, gradient stops. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { take } from './softmax-and-losses.js';

/** Population variance along `axis` (divided by n, as the norms use; PyTorch `var(..., unbiased=False)`). */
export function populationVariance(x: tf.Tensor, axis: number, keepDims: boolean): tf.Tensor {
  return tf.moments(x, axis, keepDims).variance;
}

/**
 * The `k` largest entries along the last axis, largest first, and their int32 indices. The values
 * are read through a one-hot product, which every backend differentiates, and the indices come
 * from an op with no gradient: tfjs has no gradient for `topk`, and a router's chosen scores must
 * train.
 */
export function topK(x: tf.Tensor, k: number): [tf.Tensor, tf.Tensor] {
  const n = x.shape[x.rank - 1];
  if (k > n) throw new RuntimeError(`top_k cannot take ${k} entries from an axis of size ${n}`);
  const positions = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([t as tf.Tensor]);
    return { value: tf.topk(t as tf.Tensor, k, true).indices, gradFunc: (_dy: tf.Tensor, [st]: tf.Tensor[]) => tf.zerosLike(st) };
  });
  const indices = positions(x) as tf.Tensor;
  const picks = tf.cast(tf.oneHot(indices, n), 'float32'); // [..., k, n]
  const values = tf.squeeze(tf.matMul(tf.expandDims(x, -2), picks, false, true), [x.rank - 1]); // [..., k]
  return [values, indices];
}

/** One-hot float32 vectors `[..., num]` for int32 ids `[...]`; an id outside 0 … num − 1 gives zeros. */
export function oneHot(ids: tf.Tensor, num: number): tf.Tensor {
  return tf.cast(tf.oneHot(ids, num), 'float32');
}

/**
 * `x` in a new shape. Each of `dims` says how a result size is found: a size ≥ 0 is that number,
 * `-(i + 2)` is the size of input axis `i` (a symbolic size the checker matched), and `-1` is
 * inferred from the element count.
 */
export function reshapeTo(x: tf.Tensor, dims: number[]): tf.Tensor {
  return tf.reshape(x, dims.map((d) => (d >= -1 ? d : x.shape[-d - 2])));
}

/** `x` with its size-1 `axis` stretched to the size of `like`'s `likeAxis` (the gradient sums back). */
export function expandLike(x: tf.Tensor, like: tf.Tensor, axis: number, likeAxis: number): tf.Tensor {
  return tf.broadcastTo(x, x.shape.map((d, i) => (i === axis ? like.shape[likeAxis] : d)));
}

/** Positions `start … end − 1` of `axis` (`end` undefined: to the end of the axis). */
export function sliceAxis(x: tf.Tensor, axis: number, start: number, end?: number): tf.Tensor {
  const size = x.shape[axis];
  const stop = end ?? size;
  if (start < 0 || stop > size || start >= stop) throw new RuntimeError(`cannot slice ${start} … ${stop} from an axis of size ${size}`);
  return tf.slice(x, x.shape.map((_, a) => (a === axis ? start : 0)), x.shape.map((d, a) => (a === axis ? stop - start : d)));
}

/** Cyclic shift along `axis`: entry i moves to i + shift (mod the axis size), as `torch.roll`. */
export function roll(x: tf.Tensor, shift: number, axis: number): tf.Tensor {
  const n = x.shape[axis];
  const s = ((shift % n) + n) % n;
  if (s === 0) return x;
  return tf.concat([sliceAxis(x, axis, n - s), sliceAxis(x, axis, 0, n - s)], axis);
}

/**
 * Running sum along `axis`. Its gradient is written out (the reverse running sum of the incoming
 * gradient): tfjs 4's own gradient of `cumsum` returns the wrong shape for any axis but the last.
 */
export function cumsum(x: tf.Tensor, axis: number): tf.Tensor {
  const f = tf.customGrad((t) => ({
    value: tf.cumsum(t as tf.Tensor, axis),
    gradFunc: (dy: tf.Tensor) => tf.cumsum(dy, axis, false, true),
  }));
  return f(x) as tf.Tensor;
}

/** The value of `x` with no gradient flowing back through it. */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x) => ({
  value: tf.clone(x as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as (x: tf.Tensor) => tf.Tensor;

/** The parts joined along `axis` (an absent part is left out). */
export function concat(axis: number, ...parts: Array<tf.Tensor | undefined>): tf.Tensor {
  return tf.concat(parts.filter((p): p is tf.Tensor => p !== undefined), axis);
}

/** `x <op> value` elementwise, a bool tensor; an int32 tensor compares as int32 when the number is whole. */
export function compareScalar(x: tf.Tensor, value: number, op: string): tf.Tensor {
  const v = tf.scalar(value, x.dtype === 'int32' && Number.isInteger(value) ? 'int32' : 'float32');
  return compare(x.dtype === 'int32' && v.dtype === 'float32' ? tf.cast(x, 'float32') : x, v, op);
}

/**
 * `a <op> b` elementwise with broadcasting, a bool tensor. A comparison has no gradient, and tfjs
 * has none registered for it either, so the result is made where the tape does not look into it
 * (a `select` would otherwise ask for the gradient of its condition).
 */
export function compare(a: tf.Tensor, b: tf.Tensor, op: string): tf.Tensor {
  const compared = tf.customGrad((x, y, save) => {
    (save as tf.GradSaveFunc)([x as tf.Tensor, y as tf.Tensor]);
    return { value: comparison(x as tf.Tensor, y as tf.Tensor, op), gradFunc: (_dy: tf.Tensor, [sx, sy]: tf.Tensor[]) => [tf.zerosLike(sx), tf.zerosLike(sy)] };
  });
  return compared(a, b) as tf.Tensor;
}

function comparison(y: tf.Tensor, v: tf.Tensor, op: string): tf.Tensor {
  switch (op) {
    case 'less':
      return tf.less(y, v);
    case 'less_equal':
      return tf.lessEqual(y, v);
    case 'greater':
      return tf.greater(y, v);
    case 'greater_equal':
      return tf.greaterEqual(y, v);
    case 'equal':
      return tf.equal(y, v);
    case 'not_equal':
      return tf.notEqual(y, v);
    default:
      throw new RuntimeError(`unknown comparison \`${op}\``);
  }
}

/**
 * `a` where `cond` holds, `b` elsewhere; a number side becomes a scalar of `dtype`. All three are
 * stretched to one shape first, so the gradient of a broadcast side is summed back.
 */
export function select(cond: tf.Tensor, a: tf.Tensor | number, b: tf.Tensor | number, dtype: 'float32' | 'int32'): tf.Tensor {
  const ta = typeof a === 'number' ? tf.scalar(a, dtype) : a;
  const tb = typeof b === 'number' ? tf.scalar(b, dtype) : b;
  const shape = broadcastShape(broadcastShape(cond.shape, ta.shape), tb.shape);
  const fit = (t: tf.Tensor) => (t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : tf.broadcastTo(t, shape));
  return tf.where(fit(cond), fit(ta), fit(tb));
}

/** NumPy broadcasting of two shapes (the checker has already proved they broadcast). */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => Math.max(a[a.length - n + i] ?? 1, b[b.length - n + i] ?? 1));
}

/** The entries `index` picks along `axis` (the axis becomes the index's shape), as `torch.index_select` for any index shape. */
export function gatherAxis(x: tf.Tensor, index: tf.Tensor, axis: number): tf.Tensor {
  const n = x.shape[axis];
  const bad = tf.tidy(() => tf.logicalOr(tf.less(index, 0), tf.greaterEqual(index, n)).any().dataSync()[0]);
  if (bad) throw new RuntimeError(`gather: an index is outside 0 … ${n - 1}, the positions of axis ${axis}`);
  if (x.dtype !== 'float32') return tf.gather(x, index, axis);
  // Float entries are read through a one-hot product: tfjs's gather gradient needs a kernel
  // (UnsortedSegmentSum) the wasm backend lacks, and the tables read this way are small.
  const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
  const rows = tf.reshape(axis === 0 ? x : tf.transpose(x, [axis, ...others]), [n, -1]); // [n, rest]
  const picks = tf.cast(tf.oneHot(tf.reshape(index, [-1]), n), 'float32'); // [K, n]
  const picked = tf.reshape(tf.matMul(picks, rows), [...index.shape, ...others.map((i) => x.shape[i])]);
  if (axis === 0) return picked;
  // [index..., others...] → [others before axis, index..., others after axis]
  const k = index.rank;
  const perm = [...others.slice(0, axis).map((_, j) => k + j), ...index.shape.map((_, j) => j), ...others.slice(axis).map((_, j) => k + axis + j)];
  return tf.transpose(picked, perm);
}

/**
 * `x` plus each row of `source` (along `axis`) added at the row `index` names. Written as a
 * one-hot product so that every backend differentiates it, and rows named twice add up.
 */
export function indexAdd(x: tf.Tensor, index: tf.Tensor, source: tf.Tensor, axis: number): tf.Tensor {
  const n = x.shape[axis];
  const m = source.shape[axis];
  const front = (t: tf.Tensor) => (axis === 0 ? t : tf.transpose(t, [axis, ...t.shape.map((_, i) => i).filter((i) => i !== axis)]));
  const rows = tf.reshape(front(source), [m, -1]); // [m, rest]
  const picks = tf.cast(tf.oneHot(index, n), 'float32'); // [m, n]
  const added = tf.matMul(picks, rows, true, false); // [n, rest]
  const frontShape = [n, ...x.shape.filter((_, i) => i !== axis)];
  let out = tf.reshape(added, frontShape);
  if (axis !== 0) {
    const back = frontShape.map((_, i) => i);
    back.splice(0, 1);
    back.splice(axis, 0, 0);
    out = tf.transpose(out, back);
  }
  return tf.add(x, out);
}

/** The positions along `axis` of `x`: `offset … offset + n − 1`, int32. */
export function axisPositions(x: tf.Tensor, axis: number, offset: number): tf.Tensor {
  return tf.range(offset, offset + x.shape[axis], 1, 'int32');
}

/**
 * `einsum` over one or two tensors, as transposes, one batched matrix product and reshapes (tfjs's
 * own einsum has no gradient). The spec was checked at compile time: `ab,bc->ac`, each letter once
 * per tensor.
 */
export function einsum(spec: string, a: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [lhs, out] = spec.split('->');
  const [la, lb = ''] = lhs.split(',');
  const size = new Map<string, number>();
  [...la].forEach((c, i) => size.set(c, a.shape[i]));
  [...lb].forEach((c, i) => size.set(c, b!.shape[i]));
  const arrange = (t: tf.Tensor, from: string, to: string) => (from === to ? t : tf.transpose(t, [...to].map((c) => from.indexOf(c))));
  // Letters only one input has and the output lacks are summed away first.
  const reduce = (t: tf.Tensor, letters: string, other: string): [tf.Tensor, string] => {
    const gone = [...letters].filter((c) => !other.includes(c) && !out.includes(c));
    if (gone.length === 0) return [t, letters];
    return [tf.sum(t, gone.map((c) => letters.indexOf(c))), [...letters].filter((c) => !gone.includes(c)).join('')];
  };
  const [ta, ra] = reduce(a, la, lb);
  if (!b) return arrange(ta, ra, out);
  const [tb, rb] = reduce(b, lb, la);
  const batch = [...ra].filter((c) => rb.includes(c) && out.includes(c)).join('');
  const sum = [...ra].filter((c) => rb.includes(c) && !out.includes(c)).join('');
  const freeA = [...ra].filter((c) => !rb.includes(c)).join('');
  const freeB = [...rb].filter((c) => !ra.includes(c)).join('');
  const n = (letters: string) => [...letters].reduce((p, c) => p * size.get(c)!, 1);
  const x = tf.reshape(arrange(ta, ra, batch + freeA + sum), [n(batch), n(freeA), n(sum)]);
  const y = tf.reshape(arrange(tb, rb, batch + sum + freeB), [n(batch), n(sum), n(freeB)]);
  const product = tf.reshape(tf.matMul(x, y), [...batch + freeA + freeB].map((c) => size.get(c)!));
  return arrange(product, batch + freeA + freeB, out);
}
