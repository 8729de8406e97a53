/** Multi-head reshapes and the norms. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';

/** `[B, T, H·d]` → `[B, H, T, d]`. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [b, t, f] = x.shape;
  if (f % heads !== 0) throw new RuntimeError(`cannot split ${f} features into ${heads} heads`);
  return tf.transpose(tf.reshape(x, [b, t, heads, f / heads]), [0, 2, 1, 3]);
}

/** `[B, H, T, d]` → `[B, T, H·d]`. */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, h, t, d] = x.shape;
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

/** Layer norm over the last axis (biased variance, as PyTorch). */
export function layerNorm(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, eps: number): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  const y = tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), weight);
  return bias ? tf.add(y, bias) : y;
}

/** RMS norm (T5): x / sqrt(mean(x²) + eps) · weight, no centring, no bias. */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
}
