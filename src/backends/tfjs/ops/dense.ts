/**
 * `x · wᵀ` for a 2-D `x` `[N, in]` and a PyTorch-layout weight `w` `[out, in]`, on the fast path
 * of every backend. The wasm backend runs a matmul through XNNPACK only when neither operand is
 * flagged as transposed (and the batch is 1); with `transposeB` — and in the gradient tfjs derives
 * for it, which uses `transposeA`/`transposeB` — it falls back to a scalar loop about 10× slower.
 * So the transposes are explicit copies (`O(in·out)`, cheap beside the `O(N·in·out)` product
 * unless N is tiny: see {@link SMALL_ROWS}), in the forward and, through `customGrad`, in the
 * backward:
 *   y = x · transpose(w);  dx = dy · w;  dw = transpose(dy) · x.
 */
import * as tf from '@tensorflow/tfjs';

const denseT = tf.customGrad((x, w, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.matMul(x as tf.Tensor, tf.transpose(w as tf.Tensor)),
    gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [tf.matMul(dy, sw), tf.matMul(tf.transpose(dy), sx)],
  };
});

/**
 * Below this many rows the explicit transpose (and XNNPACK packing the new tensor) costs more than
 * the product: one row (a cached generation step) takes 2.8 ms with `transposeB` and 18 ms
 * transposed explicitly for a 512 → 2048 projection on wasm; the two cross near 12 rows.
 */
export const SMALL_ROWS = 8;

/**
 * Transposed weights kept between inference calls, by weight: a fresh transpose per call is a new
 * tensor, which XNNPACK must also re-pack. An entry is valid while the weight's data is the one it
 * was made from (`Variable.assign` gives a variable new data).
 */
export type TransposedWeights = Map<tf.Tensor, { data: object; transposed: tf.Tensor }>;

/**
 * `x · wᵀ` (`[N, in] · [out, in]ᵀ` → `[N, out]`), for N > {@link SMALL_ROWS} with matmuls that
 * carry no transpose flag, forward and backward. With `cache` (inference) and no gradient being
 * recorded, the transpose of `w` is made once and reused.
 */
export function matMulWeightT(x: tf.Tensor, w: tf.Tensor, cache?: TransposedWeights): tf.Tensor {
  if (x.shape[0] <= SMALL_ROWS) return tf.matMul(x, w, false, true);
  if (!cache || tf.engine().isTapeOn()) return denseT(x, w);
  let entry = cache.get(w);
  if (!entry || entry.data !== w.dataId) {
    entry?.transposed.dispose();
    entry = { data: w.dataId, transposed: tf.keep(tf.transpose(w)) };
    cache.set(w, entry);
  }
  return tf.matMul(x, entry.transposed);
}
