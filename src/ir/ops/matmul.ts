/**
 * `a @ b`: batched matrix product `[..., m, k] @ [..., k, n]` → `[..., m, n]` with broadcast
 * batch axes; `transpose(x)` swaps the last two axes (so `Q @ transpose(K)` gives the scores).
 */
import { renderDim, renderShape, unify, unifyBroadcast, type Dim } from '../dims.js';
import { one, originLabels, requireFloat, requireRank, tensor, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const matmul: FunctionOpDef = {
  kind: 'function',
  name: 'matmul',
  doc: 'Batched matrix product (the `@` operator).',
  args: [
    { name: 'a', type: 'tensor', doc: 'float32 `[..., m, k]`' },
    { name: 'b', type: 'tensor', doc: 'float32 `[..., k, n]`' },
  ],
  apply(ctx, args) {
    const a = tensor(args.a);
    const b = tensor(args.b);
    if (!a || !b) return ERROR;
    if (!requireFloat(ctx, a, 'a', '@') || !requireFloat(ctx, b, 'b', '@')) return ERROR;
    if (!requireRank(ctx, a, { min: 2 }, 'a', '@', 'a matrix or a batch of them') || !requireRank(ctx, b, { min: 2 }, 'b', '@', 'a matrix or a batch of them')) return ERROR;
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (!unify(k1, k2)) {
      const bLast = b.shape[b.shape.length - 1];
      const transposeHint = unify(k1, bLast) ? 'the right side looks transposed: try `transpose(...)` on it' : undefined;
      ctx.error('TFM3002', `cannot multiply \`${renderShape(a.shape)}\` by \`${renderShape(b.shape)}\`: inner dimensions ${renderDim(k1)} and ${renderDim(k2)} differ`, {
        secondary: [ctx.shapeLabel(a), ctx.shapeLabel(b), ...originLabels(k1, k2)],
        help: transposeHint,
      });
      return ERROR;
    }
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const batch: Dim[] = [];
    const n = Math.max(batchA.length, batchB.length);
    for (let i = 0; i < n; i++) {
      const x = batchA[batchA.length - n + i];
      const y = batchB[batchB.length - n + i];
      if (x === undefined || y === undefined) {
        batch.push((x ?? y) as Dim);
        continue;
      }
      const r = unifyBroadcast(x, y);
      if (!r.ok) {
        ctx.error('TFM3001', `cannot multiply \`${renderShape(a.shape)}\` by \`${renderShape(b.shape)}\`: batch dimensions ${renderDim(x)} and ${renderDim(y)} differ`, {
          secondary: [ctx.shapeLabel(a), ctx.shapeLabel(b)],
        });
        return ERROR;
      }
      batch.push(r.result);
    }
    return one(ctx, 'matmul', [a, b], 'float32', [...batch, a.shape[a.shape.length - 2], b.shape[b.shape.length - 1]]);
  },
  flops: ({ inputs, outputs }) => {
    const a = inputs[0];
    return 2 * outputs[0].reduce((x, y) => x * y, 1) * a[a.length - 1];
  },
};

export const transpose: FunctionOpDef = {
  kind: 'function',
  name: 'transpose',
  doc: 'Swap the last two axes.',
  args: [{ name: 'x', type: 'tensor', doc: 'a tensor of rank ≥ 2' }],
  apply(ctx, args) {
    const x = tensor(args.x);
    if (!x || !requireRank(ctx, x, { min: 2 }, 'x', 'transpose', 'rank 2 or more')) return ERROR;
    const s = x.shape;
    return one(ctx, 'transpose', [x], x.dtype, [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]]);
  },
};

export const kernels: Kernels = {
  matmul: { tfjs: (k) => k.call('matmul', k.input(0), k.input(1)), torch: (k) => `${k.input(0)} @ ${k.input(1)}`, stem: 'product' },
  transpose: { tfjs: (k) => k.call('transposeLast', k.input(0)), torch: (k) => `${k.input(0)}.transpose(-2, -1)`, stem: 'transposed' },
};
