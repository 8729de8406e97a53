/**
 * Multi-head plumbing. `split_heads(x, heads)`: `[B, T, heads·d]` → `[B, heads, T, d]`;
 * `merge_heads(x)`: the inverse; `repeat_heads(x, times)`: grouped-query attention shares each
 * key/value head among `times` query heads, `[B, h, T, d]` → `[B, h·times, T, d]`.
 * Heads are one batched tensor axis, so backends compute all heads with one matmul.
 */
import { constDim, dimOp, renderDim, resolve } from '../dims.js';
import { functionOp } from './declare.js';
import { known, nearbyDivisors, one, originLabels, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const splitHeads = functionOp('split_heads', '`[B, T, heads·d]` → `[B, heads, T, d]`', {
  args: {
    x: ['tensor', 'float32 `[B, T, F]`', { dtype: 'float32', rank: 3, shape: '`[batch, seq, features]`' }],
    heads: ['int', 'number of heads; must divide F'],
  },
  apply(ctx, { x, heads }) {
    const f = known(x.shape[2]);
    if (f === undefined) {
      ctx.error('TFM3008', `cannot split a symbolic feature axis \`${renderDim(x.shape[2])}\` into heads`, shapeLabels(ctx, x, 'x'));
      return ERROR;
    }
    if (heads <= 0) {
      ctx.error('TFM3010', `the number of heads must be positive, got ${heads}`, { primary: ctx.argSource('heads') });
      return ERROR;
    }
    if (f % heads !== 0) {
      const set = ctx.argOrigin('heads');
      const fSet = resolve(x.shape[2]);
      if (set && !set.cli) {
        // `heads` came from a config line: report it there, once for q, k and v.
        const features = { name: fSet.kind === 'const' && fSet.origin?.set ? fSet.origin.set.name : 'features', value: f, origin: fSet.kind === 'const' ? fSet.origin?.set : undefined };
        ctx.notDivisible(features, { name: set.name, value: heads, origin: set }, ctx.shapeLabel(x, `these ${f} features are split into heads here`));
        return ERROR;
      }
      const tries = nearbyDivisors(f, heads);
      ctx.error('TFM3003', `cannot split ${f} features into ${heads} heads: ${f} is not divisible by ${heads}`, {
        primary: ctx.argSource('heads'),
        secondary: [ctx.shapeLabel(x, `these are the ${f} features`), ...originLabels(x.shape[2])],
        help: tries.length ? `${f} is divisible by ${tries.join(' and ')}: try heads = ${tries.join(' or ')}` : undefined,
      });
      return ERROR;
    }
    return one(ctx, 'split_heads', [x], 'float32', [x.shape[0], constDim(heads), x.shape[1], constDim(f / heads)], { heads });
  },
});

export const mergeHeads = functionOp('merge_heads', '`[B, heads, T, d]` → `[B, T, heads·d]`', {
  args: { x: ['tensor', 'float32 `[B, H, T, d]`', { dtype: 'float32', rank: 4, shape: '`[batch, heads, seq, d_k]`' }] },
  apply: (ctx, { x }) => one(ctx, 'merge_heads', [x], 'float32', [x.shape[0], x.shape[2], dimOp('*', x.shape[1], x.shape[3])]),
});

export const repeatHeads = functionOp('repeat_heads', '`[B, h, T, d]` → `[B, h·times, T, d]` (grouped-query attention)', {
  args: {
    x: ['tensor', 'float32 `[B, h, T, d]`', { rank: 4, shape: '`[batch, heads, seq, d_k]`' }],
    times: ['int', 'query heads per key/value head'],
  },
  apply(ctx, { x, times }) {
    if (times <= 0) {
      ctx.error('TFM3010', `\`times\` must be positive, got ${times}`, { primary: ctx.argSource('times') });
      return ERROR;
    }
    if (times === 1) return { kind: 'tensor', tensor: x };
    return one(ctx, 'repeat_heads', [x], x.dtype, [x.shape[0], dimOp('*', x.shape[1], constDim(times)), x.shape[2], x.shape[3]], { times });
  },
});

export const kernels: Kernels = {
  split_heads: {
    tfjs: (k) => k.call('splitHeads', k.input(0), k.attr('heads')),
    torch: (k) => `rt.split_heads(${k.input(0)}, ${k.int('heads')})`,
    stem: 'heads',
  },
  merge_heads: {
    tfjs: (k) => k.call('mergeHeads', k.input(0)),
    torch: (k) => `rt.merge_heads(${k.input(0)})`,
    stem: 'merged',
  },
  repeat_heads: {
    tfjs: (k) => k.call('repeatHeads', k.input(0), k.attr('times')),
    torch: (k) => `rt.repeat_heads(${k.input(0)}, ${k.int('times')})`,
    stem: 'repeated',
  },
};
