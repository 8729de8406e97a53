/**
 * Targets and losses.
 * - `shift_left(ids, fill)`: `[B, T]` → `[B, T]`, position t holds token t+1, the last holds `fill`.
 * - `cross_entropy(logits [..., V], targets [...])`, as PyTorch's `F.cross_entropy` with
 *   `label_smoothing` ε and `ignore_index`: per counted target,
 *   (1 − ε)·(−log p[target]) + ε·mean_c(−log p[c]), averaged over the counted targets (targets equal
 *   to `ignore_index` do not count; with none counted the loss is 0, where PyTorch gives NaN).
 * - `mse(pred, target)`: mean of squared differences.
 * The numerics are the runtime's (`src/runtime/`), shared with generated code.
 */
import { crossEntropy as crossEntropyOf, mse as mseOf, shiftLeft as shiftLeftOf } from '../../../runtime/index.js';
import { numAttr, tensors, type OpImpl } from './types.js';

export const shiftLeft: OpImpl = (inputs, ctx) => [shiftLeftOf(tensors(inputs, ctx)[0], numAttr(ctx, 'fill'))];

export const crossEntropy: OpImpl = (inputs, ctx) => {
  const [logits, targets] = tensors(inputs, ctx);
  return [crossEntropyOf(logits, targets, numAttr(ctx, 'label_smoothing'), numAttr(ctx, 'ignore_index'))];
};

export const mse: OpImpl = (inputs, ctx) => {
  const [p, t] = tensors(inputs, ctx);
  return [mseOf(p, t)];
};

export const ops: Record<string, OpImpl> = { shift_left: shiftLeft, cross_entropy: crossEntropy, mse };
