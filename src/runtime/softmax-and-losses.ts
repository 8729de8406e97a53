/** Softmax over masked scores, token-axis picks, and the losses. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { fusedKernel } from './fused.js';

/** Softmax along `axis`; `rowsWithKey` (from {@link masked}) zeroes fully blocked rows. */
export function softmax(x: tf.Tensor, axis: number, rowsWithKey?: tf.Tensor): tf.Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  let y: tf.Tensor;
  if (a === x.rank - 1) y = fusedKernel('TfmcSoftmax', { x }) ?? tf.softmax(x, -1);
  else {
    const e = tf.exp(tf.sub(x, tf.max(x, a, true)));
    y = tf.div(e, tf.sum(e, a, true));
  }
  return rowsWithKey && a === x.rank - 1 ? tf.mul(y, rowsWithKey) : y;
}

/** Log-softmax along `axis`; `rowsWithKey` as for {@link softmax}. */
export function logSoftmax(x: tf.Tensor, axis: number, rowsWithKey?: tf.Tensor): tf.Tensor {
  const a = axis < 0 ? axis + x.rank : axis;
  let y: tf.Tensor;
  if (a === x.rank - 1) y = tf.logSoftmax(x, -1);
  else {
    const shifted = tf.sub(x, tf.max(x, a, true));
    y = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), a, true)));
  }
  return rowsWithKey && a === x.rank - 1 ? tf.mul(y, rowsWithKey) : y;
}

/** Prepends a learned `[1, 1, dim]` vector to every sequence: `[B, T, dim]` → `[B, T + 1, dim]`. */
export function clsToken(x: tf.Tensor, weight: tf.Tensor): tf.Tensor {
  return tf.concat([tf.tile(weight, [x.shape[0], 1, 1]), x], 1);
}

/** One position of an axis, the axis dropped (a negative index counts from the end). */
export function take(x: tf.Tensor, axis: number, index: number): tf.Tensor {
  const size = x.shape[axis];
  const i = index < 0 ? index + size : index;
  if (i < 0 || i >= size) throw new RuntimeError(`index ${index} is out of range for an axis of size ${size}`);
  return tf.squeeze(tf.slice(x, x.shape.map((_, a) => (a === axis ? i : 0)), x.shape.map((s, a) => (a === axis ? 1 : s))), [axis]);
}

/** Token t + 1 at position t of `[B, T]` ids; the last position holds `fill`. */
export function shiftLeft(ids: tf.Tensor, fill: number): tf.Tensor {
  const [b, t] = ids.shape;
  return tf.concat([tf.slice(ids, [0, 1], [b, t - 1]), tf.fill([b, 1], fill, 'int32')], 1);
}

/**
 * PyTorch's `F.cross_entropy(logits, targets, label_smoothing, ignore_index)` averaged over the
 * counted targets; with none counted it is 0 (PyTorch: NaN).
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor, labelSmoothing: number, ignoreIndex: number): tf.Tensor {
  const classes = logits.shape[logits.rank - 1];
  // A backend's one-pass kernel keeps no [N, V] tensor but the logits (and their gradient): at
  // GPT-2's 50,257 classes the formula below holds six of them. Ids as float32 are exact to 2²⁴.
  if (classes < 1 << 24) {
    const t = tf.reshape(targets, [-1]);
    const perRow = fusedKernel('TfmcCrossEntropy', { logits: tf.reshape(logits, [-1, classes]), targets: tf.cast(t, 'float32') }, { smoothing: labelSmoothing, ignore: ignoreIndex });
    if (perRow) {
      const weights = tf.cast(tf.notEqual(t, tf.scalar(ignoreIndex, 'int32')), 'float32');
      return tf.div(tf.sum(perRow), tf.maximum(tf.sum(weights), 1));
    }
  }
  const logp = tf.logSoftmax(tf.reshape(logits, [-1, classes]), -1); // [N, V]
  const t = tf.reshape(targets, [-1]);
  const counted = tf.notEqual(t, tf.scalar(ignoreIndex, 'int32'));
  const safe = tf.where(counted, t, tf.zerosLike(t));
  const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(safe, classes), logp), -1)); // [N]
  const eps = labelSmoothing;
  const perTarget = eps > 0 ? tf.add(tf.mul(nll, 1 - eps), tf.mul(tf.neg(tf.mean(logp, -1)), eps)) : nll;
  const weights = tf.cast(counted, 'float32');
  return tf.div(tf.sum(tf.mul(perTarget, weights)), tf.maximum(tf.sum(weights), 1));
}

/** Mean squared error. */
export function mse(prediction: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.mean(tf.squaredDifference(prediction, target));
}
