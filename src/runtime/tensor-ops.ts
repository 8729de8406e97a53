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

/** The parts joined along `axis` (two to four; an absent part is left out). */
export function concat(axis: number, ...parts: Array<tf.Tensor | undefined>): tf.Tensor {
  return tf.concat(parts.filter((p): p is tf.Tensor => p !== undefined), axis);
}
