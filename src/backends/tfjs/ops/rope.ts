/**
 * `rope`: rotary position embedding (Su et al. 2021) on `[B, H, T, d]`, in the "rotate half"
 * layout of GPT-NeoX and Llama: feature i is paired with feature i + d/2, and position t rotates
 * the pair by t·base^(−2i/d):
 *   out[..., i]       = x[..., i]·cos − x[..., i + d/2]·sin
 *   out[..., i + d/2] = x[..., i + d/2]·cos + x[..., i]·sin
 * Positions count from 0 at the first element of the sequence axis. The numerics live in the
 * runtime (`src/runtime/`), shared with generated code.
 */
import { rope as rotary } from '../../../runtime/index.js';
import { numAttr, offsetOf, tensors, type OpImpl } from './types.js';

export const rope: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const d = x.shape[3] as number;
  if (d % 2 !== 0) ctx.fail(`rotary embedding needs an even head size, got ${d}`);
  // In step-wise decoding the input holds positions `start .. start + t`.
  return [rotary(x, numAttr(ctx, 'base'), offsetOf(ctx, 0))];
};

export const ops: Record<string, OpImpl> = { rope };
