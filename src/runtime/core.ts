/** Shared by the other runtime files: the mask type, the blocked-score fill and the error for values that do not fit. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';

/**
 * An attention mask, built when it meets the scores it masks: `(tq, tk)` → bool
 * `[B | 1, Tq | 1, Tk]`, **true = may attend**. `allowsAll(tq, tk)`, when a mask has it, says
 * without building anything that every query may attend to every key (a causal mask for the one
 * query of a decode step), so `masked` can leave the scores as they are.
 */
export type Mask = ((tq: number, tk: number) => tf.Tensor) & { allowsAll?: (tq: number, tk: number) => boolean };

/** The fill for blocked attention scores: exp underflows to exactly 0 in float32, without NaN. */
export const BLOCKED_SCORE = -1e9;

/** A value that does not fit an op (a sequence longer than a table, an index out of range): the caller's mistake, not a bug. */
export class RuntimeError extends Error {
  override name = 'RuntimeError';
}

/**
 * `tf.transpose(x, perm)`, as a reshape when the permutation only moves axes of size 1 (the
 * others keep their order, so the data's order is unchanged): a decode step's head split and
 * merge and key transposes, one position long, then copy nothing (and take one kernel, not two).
 */
export function permute(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  const kept = perm.filter((axis) => x.shape[axis] !== 1);
  if (kept.every((axis, i) => i === 0 || kept[i - 1] < axis)) return tf.reshape(x, perm.map((axis) => x.shape[axis]));
  return tf.transpose(x, perm as number[]);
}
