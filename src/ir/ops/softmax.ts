/** `softmax(x, axis: -1)` and `log_softmax(x, axis: -1)`; shape-preserving. */
import { functionOp } from './declare.js';
import { numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

function softmaxLike(name: string, doc: string) {
  return functionOp(name, doc, {
    args: {
      x: ['tensor', 'float32 tensor', { dtype: 'float32' }],
      axis: ['int', 'axis to normalise (negative counts from the end)', -1],
    },
    apply(ctx, { x, axis }) {
      if (axis >= x.shape.length || axis < -x.shape.length) {
        ctx.error('TFM3008', `axis ${axis} is out of range for a tensor of rank ${x.shape.length}`, { primary: ctx.argSource('axis') });
        return ERROR;
      }
      return one(ctx, name, [x], 'float32', x.shape, { axis });
    },
    flops: ({ outputs }) => 5 * numel(outputs[0]),
  });
}

export const softmax = softmaxLike('softmax', 'Normalised exponentials along an axis.');
export const logSoftmax = softmaxLike('log_softmax', 'Log of softmax, computed stably.');

/** Scores that went through `masked` carry the rows left with a key; a row with none gives zeros (last axis only). */
function softmaxKernel(op: 'softmax' | 'log_softmax', fn: string, stem: string): Kernels[string] {
  return {
    tfjs: (k) => {
      const rank = k.inputs[0].shape.length;
      const axis = Number(k.value('axis'));
      const last = (axis < 0 ? axis + rank : axis) === rank - 1;
      return k.call(fn, k.input(0), k.attr('axis'), last ? k.rows(0) : undefined);
    },
    torch: (k) => `rt.${op}(${k.input(0)}, ${k.int('axis')})`,
    stem,
  };
}

export const kernels: Kernels = { softmax: softmaxKernel('softmax', 'softmax', 'probs'), log_softmax: softmaxKernel('log_softmax', 'logSoftmax', 'log_probs') };
