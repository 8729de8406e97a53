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

/** `x · wᵀ` (`[N, in] · [out, in]ᵀ` → `[N, out]`), for N > {@link SMALL_ROWS} with matmuls that carry no transpose flag, forward and backward. */
export function matMulWeightT(x: tf.Tensor, w: tf.Tensor): tf.Tensor {
  return x.shape[0] <= SMALL_ROWS ? tf.matMul(x, w, false, true) : denseT(x, w);
}
