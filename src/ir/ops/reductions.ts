/**
 * Along one axis: `take(x, axis, index)` selects one position and drops the axis (the `[CLS]`
 * vector: `take(x, axis: 1, index: 0)`); `mean`, `sum`, `max` and `var` reduce it (dropped, or
 * kept with size 1 with `keepdims: true`); `cumsum` keeps it.
 */
import { functionOp } from './declare.js';
import { constDim } from '../dims.js';
import { axisIndex, known, numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const take = functionOp('take', 'Select one index along an axis and drop that axis.', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the axis'],
    index: ['int', 'the position (negative counts from the end)', 0],
  },
  apply(ctx, { x, axis, index }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const size = known(x.shape[a]);
    if (size !== undefined && (index >= size || index < -size)) {
      ctx.error('TFM3008', `index ${index} is out of range for an axis of size ${size}`, { primary: ctx.argSource('index') });
      return ERROR;
    }
    return one(ctx, 'take', [x], x.dtype, x.shape.filter((_, i) => i !== a), { axis: a, index });
  },
});

/** A reduction over one axis: the axis is dropped, or kept with size 1 (`keepdims: true`). */
function reduction(name: string, doc: string, float: { dtype?: 'float32' }) {
  return functionOp(name, doc, {
    args: {
      x: ['tensor', 'float32 tensor', float],
      axis: ['int', 'the axis (negative counts from the end)'],
      keepdims: ['bool', 'keep the axis with size 1 (for broadcasting back)', false],
    },
    apply(ctx, { x, axis, keepdims }) {
      const a = axisIndex(ctx, x, axis);
      if (a === undefined) return ERROR;
      const shape = keepdims ? x.shape.map((d, i) => (i === a ? constDim(1) : d)) : x.shape.filter((_, i) => i !== a);
      // `keepdims` is recorded only when set, so graphs written before it existed are unchanged.
      return one(ctx, name, [x], 'float32', shape, keepdims ? { axis: a, keepdims } : { axis: a });
    },
    flops: ({ inputs }) => numel(inputs[0]),
  });
}

// `mean` has always taken any tensor (its result is float32); the newer reductions require float32.
export const mean = reduction('mean', 'Average along an axis.', {});
export const sum = reduction('sum', 'Sum along an axis.', { dtype: 'float32' });
export const max = reduction('max', 'Largest entry along an axis (its gradient goes to the largest entries).', { dtype: 'float32' });
export const variance = reduction('var', 'Population variance along an axis (divided by n, as the norms use).', { dtype: 'float32' });

export const cumsum = functionOp('cumsum', 'Running sum along an axis (position i holds the sum of 0 … i); shape unchanged.', {
  args: {
    x: ['tensor', 'float32 tensor', { dtype: 'float32' }],
    axis: ['int', 'the axis (negative counts from the end)'],
  },
  apply(ctx, { x, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    return one(ctx, 'cumsum', [x], 'float32', x.shape, { axis: a });
  },
  flops: ({ inputs }) => numel(inputs[0]),
});

export const kernels: Kernels = {
  take: {
    tfjs: (k) => k.call('take', k.input(0), k.attr('axis'), k.attr('index')),
    torch: (k) => `${k.input(0)}.select(${k.int('axis')}, ${k.int('index')})`,
    stem: 'picked',
  },
  mean: reductionKernel('tf.mean', 'mean', 'averaged'),
  sum: reductionKernel('tf.sum', 'sum', 'total'),
  max: reductionKernel('tf.max', 'amax', 'largest'),
  var: {
    tfjs: (k) => k.call('populationVariance', k.input(0), k.attr('axis'), k.value('keepdims') === true ? k.attr('keepdims') : k.literal(false)),
    torch: (k) => `${k.input(0)}.var(dim=${k.int('axis')}, unbiased=False${k.value('keepdims') === true ? ', keepdim=True' : ''})`,
    stem: 'variance',
  },
  cumsum: { tfjs: (k) => k.call('cumsum', k.input(0), k.attr('axis')), torch: (k) => `torch.cumsum(${k.input(0)}, dim=${k.int('axis')})`, stem: 'running' },
};

/** tfjs's `tf.mean(x, axis, keepDims)` and PyTorch's `x.mean(dim=…, keepdim=…)` and their kin. */
function reductionKernel(tfFn: string, torchMethod: string, stem: string): Kernels[string] {
  return {
    tfjs: (k) => k.call(tfFn, k.input(0), k.attr('axis'), k.value('keepdims') === true ? k.attr('keepdims') : undefined),
    torch: (k) => `${k.input(0)}.${torchMethod}(dim=${k.int('axis')}${k.value('keepdims') === true ? ', keepdim=True' : ''})`,
    stem,
  };
}
