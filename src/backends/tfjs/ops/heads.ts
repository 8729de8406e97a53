/**
 * Multi-head plumbing, all heads in one tensor axis (never a loop over heads):
 * `split_heads` `[B, T, H·d]` → `[B, H, T, d]`; `merge_heads` the inverse; `repeat_heads`
 * `[B, h, T, d]` → `[B, h·times, T, d]` where key/value head j serves query heads
 * j·times … j·times + times − 1 (PyTorch's `repeat_interleave` on the head axis, as Llama's GQA).
 * The reshapes are the runtime's (`src/runtime/`), shared with generated code.
 */
import { mergeHeads as merge, repeatHeads as repeat, splitHeads as split } from '../../../runtime/index.js';
import { numAttr, tensors, type OpImpl } from './types.js';

export const splitHeads: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const heads = numAttr(ctx, 'heads');
  const f = x.shape[2] as number;
  if (f % heads !== 0) ctx.fail(`cannot split ${f} features into ${heads} heads`);
  return [split(x, heads)];
};

export const mergeHeads: OpImpl = (inputs, ctx) => [merge(tensors(inputs, ctx)[0])];

export const repeatHeads: OpImpl = (inputs, ctx) => [repeat(tensors(inputs, ctx)[0], numAttr(ctx, 'times'))];

export const ops: Record<string, OpImpl> = { split_heads: splitHeads, merge_heads: mergeHeads, repeat_heads: repeatHeads };
