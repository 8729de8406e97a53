/** `matmul` (`a @ b`): batched `[..., m, k] @ [..., k, n]` with broadcast batch axes; `transpose`: swap the last two axes. */
import * as tf from '@tensorflow/tfjs';
import { tensors, type OpImpl } from './types.js';

function withRank(x: tf.Tensor, rank: number): tf.Tensor {
  return x.rank >= rank ? x : tf.reshape(x, [...new Array<number>(rank - x.rank).fill(1), ...x.shape]);
}

export const matmul: OpImpl = (inputs, ctx) => {
  const [a, b] = tensors(inputs, ctx);
  const rank = Math.max(a.rank, b.rank);
  return [tf.matMul(withRank(a, rank), withRank(b, rank))];
};

export function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

export const transpose: OpImpl = (inputs, ctx) => [swapLastTwo(tensors(inputs, ctx)[0])];

export const ops: Record<string, OpImpl> = { matmul, transpose };
