/**
 * `relative_position_bias`: T5's learned attention bias. The distance `key − query` is bucketed
 * exactly as T5's `_relative_position_bucket` (Raffel et al. 2020; Hugging Face's
 * `T5Attention`): with `bidirectional`, half of the buckets are for keys after the query; the
 * first half of a side's buckets are exact distances, the rest logarithmic up to `max_distance`,
 * beyond which distances share the last bucket; causal (not bidirectional) bucketing maps keys after
 * the query to bucket 0. Each bucket has one learned scalar per head: `weight [buckets, heads]`.
 * Applied to queries `[B, Tq, ...]` and keys `[B, Tk, ...]` it gives `[1, heads, Tq, Tk]`.
 */
import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './gather.js';
import { boolAttr, numAttr, offsetOf, tensors, type OpImpl } from './types.js';

const f32 = Math.fround;

/**
 * The bucket of one relative distance (`key − query`). The logarithmic part is evaluated in float32
 * step by step as PyTorch does, so the truncation to an integer agrees at bucket boundaries.
 */
export function relativePositionBucket(relative: number, bidirectional: boolean, numBuckets: number, maxDistance: number): number {
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
  const large = Math.min(maxExact + Math.trunc(scaled), n - 1);
  return bucket + large;
}

/**
 * Buckets for every (query, key) pair: int32 `[tq * tk]`, row-major. Queries are at positions
 * `qStart ..` and keys at `kStart ..` (both 0 except in step-wise decoding).
 */
export function bucketTable(tq: number, tk: number, bidirectional: boolean, numBuckets: number, maxDistance: number, qStart = 0, kStart = 0): Int32Array {
  const out = new Int32Array(tq * tk);
  for (let q = 0; q < tq; q++) {
    for (let k = 0; k < tk; k++) out[q * tk + k] = relativePositionBucket(k + kStart - (q + qStart), bidirectional, numBuckets, maxDistance);
  }
  return out;
}

export const relativePositionBias: OpImpl = (inputs, ctx) => {
  const [q, k] = tensors(inputs, ctx);
  const tq = q.shape[1] as number;
  const tk = k.shape[1] as number;
  const bidirectional = boolAttr(ctx, 'bidirectional');
  const table = bucketTable(tq, tk, bidirectional, numAttr(ctx, 'buckets'), numAttr(ctx, 'max_distance'), offsetOf(ctx, 0), offsetOf(ctx, 1));
  const values = gatherRows(ctx.param('weight'), tf.tensor2d(table, [tq, tk], 'int32')); // [Tq, Tk, heads]
  return [tf.expandDims(tf.transpose(values, [2, 0, 1]), 0)];
};

export const ops: Record<string, OpImpl> = { relative_position_bias: relativePositionBias };
