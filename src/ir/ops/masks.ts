/**
 * Masks are typed values of dtype `mask` and shape `[B | 1, Tq | 1, Tk]`; their polarity is owned
 * by the compiler and documented once: **true = may attend**. `causal`, `window(w)` and
 * `prefix(len)` give `[1, T, T]` (T is bound by the attention they are applied to),
 * `padding(ids, pad)` gives `[B, 1, T]` (keys that are not padding), `padding(lengths: n)` gives
 * `[B, 1, T]` (keys before each row's length; T bound where applied), `same_segment(ids)` gives
 * `[B, T, T]` (query and key in the same packed document); `a & b` intersects, `a | b` unites,
 * `!a` complements, and `masked(scores, mask)` applies a mask to `[B, heads, Tq, Tk]` scores
 * (every head alike).
 */
import { constDim, dimEquals, freshVar, renderDim, renderShape, unifyBroadcast, type Dim } from '../dims.js';
import { functionOp } from './declare.js';
import { numel, ERROR, inputLabels, requireInt, requireRank } from './helpers.js';
import type { TensorValue } from '../types.js';
import type { OpContext, Value } from '../values.js';
import type { Kernels } from './kernel.js';

function maskValue(t: TensorValue, kinds: string[]): Value {
  t.maskKinds = kinds;
  return { kind: 'tensor', tensor: t };
}

/**
 * A model input of dtype `mask` is data (booleans, or 0 and 1: **true = may attend**) until this
 * node makes it a mask; the backends run it as a conversion, so the compiler owns the polarity and
 * a user never flips a flag. Lowering calls it for each such input, whose name then binds the mask:
 * `m & causal` and `masked(scores, m)` read it like any built mask.
 */
