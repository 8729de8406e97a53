/** Products with PyTorch-layout weights on the fast path of every backend, and batched matmuls. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { permute, RuntimeError } from './core.js';
import { fusedKernel } from './fused.js';

/**
 * `x · wᵀ` for a 2-D `x` `[N, in]` and a PyTorch-layout weight `w` `[out, in]`, on the fast path
 * of every backend. The wasm backend runs a matmul through XNNPACK only when neither operand is
 * flagged as transposed; with `transposeB` (and in the gradient tfjs derives for it) it falls back
 * to a scalar loop about 10× slower. So the transposes are explicit copies, forward and, through
 * `customGrad`, backward: y = x · transpose(w); dx = dy · w; dw = transpose(dy) · x.
 */
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
 * `x · wᵀ` (`[N, in] · [out, in]ᵀ` → `[N, out]`). With `cache` (inference) and no gradient being
 * recorded, the transpose of `w` is made once and reused, for any N; otherwise, for N >
 * {@link SMALL_ROWS}, with matmuls that carry no transpose flag, forward and backward.
 */
export function matMulWeightT(x: tf.Tensor, w: tf.Tensor, cache?: TransposedWeights): tf.Tensor {
  // A backend with a fused linear kernel (a BLAS reads the weight transposed in place) needs no transposed copies.
  const fused = fusedKernel('TfmcLinear', { x, weight: w });
  if (fused) return fused;
  // The kept transpose is tested first: one-row decode steps are exactly where a `transposeB`
  // matmul is slowest (a 50,257-wide output head took 130 ms a token that way).
  if (!cache || tf.engine().isTapeOn()) return x.shape[0] <= SMALL_ROWS ? tf.matMul(x, w, false, true) : (denseT(x, w) as tf.Tensor);
  let entry = cache.get(w);
  if (!entry || entry.data !== w.dataId) {
    entry?.transposed.dispose();
    entry = { data: w.dataId, transposed: tf.keep(tf.transpose(w)) };
    cache.set(w, entry);
  }
  return tf.matMul(x, entry.transposed);
}

/** y = x·Wᵀ + b over the last axis, with PyTorch's weight layout `[out, in]`; `cache` as for {@link matMulWeightT}. */
export function linear(x: tf.Tensor, weight: tf.Tensor, bias?: tf.Tensor, cache?: TransposedWeights): tf.Tensor {
  const [out, inDim] = weight.shape;
  const lead = x.shape.slice(0, -1);
  if (x.shape[x.rank - 1] !== inDim) throw new RuntimeError(`expects ${inDim} input features, got ${x.shape[x.rank - 1]}`);
  // The fused kernel takes x of any rank: no reshapes around it (a decode step has 73 linears).
  const fused = !bias || (bias.rank === 1 && bias.shape[0] === out) ? fusedKernel('TfmcLinear', { x, weight, bias }) : undefined;
  if (fused) return fused;
  const rows = tf.reshape(x, [-1, inDim]);
  let y = matMulWeightT(rows, weight, cache);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [...lead, out]);
}

/** Batched `a @ b` (`[..., m, k] @ [..., k, n]`), broadcasting the batch axes. */
export function matmul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const rank = Math.max(a.rank, b.rank);
  const lift = (x: tf.Tensor) => (x.rank >= rank ? x : tf.reshape(x, [...new Array<number>(rank - x.rank).fill(1), ...x.shape]));
  const [la, lb] = [lift(a), lift(b)];
  // Batch axes that broadcast are stretched explicitly: tfjs's BatchMatMul gradient does not sum
  // over broadcast batch axes (a `[4, 8]` parameter times `[batch, 8, 16]` got a `[batch, 4, 8]` gradient).
  const batch = la.shape.slice(0, -2).map((d, i) => Math.max(d, lb.shape[i]));
  const stretch = (x: tf.Tensor) => (x.shape.slice(0, -2).every((d, i) => d === batch[i]) ? x : tf.broadcastTo(x, [...batch, ...x.shape.slice(-2)]));
  return tf.matMul(stretch(la), stretch(lb));
}

/** Swaps the last two axes. */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return permute(x, perm);
}
