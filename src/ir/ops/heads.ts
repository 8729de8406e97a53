/**
 * Multi-head plumbing. `split_heads(x, heads)`: `[B, T, heads·d]` → `[B, heads, T, d]`;
 * `merge_heads(x)`: the inverse; `repeat_heads(x, times)`: grouped-query attention shares each
 * key/value head among `times` query heads, `[B, h, T, d]` → `[B, h·times, T, d]`.
 * Heads are one batched tensor axis, so backends compute all heads with one matmul.
 */
import { constDim, dimOp, renderDim } from '../dims.js';
import { known, nearbyDivisors, num, one, originLabels, requireFloat, requireRank, tensor, inputLabels, renderShape, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const splitHeads: FunctionOpDef = {
  kind: 'function',
  name: 'split_heads',
  doc: '`[B, T, heads·d]` → `[B, heads, T, d]`',
  args: [
    { name: 'x', type: 'tensor', doc: 'float32 `[B, T, F]`' },
    { name: 'heads', type: 'int', doc: 'number of heads; must divide F' },
  ],
  apply(ctx, args) {
    const x = tensor(args.x);
    if (!x || !requireFloat(ctx, x, 'x', 'split_heads') || !requireRank(ctx, x, 3, 'x', 'split_heads', '`[batch, seq, features]`')) return ERROR;
    const heads = num(args.heads);
    const f = known(x.shape[2]);
    if (f === undefined) {
      ctx.error('TFM3008', `cannot split a symbolic feature axis \`${renderDim(x.shape[2])}\` into heads`, inputLabels(ctx, x, 'x', `this is \`${renderShape(x.shape)}\``));
      return ERROR;
    }
    if (heads <= 0) {
      ctx.error('TFM3010', `the number of heads must be positive, got ${heads}`, { primary: ctx.argSource('heads') });
      return ERROR;
    }
    if (f % heads !== 0) {
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
};

export const mergeHeads: FunctionOpDef = {
  kind: 'function',
  name: 'merge_heads',
  doc: '`[B, heads, T, d]` → `[B, T, heads·d]`',
  args: [{ name: 'x', type: 'tensor', doc: 'float32 `[B, H, T, d]`' }],
  apply(ctx, args) {
    const x = tensor(args.x);
    if (!x || !requireFloat(ctx, x, 'x', 'merge_heads') || !requireRank(ctx, x, 4, 'x', 'merge_heads', '`[batch, heads, seq, d_k]`')) return ERROR;
    return one(ctx, 'merge_heads', [x], 'float32', [x.shape[0], x.shape[2], dimOp('*', x.shape[1], x.shape[3])]);
  },
};

export const repeatHeads: FunctionOpDef = {
  kind: 'function',
  name: 'repeat_heads',
  doc: '`[B, h, T, d]` → `[B, h·times, T, d]` (grouped-query attention)',
  args: [
    { name: 'x', type: 'tensor', doc: 'float32 `[B, h, T, d]`' },
    { name: 'times', type: 'int', doc: 'query heads per key/value head' },
  ],
  apply(ctx, args) {
    const x = tensor(args.x);
    if (!x || !requireRank(ctx, x, 4, 'x', 'repeat_heads', '`[batch, heads, seq, d_k]`')) return ERROR;
    const times = num(args.times);
    if (times <= 0) {
      ctx.error('TFM3010', `\`times\` must be positive, got ${times}`, { primary: ctx.argSource('times') });
      return ERROR;
    }
    if (times === 1) return { kind: 'tensor', tensor: x };
    return one(ctx, 'repeat_heads', [x], x.dtype, [x.shape[0], dimOp('*', x.shape[1], constDim(times)), x.shape[2], x.shape[3]], { times });
  },
};

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
