/** `softmax(x, axis: -1)` and `log_softmax(x, axis: -1)`; shape-preserving. */
import { num, one, requireFloat, tensor, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';

function softmaxLike(name: string, doc: string): FunctionOpDef {
  return {
    kind: 'function',
    name,
    doc,
    args: [
      { name: 'x', type: 'tensor', doc: 'float32 tensor' },
      { name: 'axis', type: 'int', default: { kind: 'int', value: -1 }, doc: 'axis to normalise (negative counts from the end)' },
    ],
    apply(ctx, args) {
      const x = tensor(args.x);
      if (!x || !requireFloat(ctx, x, 'x', name)) return ERROR;
      const axis = num(args.axis);
      if (axis >= x.shape.length || axis < -x.shape.length) {
        ctx.error('TFM3008', `axis ${axis} is out of range for a tensor of rank ${x.shape.length}`, { primary: ctx.argSource('axis') });
        return ERROR;
      }
      return one(ctx, name, [x], 'float32', x.shape, { axis });
    },
    flops: ({ outputs }) => 5 * outputs[0].reduce((a, b) => a * b, 1),
  };
}

export const softmax = softmaxLike('softmax', 'Normalised exponentials along an axis.');
export const logSoftmax = softmaxLike('log_softmax', 'Log of softmax, computed stably.');
