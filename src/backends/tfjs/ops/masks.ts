/**
 * Masks, **true = may attend** (the one polarity of the language). They are lazy
 * ({@link RuntimeMask}): `causal_mask` learns its size from the attention scores it is applied
 * to, `padding_mask` is built from ids `[B, T]` as `[B, 1, T]`, `mask_and` intersects, and
 * `masked` adds −1e9 to blocked scores (the sum is −1e9 in float32 for any score of magnitude
 * below 32; its exp underflows to exactly 0, like −∞, but without NaN in a fully blocked row) and
 * records which query rows keep at least one key, so the following `softmax` gives zeros for
 * rows that keep none.
 */
import * as tf from '@tensorflow/tfjs';
import { isMask, numAttr, tensors, type OpImpl, type OpRunContext, type RuntimeMask } from './types.js';

/** The fill for blocked scores. */
export const BLOCKED = -1e9;

/**
 * Query i of `tq` may attend to key j of `tk` when j ≤ i + (tk − tq): the queries are the last
 * `tq` positions of the key sequence (tq = tk in self-attention over a whole sequence; tq < tk
 * when decoding with a cache of earlier keys).
 */
function causalMask(tq: number, tk: number, ctx: OpRunContext): tf.Tensor {
  const key = `causal:${tq}:${tk}`;
  const cached = ctx.cache.get(key);
  if (cached) return cached;
  if (tq > tk) ctx.fail(`a causal mask needs at least as many keys as queries, got ${tq} queries and ${tk} keys`);
  const rows = tf.add(tf.expandDims(tf.range(0, tq, 1, 'int32'), 1), tk - tq);
  const cols = tf.expandDims(tf.range(0, tk, 1, 'int32'), 0);
  const m = tf.expandDims(tf.lessEqual(cols, rows), 0); // [1, tq, tk]
  ctx.cache.set(key, m);
  return m;
}

export const causal: OpImpl = () => [{ kind: 'mask', describe: 'causal', build: causalMask } satisfies RuntimeMask];

export const padding: OpImpl = (inputs, ctx) => {
  const [ids] = tensors(inputs, ctx);
  const pad = numAttr(ctx, 'pad');
  const m = tf.expandDims(tf.notEqual(ids, tf.scalar(pad, 'int32')), 1); // [B, 1, T]
  const t = ids.shape[1];
  const mask: RuntimeMask = {
    kind: 'mask',
    describe: `padding (pad ${pad})`,
    build(_tq, tk, c) {
      if (tk !== t) c.fail(`a padding mask built from ids of length ${t} cannot mask ${tk} keys`);
      return m;
    },
  };
  return [mask];
};

export const maskAnd: OpImpl = (inputs, ctx) => {
  const [a, b] = inputs;
  if (!isMask(a) || !isMask(b)) return ctx.fail('`&` combines two masks');
  const mask: RuntimeMask = {
    kind: 'mask',
    describe: `${a.describe} & ${b.describe}`,
    build: (tq, tk, c) => tf.logicalAnd(a.build(tq, tk, c), b.build(tq, tk, c)),
  };
  return [mask];
};

/**
 * What `masked` adds to the scores for one built mask: a float bias `[B | 1, 1, Tq | 1, Tk]`, 0 where
 * a key may be attended and −1e9 where not, and the "row has a key" indicator. Built once per mask
 * tensor (a causal mask is shared by every layer of a forward call). An add that broadcasts the
 * small bias is much cheaper than a `tf.where`, which tiles the mask and the fill to the scores'
 * full shape first (a third of a small model's forward time on wasm).
 */
interface MaskBias {
  bias: tf.Tensor;
  rows: tf.Tensor;
}
const biasOf = new WeakMap<tf.Tensor, MaskBias>();

function maskBias(m: tf.Tensor): MaskBias {
  const known = biasOf.get(m);
  if (known && !known.bias.isDisposed && !known.rows.isDisposed) return known;
  const m4 = tf.expandDims(m, 1); // every head alike
  const allowed = tf.cast(m4, 'float32');
  const made = { bias: tf.mul(tf.sub(1, allowed), BLOCKED), rows: tf.cast(tf.any(m4, -1, true), 'float32') };
  biasOf.set(m, made);
  return made;
}

export const masked: OpImpl = (inputs, ctx) => {
  const [scores, mask] = inputs;
  if (isMask(scores)) return ctx.fail('the scores given to `masked` are a mask');
  if (!isMask(mask)) return ctx.fail('the second argument of `masked` is not a mask');
  const [, , tq, tk] = scores.shape as number[];
  const m = mask.build(tq, tk, ctx); // [B | 1, Tq | 1, Tk]
  if (m.rank !== 3 || m.shape[2] !== tk || (m.shape[1] !== 1 && m.shape[1] !== tq) || (m.shape[0] !== 1 && m.shape[0] !== scores.shape[0])) {
    ctx.fail(`a mask of shape [${m.shape.join(', ')}] does not fit attention scores [${scores.shape.join(', ')}]`);
  }
  const { bias, rows } = maskBias(m);
  const out = tf.add(scores, bias);
  ctx.rowsAllowed.set(out, rows);
  return [out];
};

export const ops: Record<string, OpImpl> = { causal_mask: causal, padding_mask: padding, mask_and: maskAnd, masked };
