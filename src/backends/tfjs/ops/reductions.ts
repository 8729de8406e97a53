/** `take(x, axis, index)`: one position, axis dropped (negative index counts from the end); `mean(x, axis)`. */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const take: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const axis = numAttr(ctx, 'axis');
  const size = x.shape[axis];
  let index = numAttr(ctx, 'index');
  if (index < 0) index += size;
  if (index < 0 || index >= size) ctx.fail(`index ${numAttr(ctx, 'index')} is out of range for an axis of size ${size}`);
  const begin = x.shape.map((_, i) => (i === axis ? index : 0));
  const sizes = x.shape.map((s, i) => (i === axis ? 1 : s));
  return [tf.squeeze(tf.slice(x, begin, sizes), [axis])];
};

export const mean: OpImpl = (inputs, ctx) => [tf.mean(tensors(inputs, ctx)[0], numAttr(ctx, 'axis'))];

export const ops: Record<string, OpImpl> = { take, mean };
