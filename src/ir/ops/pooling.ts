/**
 * Pooling over windows, channels-last: `avg_pool1d` / `max_pool1d` over the time axis of
 * `[B, T, C]`, `avg_pool2d` / `max_pool2d` over the two image axes of `[B, H, W, C]`. Windows of
 * `kernel` (square in 2-D), `stride` apart (default: `kernel`, windows side by side), no padding:
 * each pooled axis becomes floor((n − kernel) / stride) + 1, as PyTorch's pooling. (Global pooling
 * is a reduction: `mean(x, axis: 1)`, `max(x, axis: 1)`.)
 */
import type { Dim } from '../dims.js';
import { functionOp } from './declare.js';
import { numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';
import { requireFits, windowCount } from './windows.js';

type Reduce = 'mean' | 'max';

function pool(name: string, rank: 3 | 4, reduce: Reduce) {
  const shape = rank === 3 ? '`[batch, time, channels]`' : '`[batch, height, width, channels]`';
  const axes = rank === 3 ? [1] : [1, 2];
  const what = reduce === 'mean' ? 'Average' : 'Largest value';
  return functionOp(name, `${what} of each window, channels-last: ${rank === 3 ? '`[B, T, C]` → `[B, T\', C]`' : '`[B, H, W, C]` → `[B, H\', W\', C]`'}.`, {
    args: {
      x: ['tensor', `float32 ${shape}`, { dtype: 'float32', rank, shape }],
      kernel: ['int', rank === 3 ? 'window length' : 'window side (square)'],
      stride: ['int?', 'step between windows (default: `kernel`)'],
    },
    apply(ctx, { x, kernel, stride }) {
      const s = stride ?? kernel;
      const count = (n: Dim) => windowCount(n, kernel, s, 0, 1);
      if (!requireFits(ctx, x, 'x', name, axes, count)) return ERROR;
      return one(ctx, name, [x], 'float32', x.shape.map((d, i) => (axes.includes(i) ? count(d) : d)), { kernel, stride: s });
    },
    flops: ({ outputs, node }) => numel(outputs[0]) * Number(node.attrs.kernel) ** (rank - 2),
  });
}

export const avgPool1d = pool('avg_pool1d', 3, 'mean');
export const maxPool1d = pool('max_pool1d', 3, 'max');
export const avgPool2d = pool('avg_pool2d', 4, 'mean');
export const maxPool2d = pool('max_pool2d', 4, 'max');

function poolKernel(runtime: 'pool1d' | 'pool2d', reduce: Reduce, torch: string): Kernels[string] {
  return {
    tfjs: (k) => k.call(runtime, k.input(0), k.attr('kernel'), k.attr('stride'), k.literal(reduce)),
    torch: (k) => `rt.${torch}(${k.input(0)}, ${k.int('kernel')}, ${k.int('stride')})`,
    stem: 'pooled',
  };
}

export const kernels: Kernels = {
  avg_pool1d: poolKernel('pool1d', 'mean', 'avg_pool1d'),
  max_pool1d: poolKernel('pool1d', 'max', 'max_pool1d'),
  avg_pool2d: poolKernel('pool2d', 'mean', 'avg_pool2d'),
  max_pool2d: poolKernel('pool2d', 'max', 'max_pool2d'),
};
