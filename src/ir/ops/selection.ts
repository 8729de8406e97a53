/**
 * Picking and moving entries: `top_k(x, k)` (the k largest of the last axis, with `.indices`),
 * `one_hot(ids, num)`, `slice(x, axis, start, end)` and `roll(x, shift, axis)` (a cyclic shift, as
 * Swin's shifted windows use), and `concat(a, b, ...)` (Swin's patch merging joins four).
 */
import { constDim, dimOp, renderDim, renderShape, unify, type Dim } from '../dims.js';
import { functionOp } from './declare.js';
import { axisIndex, known, numel, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';
import type { TensorValue } from '../types.js';

export const topK = functionOp('top_k', 'The `k` largest entries of the last axis, largest first: `[..., n]` → `[..., k]`, with their int32 positions as `.indices`.', {
  args: {
    x: ['tensor', 'float32 `[..., n]`', { dtype: 'float32', rank: { min: 1 }, shape: '`[..., n]`' }],
    k: ['int', 'how many (at most n)'],
  },
  apply(ctx, { x, k }) {
    const last = x.shape[x.shape.length - 1];
    const n = known(last);
    if (k <= 0 || (n !== undefined && k > n)) {
      ctx.error('TFM3008', k <= 0 ? `top_k needs a positive \`k\`, got ${k}` : `top_k cannot take ${k} entries from an axis of size ${n}`, {
        primary: ctx.argSource('k'),
        secondary: [ctx.shapeLabel(x, `the last axis has ${renderDim(last)} entries`)],
        help: n !== undefined ? `\`k\` must be between 1 and ${n}, the size of the axis it picks from` : undefined,
      });
      return ERROR;
    }
    const shape = [...x.shape.slice(0, -1), constDim(k)];
    const [values, indices] = ctx.emit('top_k', [x], [{ dtype: 'float32', shape }, { dtype: 'int32', shape }], { k });
    return { kind: 'tensor', tensor: values, fields: { indices } };
  },
  flops: ({ inputs }) => 2 * numel(inputs[0]),
});

export const oneHot = functionOp('one_hot', 'int32 ids `[...]` → float32 `[..., num]`, 1 at the id and 0 elsewhere.', {
  args: {
    ids: ['tensor', 'int32 ids'],
    num: ['int', 'the number of classes'],
  },
  apply(ctx, { ids, num }) {
    if (ids.dtype !== 'int32') {
      ctx.error('TFM3009', `\`one_hot\` takes int32 ids, but this is ${ids.dtype === 'mask' ? 'a mask' : 'float32'}`, {
        primary: { ...ctx.argSource('ids'), message: `this is ${ids.dtype}` },
        secondary: [ctx.shapeLabel(ids)],
        help: 'the positions `top_k` picked are its `.indices`: `one_hot(top_k(x, k).indices, n)`',
      });
      return ERROR;
    }
    const [out] = ctx.emit('one_hot', [ids], [{ dtype: 'float32', shape: [...ids.shape, constDim(num)] }], { num });
    return { kind: 'tensor', tensor: out };
  },
});

export const slice = functionOp('slice', 'Positions `start … end − 1` of one axis (`end` omitted: to the end).', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the axis (negative counts from the end)'],
    start: ['int', 'first position kept', 0],
    end: ['int?', 'first position dropped; omitted: the axis size'],
  },
  apply(ctx, { x, axis, start, end }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const size = known(x.shape[a]);
    const stop = end ?? size;
    const bad = start < 0 ? 'start' : end !== undefined && (end <= start || (size !== undefined && end > size)) ? 'end' : undefined;
    if (bad) {
      ctx.error('TFM3008', `cannot slice positions ${start} … ${stop ?? renderDim(x.shape[a])} from an axis of size ${renderDim(x.shape[a])}`, {
        primary: ctx.argSource(bad),
        secondary: [ctx.shapeLabel(x)],
        help: size !== undefined ? `positions run from 0 to ${size}: \`start\` < \`end\` ≤ ${size}` : '`start` must be at least 0 and `end` greater than `start`',
      });
      return ERROR;
    }
    // `slice(q, end: rot)`: the length is `rot`, and remembers where it was set.
    const length = stop !== undefined ? constDim(stop - start, end !== undefined && start === 0 ? ctx.argDimOrigin('end', '`end`') : undefined) : dimOp('+', x.shape[a], constDim(-start));
    const shape = x.shape.map((d, i) => (i === a ? length : d));
    const [out] = ctx.emit('slice', [x], [{ dtype: x.dtype, shape }], end !== undefined ? { axis: a, start, end } : { axis: a, start });
    return { kind: 'tensor', tensor: out };
  },
});

