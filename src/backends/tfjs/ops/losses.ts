/**
 * Targets and losses.
 * - `shift_left(ids, fill)`: `[B, T]` → `[B, T]`, position t holds token t+1, the last holds `fill`.
 * - `cross_entropy(logits [..., V], targets [...])`, as PyTorch's `F.cross_entropy` with
 *   `label_smoothing` ε and `ignore_index`: per counted target,
 *   (1 − ε)·(−log p[target]) + ε·mean_c(−log p[c]), averaged over the counted targets (targets equal
 *   to `ignore_index` do not count; with none counted the loss is 0, where PyTorch gives NaN).
 * - `mse(pred, target)`: mean of squared differences.
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const shiftLeft: OpImpl = (inputs, ctx) => {
  const [ids] = tensors(inputs, ctx);
  const [b, t] = ids.shape;
  const fill = tf.fill([b, 1], numAttr(ctx, 'fill'), 'int32');
  return [tf.concat([tf.slice(ids, [0, 1], [b, t - 1]), fill], 1)];
};

export const crossEntropy: OpImpl = (inputs, ctx) => {
  const [logits, targets] = tensors(inputs, ctx);
  const classes = logits.shape[logits.rank - 1];
  const eps = numAttr(ctx, 'label_smoothing');
  const ignore = numAttr(ctx, 'ignore_index');
  const logp = tf.logSoftmax(tf.reshape(logits, [-1, classes]), -1); // [N, V]
  const t = tf.reshape(targets, [-1]);
  const counted = tf.notEqual(t, tf.scalar(ignore, 'int32'));
  const safe = tf.where(counted, t, tf.zerosLike(t));
  const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(safe, classes), logp), -1)); // [N]
  const perTarget = eps > 0 ? tf.add(tf.mul(nll, 1 - eps), tf.mul(tf.neg(tf.mean(logp, -1)), eps)) : nll;
  const weights = tf.cast(counted, 'float32');
  const count = tf.maximum(tf.sum(weights), 1);
  return [tf.div(tf.sum(tf.mul(perTarget, weights)), count)];
};

export const mse: OpImpl = (inputs, ctx) => {
  const [p, t] = tensors(inputs, ctx);
  return [tf.mean(tf.squaredDifference(p, t))];
};

export const ops: Record<string, OpImpl> = { shift_left: shiftLeft, cross_entropy: crossEntropy, mse };
