/**
 * Compile-time helpers: `sqrt(d_k)` for scaling, and `present(port)`, which tells a block whether
 * an optional input was given (so a block can skip masking or a position bias).
 */
import { functionOp } from './declare.js';

export const sqrt = functionOp('sqrt', 'Square root of a compile-time number.', {
  args: { x: ['float', 'a non-negative number'] },
  apply(ctx, { x }) {
    if (x < 0) {
      ctx.error('TFM4008', `cannot take the square root of ${x}`, { primary: ctx.argSource('x') });
      return { kind: 'error' };
    }
    return { kind: 'float', value: Math.sqrt(x) };
  },
});

export const present = functionOp('present', 'Whether an optional block input was given.', {
  args: { x: ['tensor?', 'an optional port'] },
  apply: (_ctx, { x }) => ({ kind: 'bool', value: x !== undefined }),
});
