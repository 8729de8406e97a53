/**
 * `relative_position_bias`: T5's learned attention bias. The distance `key − query` is bucketed
 * exactly as T5's `_relative_position_bucket` (Raffel et al. 2020; Hugging Face's
 * `T5Attention`): with `bidirectional`, half of the buckets are for keys after the query; the
 * first half of a side's buckets are exact distances, the rest logarithmic up to `max_distance`,
 * beyond which distances share the last bucket; causal (not bidirectional) bucketing maps keys after
 * the query to bucket 0. Each bucket has one learned scalar per head: `weight [buckets, heads]`.
 * Applied to queries `[B, Tq, ...]` and keys `[B, Tk, ...]` it gives `[1, heads, Tq, Tk]`. The
 * numerics live in the runtime (`src/runtime/`), shared with generated code.
 */
import { relativePositionBias as bias, relativePositionBucket } from '../../../runtime/index.js';
import { boolAttr, numAttr, offsetOf, tensors, type OpImpl } from './types.js';

export { relativePositionBucket };

export const relativePositionBias: OpImpl = (inputs, ctx) => {
  const [q, k] = tensors(inputs, ctx);
  const tq = q.shape[1] as number;
  const tk = k.shape[1] as number;
  // Queries and keys start at their offsets in step-wise decoding (0 otherwise).
  return [bias(ctx.param('weight'), tq, tk, boolAttr(ctx, 'bidirectional'), numAttr(ctx, 'buckets'), numAttr(ctx, 'max_distance'), offsetOf(ctx, 0), offsetOf(ctx, 1))];
};

export const ops: Record<string, OpImpl> = { relative_position_bias: relativePositionBias };
