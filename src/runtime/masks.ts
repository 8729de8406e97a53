/** Masks (**true = may attend**), built when they meet the scores they mask, and `masked`. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { type Mask, BLOCKED_SCORE, RuntimeError } from './core.js';

/**
 * Query i of `tq` may attend to key j of `tk` when j ≤ i + (tk − tq): the queries are the last
 * `tq` positions of the keys (tq < tk when decoding with a cache of earlier keys). One mask is
 * made per size and shared by every layer that applies it.
 */
export function causalMask(): Mask {
  const made = new Map<string, tf.Tensor>();
  const mask: Mask = (tq, tk) => {
    const key = `${tq}:${tk}`;
    const known = made.get(key);
    if (known && !known.isDisposed) return known;
    if (tq > tk) throw new RuntimeError(`a causal mask needs at least as many keys as queries, got ${tq} queries and ${tk} keys`);
    const rows = tf.add(tf.expandDims(tf.range(0, tq, 1, 'int32'), 1), tk - tq);
    const cols = tf.expandDims(tf.range(0, tk, 1, 'int32'), 0);
    const m = tf.expandDims(tf.lessEqual(cols, rows), 0); // [1, tq, tk]
    made.set(key, m);
    return m;
  };
  // One query, the last position: it sees every key (a decode step with a cache).
  mask.allowsAll = (tq, tk) => tq === 1 && tk >= 1;
  return mask;
}

/** Keys whose id is not `pad`: built from ids `[B, T]` as `[B, 1, T]`. */
export function paddingMask(ids: tf.Tensor, pad: number): Mask {
  const m = tf.expandDims(tf.notEqual(ids, tf.scalar(pad, 'int32')), 1);
  return (_tq, tk) => {
    if (tk !== ids.shape[1]) throw new RuntimeError(`a padding mask built from ids of length ${ids.shape[1]} cannot mask ${tk} keys`);
    return m;
  };
}

/**
 * A mask given as data (a model input `mask[...]`): booleans, or the numbers 0 and 1, **true / 1
 * = may attend**, shaped `[B | 1, Tq | 1, Tk]`. A nonzero number allows; `masked` checks that the
 * shape fits the scores.
 */
export function maskFromData(data: tf.Tensor): Mask {
  const m = data.dtype === 'bool' ? data : tf.notEqual(data, tf.scalar(0, data.dtype));
  return () => m;
}

/** Both masks allow. */
export function maskAnd(a: Mask, b: Mask): Mask {
  return (tq, tk) => tf.logicalAnd(a(tq, tk), b(tq, tk));
}

/** Either mask allows. */
export function maskOr(a: Mask, b: Mask): Mask {
  return (tq, tk) => tf.logicalOr(a(tq, tk), b(tq, tk));
}

/** What the mask does not allow. */
export function maskNot(a: Mask): Mask {
  return (tq, tk) => tf.logicalNot(a(tq, tk));
}

/**
 * A `[1, tq, tk]` mask made by `allow(rows, cols)` from the absolute positions of the queries
 * (`rows`, `[tq, 1]`: the last `tq` of `tk`) and of the keys (`cols`, `[1, tk]`), one per size.
 */
function positionalMask(allow: (rows: tf.Tensor, cols: tf.Tensor) => tf.Tensor): Mask {
  const made = new Map<string, tf.Tensor>();
  return (tq, tk) => {
    const key = `${tq}:${tk}`;
    const known = made.get(key);
    if (known && !known.isDisposed) return known;
    if (tq > tk) throw new RuntimeError(`a look-ahead mask needs at least as many keys as queries, got ${tq} queries and ${tk} keys`);
    const rows = tf.add(tf.expandDims(tf.range(0, tq, 1, 'int32'), 1), tk - tq);
    const cols = tf.expandDims(tf.range(0, tk, 1, 'int32'), 0);
    const m = tf.expandDims(allow(rows, cols), 0); // [1, tq, tk]
    made.set(key, m);
    return m;
  };
}

/** Sliding window: query i may attend to keys i − w < j ≤ i (as {@link causalMask}, queries last). */
export function windowMask(w: number): Mask {
  return positionalMask((rows, cols) => tf.logicalAnd(tf.lessEqual(cols, rows), tf.greater(cols, tf.sub(rows, w))));
}

/**
 * Prefix LM: every query may attend to keys j < `len` and, beyond them, to keys j ≤ i. Step-wise
 * decoding is exact once the whole prefix is in one step: positions cached before the end of the
 * prefix would have missed keys of it, so that is an error (the cached stepper reruns the whole
 * sequence until the prefix is full, and never meets it).
 */
