/**
 * `rope(x, base: 10000)`: rotary position embedding (Su et al. 2021) on `[B, heads, T, d]`;
 * pairs of features are rotated by position-dependent angles. `d` must be even.
 */
import { resolve } from '../dims.js';
import { functionOp } from './declare.js';
import { known, nearestMultiples, numel, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const rope = functionOp('rope', 'Rotary position embedding on `[B, heads, T, d]` (d even).', {
  args: {
    x: ['tensor', 'float32 `[B, heads, T, d]`', { dtype: 'float32', rank: 4, shape: '`[batch, heads, seq, d_k]`' }],
    base: ['float', 'frequency base', 10000],
  },
  apply(ctx, { x, base }) {
    const d = known(x.shape[3]);
    if (d !== undefined && d % 2 !== 0) {
      const message = `rotary embedding rotates pairs of features, but the ${d} features it is given are an odd number`;
      // The size chosen by the user (`rot` = 5 at the call): blamed there, once for queries and keys alike.
      const r = resolve(x.shape[3]);
      const set = r.kind === 'const' ? r.origin?.set : undefined;
      if (set && !set.cli && ctx.isUserFile(set.file)) {
        const even = nearestMultiples(d, 2);
        ctx.error('TFM3001', message, {
          primary: { file: set.file, span: set.span, message: `\`${set.name}\` = ${d} is set here` },
          secondary: [ctx.shapeLabel(x)],
          help: { message: `rotate an even number of features: ${[...even].sort((a, b) => a - b).join(' or ')}`, edits: [{ file: set.file, span: set.span, text: String(even[0]) }] },
        });
        return ERROR;
      }
      ctx.error('TFM3001', message, shapeLabels(ctx, x, 'x'));
      return ERROR;
    }
    return one(ctx, 'rope', [x], 'float32', x.shape, { base });
  },
  flops: ({ outputs }) => 3 * numel(outputs[0]),
});

export const kernels: Kernels = {
  rope: {
    // In step-wise decoding the input holds positions `start .. start + t`.
    tfjs: (k) => k.call('rope', k.input(0), k.attr('base'), k.offset(0)),
    torch: (k) => `rt.rope(${k.input(0)}, base=${k.float('base')})`,
    stem: 'rotated',
  },
};
