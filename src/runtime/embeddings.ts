/** Table lookups and position tables. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';

/**
 * Row lookup `table[ids]`: `[rows, dim]`, int32 `[...]` → `[..., dim]`. Its gradient is a
 * `scatterND` of the incoming rows, because tfjs's own gradient of `gather` needs a kernel that
 * the wasm backend lacks.
 */
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

/**
 * The position vectors of positions `start … start + length` from a learned table `[rows, dim]`
 * (`start` > 0 when decoding step by step), read from row `first` on: OPT's table keeps its first
 * two rows unused.
 */
export function learnedPositions(table: tf.Tensor, length: number, start = 0, first = 0): tf.Tensor {
  const [rows, dim] = table.shape as number[];
  if (first + start + length > rows) throw new RuntimeError(`a sequence of length ${start + length} does not fit the positional table of ${rows - first} rows`);
  return tf.slice(table, [first + start, 0], [length, dim]);
}

/**
 * Fixed sinusoidal positions `[length, dim]` for positions `first + start …` (Vaswani et al. 2017,
 * §3.5), computed in double precision: PE(t, 2i) = sin(t / 10000^(2i/dim)), PE(t, 2i+1) = cos(t / 10000^(2i/dim)).
 */
export function sinusoidalPositions(length: number, dim: number, start = 0, first = 0): tf.Tensor {
  const out = new Float32Array(length * dim);
  for (let i = 0; i < dim; i += 2) {
    const freq = Math.pow(10000, -i / dim);
    for (let t = 0; t < length; t++) {
      out[t * dim + i] = Math.sin((first + start + t) * freq);
      if (i + 1 < dim) out[t * dim + i + 1] = Math.cos((first + start + t) * freq);
    }
  }
  return tf.tensor2d(out, [length, dim]);
}