export function prefixMask(len: number): Mask {
  const mask = positionalMask((rows, cols) => tf.logicalOr(tf.lessEqual(cols, rows), tf.less(cols, len)));
  return (tq, tk) => {
    const cached = tk - tq;
    if (cached > 0 && cached < len) {
      throw new RuntimeError(`a prefix mask of length ${len} needs the whole prefix in the first step, but ${cached} positions were computed before it ended`);
    }
    return mask(tq, tk);
  };
}

/** Keys before each row's length: built from int32 lengths `[B]` as `[B, 1, Tk]`. */
export function lengthsMask(lengths: tf.Tensor): Mask {
  const made = new Map<number, tf.Tensor>();
  return (_tq, tk) => {
    const known = made.get(tk);
    if (known && !known.isDisposed) return known;
    const cols = tf.range(0, tk, 1, 'int32').reshape([1, 1, tk]);
    const m = tf.less(cols, tf.reshape(lengths, [-1, 1, 1])); // [B, 1, tk]
    made.set(tk, m);
    return m;
  };
}

/**
 * Packed sequences: query and key in the same document, from int32 document ids `[B, T]`, as
 * `[B, tq, T]` (the queries are the last `tq` positions).
 */
export function segmentMask(ids: tf.Tensor): Mask {
  const made = new Map<string, tf.Tensor>();
  return (tq, tk) => {
    const t = ids.shape[1] as number;
    if (tk !== t) throw new RuntimeError(`a segment mask built from ids of length ${t} cannot mask ${tk} keys`);
    if (tq > tk) throw new RuntimeError(`a segment mask needs at least as many keys as queries, got ${tq} queries and ${tk} keys`);
    const key = `${tq}:${tk}`;
    const known = made.get(key);
    if (known && !known.isDisposed) return known;
    const queries = tq === tk ? ids : tf.slice(ids, [0, tk - tq], [-1, tq]);
    const m = tf.equal(tf.expandDims(queries, 2), tf.expandDims(ids, 1)); // [B, tq, tk]
    made.set(key, m);
    return m;
  };
}

/**
 * What {@link masked} adds for one built mask: a float bias `[B | 1, 1, Tq | 1, Tk]` (0 where a
 * key may be attended, −1e9 where not) and the "row has a key" indicator. Made once per mask
 * tensor: a causal mask is shared by every layer of a forward pass.
 */
const maskBiases = new WeakMap<tf.Tensor, { bias: tf.Tensor; rows: tf.Tensor }>();

/**
 * Scores `[B, H, Tq, Tk]` with {@link BLOCKED_SCORE} added to blocked entries (the sum is −1e9 in
 * float32 for any score below 32 in magnitude; its exp is exactly 0), and a float
 * `[B | 1, 1, Tq | 1, 1]` indicator that is 0 for query rows with no key left: `softmax` takes it
 * so such rows give zeros instead of a uniform distribution over blocked keys. When the mask
 * allows everything (`Mask.allowsAll`), the scores themselves and no indicator.
 */
export function masked(scores: tf.Tensor, mask: Mask): [tf.Tensor, tf.Tensor | undefined] {
  const [b, heads, tq, tk] = scores.shape;
  const terms = maskTerms(mask, b, heads, tq, tk);
  return terms ? [tf.add(scores, terms.bias), terms.rows] : [scores, undefined];
}

/**
 * What {@link masked} does to scores `[B, heads, Tq, Tk]`, as tensors: the bias it adds and the
 * rows indicator `softmax` multiplies by (see {@link maskBiases}); undefined when the mask
 * allows everything. Fused attention kernels take these two.
 */
export function maskTerms(mask: Mask, b: number, heads: number, tq: number, tk: number): { bias: tf.Tensor; rows: tf.Tensor } | undefined {
  // Nothing to block and no row left without a key: the scores as they are (a decode step skips
  // building the mask, adding its bias and scaling the probabilities by the rows indicator).
  if (mask.allowsAll?.(tq, tk)) return undefined;
  const m = mask(tq, tk); // [B | 1, Tq | 1, Tk]
  if (m.rank !== 3 || m.shape[2] !== tk || (m.shape[1] !== 1 && m.shape[1] !== tq) || (m.shape[0] !== 1 && m.shape[0] !== b)) {
    throw new RuntimeError(`a mask of shape [${m.shape.join(', ')}] does not fit attention scores [${[b, heads, tq, tk].join(', ')}]`);
  }
  let made = maskBiases.get(m);
  if (!made || made.bias.isDisposed || made.rows.isDisposed) {
    const m4 = tf.expandDims(m, 1); // every head alike
    // Adding a 0 / −1e9 bias broadcasts cheaply, where a tf.where would tile the mask to the scores' shape.
    made = { bias: tf.mul(tf.sub(1, tf.cast(m4, 'float32')), BLOCKED_SCORE), rows: tf.cast(tf.any(m4, -1, true), 'float32') };
    maskBiases.set(m, made);
  }
  return made;
}
