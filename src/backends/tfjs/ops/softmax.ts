/**
 * `softmax` and `log_softmax` along an axis (default the last). Scores that went through `masked`
 * carry the rows that still have a key to attend to; a row with none gives zeros, not NaN and not
 * a uniform distribution over blocked keys.
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl, type OpRunContext } from './types.js';

function normalise(ctx: OpRunContext, x: tf.Tensor): number {
  const axis = numAttr(ctx, 'axis');
  return axis < 0 ? axis + x.rank : axis;
}

/** Multiplies by the allowed-rows indicator when the scores were masked along the normalised (last) axis. */
function zeroBlockedRows(ctx: OpRunContext, x: tf.Tensor, axis: number, y: tf.Tensor): tf.Tensor {
  const rows = ctx.rowsAllowed.get(x);
  return rows && axis === x.rank - 1 ? tf.mul(y, rows) : y;
}

export const softmax: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const axis = normalise(ctx, x);
  let y: tf.Tensor;
  if (axis === x.rank - 1) y = tf.softmax(x, -1);
  else {
    const e = tf.exp(tf.sub(x, tf.max(x, axis, true)));
    y = tf.div(e, tf.sum(e, axis, true));
  }
  return [zeroBlockedRows(ctx, x, axis, y)];
};

export const logSoftmax: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const axis = normalise(ctx, x);
  let y: tf.Tensor;
  if (axis === x.rank - 1) y = tf.logSoftmax(x, -1);
  else {
    const shifted = tf.sub(x, tf.max(x, axis, true));
    y = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axis, true)));
  }
  return [zeroBlockedRows(ctx, x, axis, y)];
};

export const ops: Record<string, OpImpl> = { softmax, log_softmax: logSoftmax };