export const roll = functionOp('roll', 'Cyclic shift along an axis: entry i moves to i + shift (mod the size); shape unchanged.', {
  args: {
    x: ['tensor', 'any tensor'],
    shift: ['int', 'how far (negative: towards the start)'],
    axis: ['int', 'the axis (negative counts from the end)'],
  },
  apply(ctx, { x, shift, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const [out] = ctx.emit('roll', [x], [{ dtype: x.dtype, shape: x.shape }], { shift, axis: a });
    return { kind: 'tensor', tensor: out };
  },
});

export const concat = functionOp('concat', 'Join tensors along an axis (`concat(a, b, …)` or `concat([a, b, …])`): every other axis must agree; the axis becomes the sum of theirs.', {
  args: {
    a: ['parts', 'the first part, or a list of all the parts'],
    b: ['tensor?', 'the second part'],
    c: ['tensor?', 'a third part'],
    d: ['tensor?', 'a fourth part'],
    axis: ['int', 'the axis (negative counts from the end)', -1],
  },
  apply(ctx, { a: first, b, c, d, axis }) {
    if (first.length > 1 && (b || c || d)) {
      ctx.error('TFM2018', 'give the parts either as a list or one by one, not both', { primary: ctx.argSource(b ? 'b' : c ? 'c' : 'd'), help: 'put every part in the list: `concat([a, b, c], axis: -1)`' });
      return ERROR;
    }
    const parts = [...first, b, c, d].filter((t): t is TensorValue => t !== undefined);
    if (parts.length < 2) {
      ctx.error('TFM2006', '`concat` needs at least two parts', { primary: ctx.argSource('a') });
      return ERROR;
    }
    const a = parts[0];
    const at = axisIndex(ctx, a, axis);
    if (at === undefined) return ERROR;
    for (const [i, t] of parts.entries()) {
      const arg = 'abcd'[i];
      const clash = t.dtype !== a.dtype ? 'dtype' : t.shape.length !== a.shape.length ? 'rank' : t.shape.findIndex((dim, j) => j !== at && !unify(dim, a.shape[j])) >= 0 ? 'shape' : undefined;
      if (!clash) continue;
      ctx.error(clash === 'dtype' ? 'TFM3009' : 'TFM3001', `cannot concat \`${renderShape(a.shape)}\` (${a.dtype}) and \`${renderShape(t.shape)}\` (${t.dtype}) along axis ${axis}`, {
        primary: { ...(first.length > 1 ? ctx.itemSource('a', i) : ctx.argSource(arg)), message: `this is \`${renderShape(t.shape)}\`` },
        secondary: [ctx.shapeLabel(a)],
        help: clash === 'dtype' ? 'the parts must have one dtype: `cast` one of them' : `every axis but axis ${axis} must agree`,
      });
      return ERROR;
    }
    const joined = parts.map((t) => t.shape[at]).reduce((x: Dim, y: Dim) => dimOp('+', x, y));
    const shape = a.shape.map((dim, j) => (j === at ? joined : dim));
    const [out] = ctx.emit('concat', parts, [{ dtype: a.dtype, shape }], { axis: at });
    return { kind: 'tensor', tensor: out };
  },
});

export const kernels: Kernels = {
  concat: {
    tfjs: (k) => k.call('concat', k.attr('axis'), ...k.inputs.map((_, i) => k.input(i))),
    torch: (k) => `torch.cat([${Array.from({ length: k.inputCount }, (_, i) => k.input(i)).join(', ')}], dim=${k.int('axis')})`,
    stem: 'joined',
  },
  top_k: {
    tfjs: (k) => k.call('topK', k.input(0), k.attr('k')),
    returns: 'tuple',
    torch: (k) => `torch.topk(${k.input(0)}, ${k.int('k')}, dim=-1)`,
    stem: 'top',
  },
  one_hot: { tfjs: (k) => k.call('oneHot', k.input(0), k.attr('num')), torch: (k) => `rt.one_hot(${k.input(0)}, ${k.int('num')})`, stem: 'one_hot' },
  slice: {
    tfjs: (k) => k.call('sliceAxis', k.input(0), k.attr('axis'), k.attr('start'), k.value('end') === undefined ? undefined : k.attr('end')),
    torch: (k) => `rt.slice_axis(${k.input(0)}, ${k.int('axis')}, ${k.int('start')}${k.value('end') === undefined ? '' : `, ${k.int('end')}`})`,
    stem: 'part',
  },
  roll: { tfjs: (k) => k.call('roll', k.input(0), k.attr('shift'), k.attr('axis')), torch: (k) => `torch.roll(${k.input(0)}, ${k.int('shift')}, dims=${k.int('axis')})`, stem: 'rolled' },
};
