/**
 * Compile-time helpers: `sqrt(d_k)` for scaling, and `present(port)`, which tells a block whether
 * an optional input was given (so a block can skip masking or a position bias).
 */
import { functionOp, isNumberArg } from './declare.js';
import { one, requireFloat, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const sqrt = functionOp('sqrt', 'Square root: of a compile-time number (a number), or of a float32 tensor, elementwise.', {
  args: { x: ['operand', 'a non-negative number, or a float32 tensor'] },
  apply(ctx, { x }) {
    if (!isNumberArg(x)) return requireFloat(ctx, x, 'x', 'sqrt') ? one(ctx, 'sqrt', [x], 'float32', x.shape) : ERROR;
    if (x.value < 0) {
      ctx.error('TFM4008', `cannot take the square root of ${x.value}`, { primary: ctx.argSource('x') });
      return { kind: 'error' };
    }
    return { kind: 'float', value: Math.sqrt(x.value) };
  },
});

export const present = functionOp('present', 'Whether an optional block input was given.', {
  args: { x: ['tensor?', 'an optional port'] },
  apply: (_ctx, { x }) => ({ kind: 'bool', value: x !== undefined }),
});

export const kernels: Kernels = {
  sqrt: { tfjs: (k) => k.call('tf.sqrt', k.input(0)), torch: (k) => `torch.sqrt(${k.input(0)})`, stem: 'root' },
};
