/**
 * `take(x, axis, index)` selects one position and drops the axis (the `[CLS]` vector:
 * `take(x, axis: 1, index: 0)`); `mean(x, axis)` averages it away (mean pooling).
 */
import { functionOp } from './declare.js';
import { known, numel, one, ERROR } from './helpers.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import type { Kernels } from './kernel.js';

function normAxis(ctx: OpContext, x: TensorValue, axis: number): number | undefined {
  const a = axis < 0 ? axis + x.shape.length : axis;
  if (a < 0 || a >= x.shape.length) {
    ctx.error('TFM3008', `axis ${axis} is out of range for a tensor of rank ${x.shape.length}`, { primary: ctx.argSource('axis'), secondary: [ctx.shapeLabel(x)] });
    return undefined;
  }
  return a;
}

export const take = functionOp('take', 'Select one index along an axis and drop that axis.', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the axis'],
    index: ['int', 'the position (negative counts from the end)', 0],
  },
  apply(ctx, { x, axis, index }) {
    const a = normAxis(ctx, x, axis);
    if (a === undefined) return ERROR;
    const size = known(x.shape[a]);
    if (size !== undefined && (index >= size || index < -size)) {
      ctx.error('TFM3008', `index ${index} is out of range for an axis of size ${size}`, { primary: ctx.argSource('index') });
      return ERROR;
    }
    return one(ctx, 'take', [x], x.dtype, x.shape.filter((_, i) => i !== a), { axis: a, index });
  },
});

export const mean = functionOp('mean', 'Average along an axis and drop it.', {
  args: {
    x: ['tensor', 'float32 tensor'],
    axis: ['int', 'the axis'],
  },
  apply(ctx, { x, axis }) {
    const a = normAxis(ctx, x, axis);
    if (a === undefined) return ERROR;
    return one(ctx, 'mean', [x], 'float32', x.shape.filter((_, i) => i !== a), { axis: a });
  },
  flops: ({ inputs }) => numel(inputs[0]),
});

export const kernels: Kernels = {
  take: {
    tfjs: (k) => k.call('take', k.input(0), k.attr('axis'), k.attr('index')),
    torch: (k) => `${k.input(0)}.select(${k.int('axis')}, ${k.int('index')})`,
    stem: 'picked',
  },
  mean: { tfjs: (k) => k.call('tf.mean', k.input(0), k.attr('axis')), torch: (k) => `${k.input(0)}.mean(dim=${k.int('axis')})`, stem: 'averaged' },
};
