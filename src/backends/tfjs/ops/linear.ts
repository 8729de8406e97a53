/**
 * `linear`: y = x Wᵀ + b over the last axis, W `[out, in]` as in PyTorch (a tied weight is an
 * embedding table `[vocab, d]`, used the same way).
 */
import * as tf from '@tensorflow/tfjs';
import { matMulWeightT } from './dense.js';
import { tensors, type OpImpl } from './types.js';

export const linear: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const w = ctx.param('weight');
  const [out, inDim] = w.shape;
  const lead = x.shape.slice(0, -1);
  if (x.shape[x.shape.length - 1] !== inDim) ctx.fail(`expects ${inDim} input features, got ${x.shape[x.shape.length - 1]}`);
  let y: tf.Tensor = matMulWeightT(tf.reshape(x, [-1, inDim]), w, ctx.transposedWeights);
  if (ctx.hasParam('bias')) y = tf.add(y, ctx.param('bias'));
  return [tf.reshape(y, [...lead, out])];
};

export const ops: Record<string, OpImpl> = { linear };
