/** `cast(x, dtype)` between float32 and int32 (toward zero), and `stop_gradient(x)`: the value, no gradient. */
import { functionOp } from './declare.js';
import { one } from './helpers.js';
import type { Kernels } from './kernel.js';

export const cast = functionOp('cast', 'The same values in another dtype (float32 → int32 rounds toward zero).', {
  args: {
    x: ['tensor', 'a float32 or int32 tensor', { }],
    dtype: [['float32', 'int32'], 'the dtype wanted'],
  },
  apply(ctx, { x, dtype }) {
    if (x.dtype === 'mask') {
      ctx.error('TFM3009', 'cannot cast a mask: masks are not data (apply it with `masked`)', { primary: ctx.argSource('x') });
      return { kind: 'error' };
    }
    return x.dtype === dtype ? { kind: 'tensor', tensor: x } : one(ctx, 'cast', [x], dtype, x.shape, { dtype });
  },
});

export const stopGradient = functionOp('stop_gradient', 'The value of `x`; no gradient flows back through it (targets, routers, EMA).', {
  args: { x: ['tensor', 'float32 tensor', { dtype: 'float32' }] },
  apply: (ctx, { x }) => one(ctx, 'stop_gradient', [x], 'float32', x.shape),
});

export const kernels: Kernels = {
  cast: { tfjs: (k) => k.call('tf.cast', k.input(0), k.attr('dtype')), torch: (k) => `rt.cast(${k.input(0)}, ${JSON.stringify(String(k.value('dtype')))})`, stem: 'converted' },
  stop_gradient: { tfjs: (k) => k.call('stopGradient', k.input(0)), torch: (k) => `${k.input(0)}.detach()`, stem: 'fixed' },
};
