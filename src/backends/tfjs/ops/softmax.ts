/**
 * `softmax` and `log_softmax` along an axis (default the last). Scores that went through `masked`
 * carry the rows that still have a key to attend to (`ctx.rowsAllowed`); a row with none gives
 * zeros, not NaN and not a uniform distribution over blocked keys. The numerics are the runtime's
 * (`src/runtime/`), shared with generated code.
 */
import { logSoftmax as logSoftmaxOf, softmax as softmaxOf } from '../../../runtime/index.js';
import { numAttr, tensors, type OpImpl } from './types.js';

export const softmax: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  return [softmaxOf(x, numAttr(ctx, 'axis'), ctx.rowsAllowed.get(x))];
};

export const logSoftmax: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  return [logSoftmaxOf(x, numAttr(ctx, 'axis'), ctx.rowsAllowed.get(x))];
};

export const ops: Record<string, OpImpl> = { softmax, log_softmax: logSoftmax };
