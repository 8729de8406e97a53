/**
 * `a @ b`: batched matrix product `[..., m, k] @ [..., k, n]` → `[..., m, n]` with broadcast
 * batch axes; `transpose(x)` swaps the last two axes (so `Q @ transpose(K)` gives the scores).
 */
import { renderDim, renderShape, unify, unifyBroadcast, type Dim } from '../dims.js';
import { functionOp, type TensorNeeds } from './declare.js';
import { numel, one, originLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';
import type { Help } from '../../diagnostics/diagnostic.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';

const MATRICES = { dtype: 'float32', rank: { min: 2 }, shape: 'a matrix or a batch of them' } as const satisfies TensorNeeds;

export const matmul = functionOp('matmul', 'Batched matrix product (the `@` operator).', {
  operator: true,
  shownAs: '@',
  args: {
    a: ['tensor', 'float32 `[..., m, k]`', MATRICES],
    b: ['tensor', 'float32 `[..., k, n]`', MATRICES],
  },
  apply(ctx, { a, b }) {
    const k1 = a.shape[a.shape.length - 1];
    const k2 = b.shape[b.shape.length - 2];
    if (!unify(k1, k2)) {
      const bLast = b.shape[b.shape.length - 1];
      const fix = unify(k1, bLast) ? transposeFix(ctx, b) : undefined;
      ctx.error('TFM3002', `cannot multiply \`${renderShape(a.shape)}\` by \`${renderShape(b.shape)}\`: inner dimensions ${renderDim(k1)} and ${renderDim(k2)} differ`, {
        // With a fix, the right side is what to change: the label goes on it.
        primary: fix ? { ...ctx.argSource('b'), message: fix.label } : undefined,
        secondary: [ctx.shapeLabel(a), ...(fix ? [] : [ctx.shapeLabel(b)]), ...originLabels(k1, k2)],
        help: fix?.help,
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
    return 2 * numel(outputs[0]) * a[a.length - 1];
  },
});

/**
 * The right side of `a @ b` is the other way round: `transpose(v)` written where `v` was meant
 * (`weights @ transpose(v)`), so the fix drops the transpose; otherwise it adds one.
 */
function transposeFix(ctx: OpContext, b: TensorValue): { label: string; help: string | Help } {
  const at = ctx.argSource('b');
  const written = ctx.textAt(at);
  const inner = written && /^transpose\((.*)\)$/s.exec(written.trim())?.[1];
  const shape = `\`${renderShape(b.shape)}\``;
  if (inner) {
    return { label: `this is ${shape}: transposed once too often`, help: { message: `multiply by \`${inner}\` itself`, edits: [{ ...at, text: inner }] } };
  }
  if (!written) return { label: `this is ${shape}`, help: 'the right side looks transposed: try `transpose(...)` on it' };
  return { label: `this is ${shape}: it looks transposed`, help: { message: `transpose it: \`transpose(${written})\``, edits: [{ ...at, text: `transpose(${written})` }] } };
}

export const transpose = functionOp('transpose', 'Swap the last two axes.', {
  args: { x: ['tensor', 'a tensor of rank ≥ 2', { rank: { min: 2 }, shape: 'rank 2 or more' }] },
  apply(ctx, { x }) {
    const s = x.shape;
    return one(ctx, 'transpose', [x], x.dtype, [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]]);
  },
});

export const kernels: Kernels = {
  matmul: { tfjs: (k) => k.call('matmul', k.input(0), k.input(1)), torch: (k) => `${k.input(0)} @ ${k.input(1)}`, stem: 'product' },
  transpose: { tfjs: (k) => k.call('transposeLast', k.input(0)), torch: (k) => `${k.input(0)}.transpose(-2, -1)`, stem: 'transposed' },
};
