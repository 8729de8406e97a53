/**
 * Row lookup `table[ids]` with its own gradient. tfjs's gradient of `gather` needs the
 * `UnsortedSegmentSum` kernel, which the wasm backend lacks; here the gradient of the table is a
 * `scatterND` of the incoming gradient rows (duplicate ids add up), available on every backend.
 */
import * as tf from '@tensorflow/tfjs';

/** `table [rows, dim]`, int32 `ids [...]` → `[..., dim]`. */
export function gatherRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const [rows, dim] = table.shape as number[];
  const outShape = [...ids.shape, dim];
  const lookup = tf.customGrad((t, save) => {
    const flat = tf.reshape(ids, [-1, 1]);
    (save as tf.GradSaveFunc)([flat]);
    return {
      value: tf.reshape(tf.gather(t as tf.Tensor, tf.reshape(flat, [-1])), outShape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0], tf.reshape(dy, [-1, dim]), [rows, dim]),
    };
  });
  return lookup(table);
}
