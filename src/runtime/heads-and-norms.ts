/** Multi-head reshapes and the norms. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { fusedKernel } from './fused.js';

/** `[B, T, H·d]` → `[B, H, T, d]`. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, f] = x.shape;
  if (f % heads !== 0) throw new RuntimeError(`cannot split ${f} features into ${heads} heads`);
  if (t === 1 || heads === 1) return tf.reshape(x, [b, heads, t, f / heads]); // the same order: one kernel, no copy
  return tf.transpose(tf.reshape(x, [b, t, heads, f / heads]), [0, 2, 1, 3]);
}

/** `[B, H, T, d]` → `[B, T, H·d]`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, h, t, d] = x.shape;
  if (t === 1 || h === 1) return tf.reshape(x, [b, t, h * d]); // the same order: one kernel, no copy
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d]);
}

/**
 * `[B, h, T, d]` → `[B, h·times, T, d]`, key/value head j serving query heads j·times … (PyTorch's
 * `repeat_interleave` on the head axis). Rank 4 throughout: tfjs has no gradient for a rank-5 tile.
 */
export function repeatHeads(x: tf.Tensor, times: number): tf.Tensor {
  const [b, h, t, d] = x.shape;
  const tiled = tf.tile(tf.reshape(x, [b, h, 1, t * d]), [1, 1, times, 1]);
  return tf.reshape(tiled, [b, h * times, t, d]);
}

/** Whether the norm's parameters are vectors along x's last axis (what the fused norm kernels take). */
function lastAxisParams(x: tf.Tensor, ...params: Array<tf.Tensor | undefined>): boolean {
  const n = x.shape[x.rank - 1];
  return x.rank > 0 && params.every((p) => !p || (p.rank === 1 && p.shape[0] === n));
}

/** Layer norm over the last axis (biased variance, as PyTorch). */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, eps: number): tf.Tensor {
  const fused = lastAxisParams(x, weight, bias) ? fusedKernel('TfmcLayerNorm', { x, weight, bias }, { eps }) : undefined;
  if (fused) return fused;
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  const y = tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight);
  return bias ? tf.add(y, bias) : y;
}

/** RMS norm (T5): x / sqrt(mean(x²) + eps) · weight, no centring, no bias. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const fused = lastAxisParams(x, weight) ? fusedKernel('TfmcRmsNorm', { x, weight }, { eps }) : undefined;
  if (fused) return fused;
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}

/**
 * Batch norm over the last axis of `[..., C]`, statistics over every other axis (PyTorch's
 * `BatchNorm1d` on the rows). Training normalises by the batch's mean and biased variance and
 * updates the running statistics in place, as PyTorch does: new = (1 − momentum)·old +
 * momentum·batch, with the unbiased variance, and one more batch counted. Inference normalises by
 * the running statistics.
 */
export function batchNorm(
  x: tf.Tensor,
  weight: tf.Tensor,
  bias: tf.Tensor,
  runningMean: tf.Variable,
  runningVar: tf.Variable,
  batches: tf.Variable,
  eps: number,
  momentum: number,
  training: boolean,
): tf.Tensor {
  if (!training) return tf.add(tf.mul(tf.mul(tf.sub(x, runningMean), tf.rsqrt(tf.add(runningVar, eps))), weight), bias);
  const channels = x.shape[x.rank - 1];
  const rows = tf.reshape(x, [-1, channels]);
  const n = rows.shape[0];
  if (n < 2) throw new RuntimeError(`batch norm needs more than one value per channel while training, got ${n}`);
  const mean = tf.mean(rows, 0);
  const variance = tf.mean(tf.square(tf.sub(rows, mean)), 0);
  tf.tidy(() => {
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - momentum), tf.mul(mean, momentum)));
    runningVar.assign(tf.add(tf.mul(runningVar, 1 - momentum), tf.mul(variance, (momentum * n) / (n - 1))));
    batches.assign(tf.add(batches, 1));
  });
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), weight), bias);
}
