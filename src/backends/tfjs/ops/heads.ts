/**
 * Multi-head plumbing, all heads in one tensor axis (never a loop over heads):
 * `split_heads` `[B, T, H·d]` → `[B, H, T, d]`; `merge_heads` the inverse; `repeat_heads`
 * `[B, h, T, d]` → `[B, h·times, T, d]` where key/value head j serves query heads
 * j·times … j·times + times − 1 (PyTorch's `repeat_interleave` on the head axis, as Llama's GQA).
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const splitHeads: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const heads = numAttr(ctx, 'heads');
  const [b, t, f] = x.shape;
  if (f % heads !== 0) ctx.fail(`cannot split ${f} features into ${heads} heads`);
  return [tf.transpose(tf.reshape(x, [b, t, heads, f / heads]), [0, 2, 1, 3])];
};

export const mergeHeads: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const [b, h, t, d] = x.shape;
  return [tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, t, h * d])];
};

export const repeatHeads: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const times = numAttr(ctx, 'times');
  const [b, h, t, d] = x.shape;
  // Rank 4 throughout: tfjs has no gradient for a rank-5 tile.
  const tiled = tf.tile(tf.reshape(x, [b, h, 1, t * d]), [1, 1, times, 1]);
  return [tf.reshape(tiled, [b, h * times, t, d])];
};

export const ops: Record<string, OpImpl> = { split_heads: splitHeads, merge_heads: mergeHeads, repeat_heads: repeatHeads };