export function maskInput(ctx: Pick<OpContext, 'emit'>, data: TensorValue): Value {
  const [m] = ctx.emit('mask_input', [data], [{ dtype: 'mask', shape: data.shape }]);
  return maskValue(m, ['input']);
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

/**
 * Look-ahead mask limited to the last `w` positions (Mistral's sliding window): query i may attend
 * to keys i − w < j ≤ i.
 */
export const slidingWindow = functionOp('window', 'Sliding-window causal mask: query i may attend to keys i−w+1 .. i. Shape `[1, T, T]`.', {
  args: { w: ['int', 'how many positions a query sees, itself included (positive)'] },
  apply(ctx, { w }) {
    if (!(w > 0)) {
      ctx.error('TFM3010', `a window must be positive, got ${w}`, {
        primary: { ...ctx.argSource('w'), message: 'a query sees this many positions, itself included' },
        help: 'a window of 1 lets each position see only itself; `causal` has no window',
      });
      return ERROR;
    }
    const t = freshVar('T');
    const [m] = ctx.emit('window_mask', [], [{ dtype: 'mask', shape: [constDim(1), t, t] }], { w });
    return maskValue(m, ['window']);
  },
});

/** Prefix-LM (UniLM, T5's prefix LM): the first `len` positions are seen by every query, the rest causally. */
export const prefix = functionOp('prefix', 'Prefix-LM mask: every query sees the first `len` positions (bidirectional prefix), later keys causally. Shape `[1, T, T]`.', {
  args: { len: ['int', 'the length of the bidirectional prefix (0 is `causal`)'] },
  apply(ctx, { len }) {
    if (!(len >= 0)) {
      ctx.error('TFM4008', `a prefix length cannot be negative, got ${len}`, { primary: { ...ctx.argSource('len'), message: 'must be 0 or more' } });
      return ERROR;
    }
    const t = freshVar('T');
    const [m] = ctx.emit('prefix_mask', [], [{ dtype: 'mask', shape: [constDim(1), t, t] }], { len });
    return maskValue(m, ['prefix']);
  },
});

export const padding = functionOp(
  'padding',
  'Padding mask: from token ids (`padding(ids, pad: 0)`: keys equal to `pad` are padding) or from lengths (`padding(lengths: n)`: keys at or after each row\'s length are padding). Shape `[B, 1, T]`.',
  {
    args: {
      ids: ['tensor?', 'int32 `[B, T]` token ids (or give `lengths:`)'],
      pad: ['int?', 'the padding token id, with `ids` (default 0)'],
      lengths: ['tensor?', 'int32 `[B]`: how many leading keys of each row are real (instead of `ids`); T is bound where the mask is applied'],
    },
    apply(ctx, { ids, pad, lengths }) {
      if (ids && lengths) {
        ctx.error('TFM2007', '`padding` takes `ids` or `lengths:`, not both', {
          primary: { ...ctx.argSource('lengths'), message: 'lengths given here' },
          secondary: [{ ...ctx.argSource('ids'), message: 'ids given here' }],
          help: 'keep `ids` for a pad id, or `lengths:` for a length per row',
        });
        return ERROR;
      }
      if (lengths) {
        if (pad !== undefined) {
          ctx.error('TFM2005', '`pad:` goes with `ids`, not with `lengths:`', {
            primary: { ...ctx.argSource('pad'), message: 'a pad id means nothing for lengths' },
            help: 'remove `pad:`; with `lengths:`, keys at or after the length of their row are padding',
          });
          return ERROR;
        }
        if (!requireInt(ctx, lengths, 'lengths', 'padding') || !requireRank(ctx, lengths, 1, 'lengths', 'padding', '`[batch]` lengths')) return ERROR;
        const [m] = ctx.emit('lengths_mask', [lengths], [{ dtype: 'mask', shape: [lengths.shape[0], constDim(1), freshVar('T')] }]);
        return maskValue(m, ['lengths']);
      }
      if (!ids) {
        ctx.error('TFM2006', '`padding` needs token ids or `lengths:`', { help: 'write `padding(ids, pad: 0)` or `padding(lengths: n)`' });
        return ERROR;
      }
      if (!requireInt(ctx, ids, 'ids', 'padding') || !requireRank(ctx, ids, 2, 'ids', 'padding', '`[batch, seq]` token ids')) return ERROR;
      const [m] = ctx.emit('padding_mask', [ids], [{ dtype: 'mask', shape: [ids.shape[0], constDim(1), ids.shape[1]] }], { pad: pad ?? 0 });
      return maskValue(m, ['padding']);
    },
  },
);

/** Packed sequences: a query sees only keys of its own document. */
export const sameSegment = functionOp('same_segment', 'Packed-sequence mask: query and key in the same document, from int32 document ids `[B, T]`. Shape `[B, T, T]`.', {
  args: { ids: ['tensor', 'int32 `[B, T]` document ids', { dtype: 'int32', rank: 2, shape: '`[batch, seq]` document ids' }] },
  apply(ctx, { ids }) {
    const [m] = ctx.emit('segment_mask', [ids], [{ dtype: 'mask', shape: [ids.shape[0], ids.shape[1], ids.shape[1]] }]);
    return maskValue(m, ['segment']);
  },
});

function requireMask(ctx: OpContext, t: TensorValue, arg: string, what: string): boolean {
  if (t.dtype === 'mask') return true;
  ctx.error('TFM3009', `${what} must be a mask, but this is ${t.dtype}`, {
    ...inputLabels(ctx, t, arg, `this is ${t.dtype}`),
    help: 'build masks with `causal`, `window(w)`, `prefix(len)`, `padding(ids, pad: 0)`, `same_segment(ids)`, and combine them with `&`, `|`, `!`',
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

function combineShapes(ctx: OpContext, a: TensorValue, b: TensorValue): Dim[] | undefined {
  const shape = broadcastMask(a.shape, b.shape);
  if (!shape) {
    ctx.error('TFM3005', `cannot combine masks of shapes \`${renderShape(a.shape)}\` and \`${renderShape(b.shape)}\``, {
      secondary: [ctx.shapeLabel(a), ctx.shapeLabel(b)],
    });
  }
  return shape;
}

/** Masks that block every key after the query (alone, they cannot leave a row empty). */
const LOOK_AHEAD = ['causal', 'window'];

export const maskAnd = functionOp('mask_and', 'Intersection of two masks (`a & b`): a key may be attended to when both allow it.', {
  operator: true,
  args: {
    a: ['tensor', 'mask'],
    b: ['tensor', 'mask'],
  },
  apply(ctx, { a, b }) {
    if (!requireMask(ctx, a, 'a', 'the left side of `&`') || !requireMask(ctx, b, 'b', 'the right side of `&`')) return ERROR;
    const shape = combineShapes(ctx, a, b);
    if (!shape) return ERROR;
    const kinds = [...new Set([...(a.maskKinds ?? []), ...(b.maskKinds ?? [])])];
    if (kinds.some((k) => LOOK_AHEAD.includes(k)) && kinds.includes('padding')) {
      ctx.error('TFM4007', 'this mask can leave a query row with nothing to attend to', {
        notes: ['with left padding, a query whose own and earlier positions are all padding has no key it may attend to'],
        help: 'pad sequences on the right (or use `padding(lengths: n)`); tfmc returns zeros (not NaN) for a fully masked row, so this is safe but wasteful',
      });
    }
    const [m] = ctx.emit('mask_and', [a, b], [{ dtype: 'mask', shape }]);
    return maskValue(m, kinds);
  },
});

export const maskOr = functionOp('mask_or', 'Union of two masks (`a | b`): a key may be attended to when either allows it.', {
  operator: true,
  args: {
    a: ['tensor', 'mask'],
    b: ['tensor', 'mask'],
  },
  apply(ctx, { a, b }) {
    if (!requireMask(ctx, a, 'a', 'the left side of `|`') || !requireMask(ctx, b, 'b', 'the right side of `|`')) return ERROR;
    const shape = combineShapes(ctx, a, b);
    if (!shape) return ERROR;
    const [m] = ctx.emit('mask_or', [a, b], [{ dtype: 'mask', shape }]);
    return maskValue(m, [...new Set([...(a.maskKinds ?? []), ...(b.maskKinds ?? [])])]);
  },
});

export const maskNot = functionOp('mask_not', 'Complement of a mask (`!a`): a key may be attended to when `a` does not allow it.', {
  operator: true,
  args: { a: ['tensor', 'mask'] },
  apply(ctx, { a }) {
    if (!requireMask(ctx, a, 'a', 'the operand of `!`')) return ERROR;
    const [m] = ctx.emit('mask_not', [a], [{ dtype: 'mask', shape: a.shape }]);
    return maskValue(m, [...(a.maskKinds ?? []), 'not']);
  },
});

export const masked = functionOp('masked', 'Apply a mask to attention scores `[B, heads, Tq, Tk]`: blocked entries become −∞ before the softmax.', {
  args: {
    scores: ['tensor', 'float32 `[B, heads, Tq, Tk]`', { rank: 4, shape: '`[batch, heads, queries, keys]`' }],
    mask: ['tensor?', 'mask `[B | 1, Tq | 1, Tk]`; omitted: no masking'],
  },
  apply(ctx, { scores: s, mask: m }) {
    if (!m) return { kind: 'tensor', tensor: s };
    if (!requireMask(ctx, m, 'mask', 'the second argument of `masked`')) return ERROR;
    if (m.shape.length !== 3) {
      ctx.error('TFM3005', `a mask must have shape \`[batch, queries, keys]\`, but this one is \`${renderShape(m.shape)}\``, { primary: ctx.shapeLabel(m) });
      return ERROR;
    }
    const target = [s.shape[0], s.shape[2], s.shape[3]];
    const names = ['batch', 'query', 'key'];
    for (let i = 0; i < 3; i++) {
      const r = unifyBroadcast(m.shape[i], target[i]);
      if (!r.ok) {
        // The mask was built for the sequence that is on the query side: in cross-attention, the
        // decoder's input and the encoder's memory were passed the other way round.
        const swapped = i === 2 && dimEquals(m.shape[2], target[1]) && !dimEquals(target[1], target[2]);
        const swapHelp = 'queries and keys look swapped: the mask fits the queries. In cross-attention the queries come from the decoder\'s input and the keys and values from `memory:` — were the two passed the other way round?';
        ctx.error('TFM3005', `mask of shape \`${renderShape(m.shape)}\` does not fit attention scores \`${renderShape(s.shape)}\``, {
          primary: { ...ctx.argSource('mask'), message: `the mask's ${names[i]} axis is ${renderDim(m.shape[i])}, the attention's is ${renderDim(target[i])}` },
          secondary: [ctx.shapeLabel(m, `the mask is \`${renderShape(m.shape)}\``), ctx.shapeLabel(s, `the scores are \`${renderShape(s.shape)}\``)],
          help: swapped ? swapHelp : i === 2 ? 'a padding mask must be built from the ids of the sequence that provides the keys' : i === 1 ? 'a causal mask needs queries and keys from the same sequence (self-attention)' : undefined,
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
  window_mask: { tfjs: (k) => k.call('windowMask', k.attr('w')), torch: (k) => `rt.window_mask(${k.int('w')})`, stem: 'mask' },
  prefix_mask: { tfjs: (k) => k.call('prefixMask', k.attr('len')), torch: (k) => `rt.prefix_mask(${k.int('len')})`, stem: 'mask' },
  padding_mask: {
    tfjs: (k) => k.call('paddingMask', k.input(0), k.attr('pad')),
    torch: (k) => `rt.padding_mask(${k.input(0)}, pad=${k.int('pad')})`,
    stem: 'mask',
  },
  lengths_mask: { tfjs: (k) => k.call('lengthsMask', k.input(0)), torch: (k) => `rt.lengths_mask(${k.input(0)})`, stem: 'mask' },
  segment_mask: { tfjs: (k) => k.call('segmentMask', k.input(0)), torch: (k) => `rt.segment_mask(${k.input(0)})`, stem: 'mask' },
  mask_input: { tfjs: (k) => k.call('maskFromData', k.input(0)), torch: (k) => `rt.mask_from_data(${k.input(0)})`, stem: 'mask' },
  mask_and: {
    tfjs: (k) => k.call('maskAnd', k.input(0), k.input(1)),
    torch: (k) => `${k.input(0)} & ${k.input(1)}`,
    stem: 'mask',
  },
  mask_or: {
    tfjs: (k) => k.call('maskOr', k.input(0), k.input(1)),
    torch: (k) => `${k.input(0)} | ${k.input(1)}`,
    stem: 'mask',
  },
  mask_not: { tfjs: (k) => k.call('maskNot', k.input(0)), torch: (k) => `~${k.input(0)}`, stem: 'mask' },
  masked: {
    tfjs: (k) => k.call('masked', k.input(0), k.input(1)),
    returns: 'rows',
    torch: (k) => `rt.masked(${k.input(0)}, ${k.input(1)})`,
    stem: 'masked_scores',
  },
};
