/** `softmax(x, axis: -1)` and `log_softmax(x, axis: -1)`; shape-preserving. */
import { functionOp } from './declare.js';
import { numel, one, ERROR } from './helpers.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import type { Kernels } from './kernel.js';
import { attentionScores } from './attention-scores.js';

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
      if (name === 'softmax') warnQueryAxis(ctx, x, axis);
      return one(ctx, name, [x], 'float32', x.shape, { axis });
    },
    flops: ({ outputs }) => 5 * numel(outputs[0]),
  });
}

/**
 * Attention scores `q @ transpose(k)` are `[..., queries, keys]`: each query's weights sum to 1
 * over the keys, the last axis. A softmax over the second-to-last mixes queries — shape-correct,
 * and a classic silent bug. Recognised when the scores come (through scaling, biases, masking)
 * from a product with a transposed right side.
 */
function warnQueryAxis(ctx: OpContext, x: TensorValue, axis: number): void {
  const rank = x.shape.length;
  if (rank < 2 || (axis < 0 ? axis + rank : axis) !== rank - 2) return;
  if (!attentionScores(ctx, x)) return;
  const fix = 'attention weights sum to 1 over the keys: use `axis: -1` (if the query axis is meant, end the line with `// tfmc: allow TFM5001`)';
  const written = ctx.userArg('axis');
  ctx.error('TFM5001', `softmax over axis ${axis} of attention scores normalises over the queries, not the keys`, {
    primary: { ...ctx.argSource('axis'), message: 'the query axis' },
    secondary: [ctx.shapeLabel(x, 'these are scores `q @ transpose(k)`: `[..., queries, keys]`')],
    help: written ? { message: fix, edits: [{ ...written, text: '-1' }] } : fix,
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
