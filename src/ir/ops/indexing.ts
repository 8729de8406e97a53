/**
 * Reading and writing by index tensors: `gather(x, index, axis)` reads the entries an int32 index
 * picks along one axis (Swin's relative position bias reads its table by a `[49, 49]` index), and
 * `index_add(x, index, source, axis)` adds rows of `source` into the rows of `x` the index names
 * (a mixture of experts' combine step). Both differentiate through the values, not the indices.
 */
import { renderDim, renderShape, unify } from '../dims.js';
import { functionOp } from './declare.js';
import { axisIndex, inputLabels, numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const gather = functionOp('gather', 'The entries an int32 index picks along one axis: the axis is replaced by the index\'s shape.', {
  args: {
    x: ['tensor', 'any tensor'],
    index: ['tensor', 'int32 positions along `axis`', { dtype: 'int32' }],
    axis: ['int', 'the axis read (negative counts from the end)', 0],
  },
  apply(ctx, { x, index, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const shape = [...x.shape.slice(0, a), ...index.shape, ...x.shape.slice(a + 1)];
    return one(ctx, 'gather', [x, index], x.dtype, shape, { axis: a });
  },
});

export const indexAdd = functionOp('index_add', '`x` with row `i` of `source` added to row `index[i]` of `x` along `axis` (rows named twice add up).', {
  args: {
    x: ['tensor', 'float32 tensor added into', { dtype: 'float32' }],
    index: ['tensor', 'int32 `[m]`: where each row of `source` goes', { dtype: 'int32', rank: 1, shape: '`[rows]`' }],
    source: ['tensor', 'float32: `x`\'s shape with `axis` of size m', { dtype: 'float32' }],
    axis: ['int', 'the axis indexed (negative counts from the end)', 0],
  },
  apply(ctx, { x, index, source, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const want = x.shape.map((d, i) => (i === a ? index.shape[0] : d));
    const fits = source.shape.length === want.length && source.shape.every((d, i) => unify(d, want[i]));
    if (!fits) {
      ctx.error('TFM3001', `\`index_add\` needs \`source\` shaped \`${renderShape(want)}\` (\`x\`'s shape with axis ${axis} of ${renderDim(index.shape[0])} rows, one per index), but it is \`${renderShape(source.shape)}\``, {
        ...inputLabels(ctx, source, 'source', `this is \`${renderShape(source.shape)}\``),
        help: 'each row of `source` goes to the row of `x` its index names: they agree on every other axis',
      });
      return ERROR;
    }
    return one(ctx, 'index_add', [x, index, source], 'float32', x.shape, { axis: a });
  },
  flops: ({ inputs }) => 2 * numel(inputs[2]) * (inputs[0][0] ?? 1),
});

export const kernels: Kernels = {
  gather: {
    tfjs: (k) => k.call('gatherAxis', k.input(0), k.input(1), k.attr('axis')),
    torch: (k) => `rt.gather_axis(${k.input(0)}, ${k.input(1)}, ${k.int('axis')})`,
    stem: 'picked',
  },
  index_add: {
    tfjs: (k) => k.call('indexAdd', k.input(0), k.input(1), k.input(2), k.attr('axis')),
    torch: (k) => `${k.input(0)}.index_add(${k.int('axis')}, ${k.input(1)}.long(), ${k.input(2)})`,
    stem: 'combined',
  },
};
