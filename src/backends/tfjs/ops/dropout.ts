/** `dropout`: inverted dropout while training (kept activations scaled by 1/(1−p)); identity at inference. */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const dropout: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const p = numAttr(ctx, 'p');
  if (!ctx.training || p === 0) return [x];
  const y = tf.dropout(x, p);
  const rows = ctx.rowsAllowed.get(x);
  if (rows) ctx.rowsAllowed.set(y, rows);
  return [y];
};

export const ops: Record<string, OpImpl> = { dropout };
