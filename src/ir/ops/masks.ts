/**
 * Masks are typed values of dtype `mask` and shape `[B | 1, Tq | 1, Tk]`; their polarity is owned
 * by the compiler and documented once: **true = may attend**. `causal` gives `[1, T, T]` (T is
 * bound by the attention it is applied to), `padding(ids, pad)` gives `[B, 1, T]` (keys that are
 * not padding), `a & b` intersects, and `masked(scores, mask)` applies a mask to
 * `[B, heads, Tq, Tk]` scores (every head alike).
 */
import { constDim, freshVar, renderDim, renderShape, unifyBroadcast, type Dim } from '../dims.js';
import { functionOp } from './declare.js';
import { numel, ERROR } from './helpers.js';
import type { TensorValue } from '../types.js';
import type { OpContext, Value } from '../values.js';
import type { Kernels } from './kernel.js';

function maskValue(t: TensorValue, kinds: string[]): Value {
  t.maskKinds = kinds;
  return { kind: 'tensor', tensor: t };
}

/** A built-in value rather than a function (`causal`, not `causal()`), so an operator op. */
export const causal = functionOp('causal', 'Look-ahead mask: query i may attend to keys 0..i. Shape `[1, T, T]`.', {
  operator: true,
  args: {},
  apply(ctx) {
    const t = freshVar('T');
    const [m] = ctx.emit('causal_mask', [], [{ dtype: 'mask', shape: [constDim(1), t, t] }]);
    return maskValue(m, ['causal']);
  },
});

export const padding = functionOp('padding', 'Padding mask from token ids: keys equal to `pad` may not be attended to. Shape `[B, 1, T]`.', {
  args: {
    ids: ['tensor', 'int32 `[B, T]`', { dtype: 'int32', rank: 2, shape: '`[batch, seq]` token ids' }],
    pad: ['int', 'the padding token id', 0],
  },
  apply(ctx, { ids, pad }) {
    const [m] = ctx.emit('padding_mask', [ids], [{ dtype: 'mask', shape: [ids.shape[0], constDim(1), ids.shape[1]] }], { pad });
    return maskValue(m, ['padding']);
  },
});

function requireMask(ctx: OpContext, t: TensorValue, what: string): boolean {
  if (t.dtype === 'mask') return true;
  ctx.error('TFM3009', `${what} must be a mask, but this is ${t.dtype}`, {
    primary: ctx.shapeLabel(t, `this is ${t.dtype}`),
    help: 'build masks with `causal`, `padding(ids, pad: 0)`, or `a & b`',
  });
  return false;
}

function broadcastMask(a: Dim[], b: Dim[]): Dim[] | undefined {
  const out: Dim[] = [];
  for (let i = 0; i < 3; i++) {
    const r = unifyBroadcast(a[i], b[i]);
    if (!r.ok) return undefined;
    out.push(r.result);
  }
  return out;
}

export const maskAnd = functionOp('mask_and', 'Intersection of two masks (`a & b`): a key may be attended to when both allow it.', {
  operator: true,
  args: {
    a: ['tensor', 'mask'],
    b: ['tensor', 'mask'],
  },
  apply(ctx, { a, b }) {
    if (!requireMask(ctx, a, 'the left side of `&`') || !requireMask(ctx, b, 'the right side of `&`')) return ERROR;
    const shape = broadcastMask(a.shape, b.shape);
    if (!shape) {
      ctx.error('TFM3005', `cannot combine masks of shapes \`${renderShape(a.shape)}\` and \`${renderShape(b.shape)}\``, {
        secondary: [ctx.shapeLabel(a), ctx.shapeLabel(b)],
      });
      return ERROR;
    }
    const kinds = [...new Set([...(a.maskKinds ?? []), ...(b.maskKinds ?? [])])];
    if (kinds.includes('causal') && kinds.includes('padding')) {
      ctx.error('TFM4007', 'this mask can leave a query row with nothing to attend to', {
        notes: ['with left padding, a query whose own and earlier positions are all padding has no key it may attend to'],
        help: 'pad sequences on the right; tfmc returns zeros (not NaN) for a fully masked row, so this is safe but wasteful',
      });
    }
    const [m] = ctx.emit('mask_and', [a, b], [{ dtype: 'mask', shape }]);
    return maskValue(m, kinds);
  },
});

export const masked = functionOp('masked', 'Apply a mask to attention scores `[B, heads, Tq, Tk]`: blocked entries become −∞ before the softmax.', {
  args: {
    scores: ['tensor', 'float32 `[B, heads, Tq, Tk]`', { rank: 4, shape: '`[batch, heads, queries, keys]`' }],
    mask: ['tensor?', 'mask `[B | 1, Tq | 1, Tk]`; omitted: no masking'],
  },
  apply(ctx, { scores: s, mask: m }) {
    if (!m) return { kind: 'tensor', tensor: s };
    if (!requireMask(ctx, m, 'the second argument of `masked`')) return ERROR;
    if (m.shape.length !== 3) {
      ctx.error('TFM3005', `a mask must have shape \`[batch, queries, keys]\`, but this one is \`${renderShape(m.shape)}\``, { primary: ctx.shapeLabel(m) });
      return ERROR;
    }
    const target = [s.shape[0], s.shape[2], s.shape[3]];
    const names = ['batch', 'query', 'key'];
    for (let i = 0; i < 3; i++) {
      const r = unifyBroadcast(m.shape[i], target[i]);
      if (!r.ok) {
        ctx.error('TFM3005', `mask of shape \`${renderShape(m.shape)}\` does not fit attention scores \`${renderShape(s.shape)}\``, {
          primary: { ...ctx.argSource('mask'), message: `the mask's ${names[i]} axis is ${renderDim(m.shape[i])}, the attention's is ${renderDim(target[i])}` },
          secondary: [ctx.shapeLabel(m, `the mask is \`${renderShape(m.shape)}\``), ctx.shapeLabel(s, `the scores are \`${renderShape(s.shape)}\``)],
          help: i === 2 ? 'a padding mask must be built from the ids of the sequence that provides the keys' : i === 1 ? 'a causal mask needs queries and keys from the same sequence (self-attention)' : undefined,
        });
        return ERROR;
      }
    }
    const [out] = ctx.emit('masked', [s, m], [{ dtype: 'float32', shape: s.shape }]);
    return { kind: 'tensor', tensor: out };
  },
  flops: ({ outputs }) => numel(outputs[0]),
});

export const kernels: Kernels = {
  causal_mask: { tfjs: (k) => k.call('causalMask'), torch: () => 'rt.causal_mask()', stem: 'mask' },
  padding_mask: {
    tfjs: (k) => k.call('paddingMask', k.input(0), k.attr('pad')),
    torch: (k) => `rt.padding_mask(${k.input(0)}, pad=${k.int('pad')})`,
    stem: 'mask',
  },
  mask_and: {
    tfjs: (k) => k.call('maskAnd', k.input(0), k.input(1)),
    torch: (k) => `${k.input(0)} & ${k.input(1)}`,
    stem: 'mask',
  },
  masked: {
    tfjs: (k) => k.call('masked', k.input(0), k.input(1)),
    returns: 'rows',
    torch: (k) => `rt.masked(${k.input(0)}, ${k.input(1)})`,
    stem: 'masked_scores',
  },
};
