/** Connectionist temporal classification (CTC). Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';

/**
 * Stands for log 0 in the recursion: finite, so a log-sum-exp of impossible paths stays finite and
 * so do the gradients (an impossible alignment, a target longer than its input allows, gives a
 * loss near 1e30 where PyTorch gives infinity).
 */
export const CTC_LOG_ZERO = -1e30;

/** log(exp a + exp b + exp c), stable: shifted by the largest. */
function logSumExp3(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor): tf.Tensor {
  const m = tf.maximum(a, tf.maximum(b, c));
  const sum = tf.addN([tf.exp(tf.sub(a, m)), tf.exp(tf.sub(b, m)), tf.exp(tf.sub(c, m))]);
  return tf.add(m, tf.log(sum));
}

/** `x` moved `by` places to the right along axis 1, the first `by` filled with log 0. */
function shiftRight(x: tf.Tensor, by: number): tf.Tensor {
  const [b, n] = x.shape as number[];
  return tf.concat([tf.fill([b, by], CTC_LOG_ZERO), tf.slice(x, [0, 0], [b, n - by])], 1);
}

/**
 * CTC loss of batch-first log-probabilities `[B, T, C]` against int32 targets `[B, S]`, with int32
 * input and target lengths `[B]`: the mean over the batch of −log p(target | input) divided by the
 * target length (PyTorch's `F.ctc_loss` with reduction='mean', lengths below 1 counted as 1).
 *
 * The forward (alpha) recursion of Graves et al. (2006) in log space over the extended target
 * (blank, y₁, blank, y₂, …, blank), written with differentiable tfjs ops, so its gradient is the
 * exact one: α₀(s) = e₀(s) for s < 2; αₜ(s) = eₜ(s) + log(αₜ₋₁(s) + αₜ₋₁(s−1) + [skip] αₜ₋₁(s−2)),
 * where a label may skip the blank before it unless it repeats the label two places back. Frames
 * past a sequence's input length leave its α unchanged; its likelihood is the sum of α at the
 * last two extended positions, 2L and 2L − 1.
 */
export function ctcLoss(logProbs: tf.Tensor, targets: tf.Tensor, inputLengths: tf.Tensor, targetLengths: tf.Tensor, blank: number): tf.Tensor {
  const [b, t, c] = logProbs.shape as number[];
  const s = targets.shape[1] as number;
  const extended = 2 * s + 1;
  const blanks = tf.fill([b, s], blank, 'int32');
  const labels = tf.concat([tf.reshape(tf.stack([blanks, tf.cast(targets, 'int32')], 2), [b, 2 * s]), tf.fill([b, 1], blank, 'int32')], 1); // [B, S']
  // eₜ(s) = log p(label s at frame t): a product with one-hot rows (gathers have no wasm gradient).
  const emissions = tf.unstack(tf.matMul(logProbs, tf.cast(tf.oneHot(labels, c), 'float32'), false, true), 1); // T × [B, S']
  const twoBack = tf.concat([tf.fill([b, 2], -1, 'int32'), tf.slice(labels, [0, 0], [b, extended - 2])], 1);
  const skips = tf.logicalAnd(tf.notEqual(labels, blank), tf.notEqual(labels, twoBack));
  const position = tf.range(0, extended, 1, 'int32');
  const logZero = tf.fill([b, extended], CTC_LOG_ZERO);
  let alpha = tf.where(tf.less(position, 2), emissions[0], logZero);
  const lengths = tf.reshape(tf.cast(inputLengths, 'int32'), [b, 1]);
  for (let frame = 1; frame < t; frame++) {
    const fromSkip = tf.where(skips, shiftRight(alpha, 2), logZero);
    const next = tf.add(logSumExp3(alpha, shiftRight(alpha, 1), fromSkip), emissions[frame]);
    alpha = tf.where(tf.less(tf.scalar(frame, 'int32'), lengths), next, alpha);
  }
  const targetLength = tf.reshape(tf.cast(targetLengths, 'int32'), [b, 1]);
  const last = tf.mul(targetLength, 2);
  const ends = tf.logicalOr(tf.equal(position, last), tf.equal(position, tf.sub(last, 1)));
  const logLikelihood = tf.logSumExp(tf.where(ends, alpha, logZero), 1); // [B]
  const perTarget = tf.div(tf.neg(logLikelihood), tf.maximum(tf.cast(tf.reshape(targetLength, [b]), 'float32'), 1));
  return tf.mean(perTarget);
}
