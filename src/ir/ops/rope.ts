/**
 * `rope(x, base: 10000)`: rotary position embedding (Su et al. 2021) on `[B, heads, T, d]`;
 * pairs of features are rotated by position-dependent angles. `d` must be even.
 */
import { known, num, one, requireFloat, requireRank, tensor, inputLabels, renderShape, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const rope: FunctionOpDef = {
  kind: 'function',
  name: 'rope',
  doc: 'Rotary position embedding on `[B, heads, T, d]` (d even).',
  args: [
    { name: 'x', type: 'tensor', doc: 'float32 `[B, heads, T, d]`' },
    { name: 'base', type: 'float', default: { kind: 'float', value: 10000 }, doc: 'frequency base' },
  ],
  apply(ctx, args) {
    const x = tensor(args.x);
    if (!x || !requireFloat(ctx, x, 'x', 'rope') || !requireRank(ctx, x, 4, 'x', 'rope', '`[batch, heads, seq, d_k]`')) return ERROR;
    const d = known(x.shape[3]);
    if (d !== undefined && d % 2 !== 0) {
      ctx.error('TFM3001', `rotary embedding rotates pairs of features, but the head size ${d} is odd`, inputLabels(ctx, x, 'x', `this is \`${renderShape(x.shape)}\``));
      return ERROR;
    }
    return one(ctx, 'rope', [x], 'float32', x.shape, { base: num(args.base) });
  },
  flops: ({ outputs }) => 3 * outputs[0].reduce((a, b) => a * b, 1),
};

export const kernels: Kernels = {
  rope: {
    // In step-wise decoding the input holds positions `start .. start + t`.
    tfjs: (k) => k.call('rope', k.input(0), k.attr('base'), k.offset(0)),
    torch: (k) => `rt.rope(${k.input(0)}, base=${k.float('base')})`,
    stem: 'rotated',
  },
};
