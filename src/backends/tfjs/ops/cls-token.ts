/** `cls_token`: prepends the learned vector `weight [1, 1, dim]` to every sequence: `[B, T, dim]` → `[B, T + 1, dim]`. */
import * as tf from '@tensorflow/tfjs';
import { tensors, type OpImpl } from './types.js';

export const clsToken: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const cls = tf.tile(ctx.param('weight'), [x.shape[0], 1, 1]);
  return [tf.concat([cls, x], 1)];
};

export const ops: Record<string, OpImpl> = { cls_token: clsToken };
