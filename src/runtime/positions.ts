/** Rotary embeddings, T5's relative position bias and ALiBi's bias. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { gatherRows } from './embeddings.js';

/**
 * Rotary position embedding on `[B, H, T, d]`, rotate-half layout (GPT-NeoX, Llama): feature i
 * pairs with i + d/2 and position t rotates the pair by t·base^(−2i/d). The rows of `x` are
 * positions `start …` (0 but when decoding step by step).
 */
export function rope(x: tf.Tensor, base: number, start = 0): tf.Tensor {
  const [, , t, d] = x.shape;
  if (d % 2 !== 0) throw new RuntimeError(`rotary embedding needs an even head size, got ${d}`);
  const half = d / 2;
  const cos = new Float32Array(t * d);
  const sin = new Float32Array(t * d);
  for (let i = 0; i < half; i++) {
    const freq = Math.pow(base, (-2 * i) / d);
    for (let p = 0; p < t; p++) {
      const angle = (start + p) * freq;
      cos[p * d + i] = cos[p * d + i + half] = Math.cos(angle);
      sin[p * d + i] = sin[p * d + i + half] = Math.sin(angle);
    }
  }
  const [x1, x2] = tf.split(x, 2, -1);
  const rotated = tf.concat([tf.neg(x2), x1], -1);
  return tf.add(tf.mul(x, tf.tensor2d(cos, [t, d])), tf.mul(rotated, tf.tensor2d(sin, [t, d])));
}

/**
 * T5's bucket of a relative distance (`key − query`), evaluated in float32 step by step as
 * PyTorch does so that the truncation agrees at bucket boundaries.
 */
export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
  const f32 = Math.fround;
  let bucket = 0;
  let n = numBuckets;
  let r = relative;
  if (bidirectional) {
    n = Math.floor(n / 2);
    if (r > 0) bucket += n;
    r = Math.abs(r);
  } else {
    r = -Math.min(r, 0);
  }
  const maxExact = Math.floor(n / 2);
  if (r < maxExact) return bucket + r;
  const logRatio = f32(Math.log(f32(r / maxExact)));
  const scaled = f32(f32(logRatio / f32(Math.log(maxDistance / maxExact))) * (n - maxExact));
  return bucket + Math.min(maxExact + Math.trunc(scaled), n - 1);
}

/**
 * T5's learned attention bias, `weight [buckets, heads]` → `[1, heads, tq, tk]`, for queries at
 * positions `qStart …` and keys at `kStart …` (both 0 but when decoding step by step).
 */
export function relativePositionBias(weight: tf.Tensor, tq: number, tk: number, bidirectional: boolean, numBuckets: number, maxDistance: number, qStart = 0, kStart = 0): tf.Tensor {
  const table = new Int32Array(tq * tk);
  for (let q = 0; q < tq; q++) {
    for (let k = 0; k < tk; k++) table[q * tk + k] = relativePositionBucket(k + kStart - (q + qStart), bidirectional, numBuckets, maxDistance);
  }
  const values = gatherRows(weight, tf.tensor2d(table, [tq, tk], 'int32')); // [tq, tk, heads]
  return tf.expandDims(tf.transpose(values, [2, 0, 1]), 0);
}

/**
 * ALiBi's slope of each of `heads` heads (Press et al. 2022): the geometric sequence
 * 2^(−8(h+1)/n) for a power of two n; otherwise those of the power of two below `heads`, then
 * every other slope of the power of two above it, as the paper does.
 */
export function alibiSlopes(heads: number): number[] {
  const geometric = (n: number) => Array.from({ length: n }, (_, h) => Math.pow(2, (-8 * (h + 1)) / n));
  const below = Math.pow(2, Math.floor(Math.log2(heads)));
  if (below === heads) return geometric(heads);
  return [...geometric(below), ...geometric(2 * below).filter((_, h) => h % 2 === 0).slice(0, heads - below)];
}

/**
 * ALiBi's attention bias `[1, heads, tq, tk]`: −slope_h · |i − j| for queries at positions
 * `qStart …` and keys at `kStart …` (both 0 but when decoding step by step).
 */
export function alibiBias(tq: number, tk: number, heads: number, qStart = 0, kStart = 0): tf.Tensor {
  const queries = tf.range(qStart, qStart + tq, 1, 'float32').reshape([tq, 1]);
  const keys = tf.range(kStart, kStart + tk, 1, 'float32').reshape([1, tk]);
  const distance = tf.abs(tf.sub(queries, keys)); // [tq, tk], exact integers
  const slopes = tf.tensor3d(alibiSlopes(heads), [heads, 1, 1], 'float32');
  return tf.expandDims(tf.mul(tf.neg(slopes), distance), 0);
}
