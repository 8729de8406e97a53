/**
 * `layer_norm`: (x − mean) / sqrt(var + eps) · weight + bias over the last axis (biased variance,
 * as PyTorch); `rms_norm`: x / sqrt(mean(x²) + eps) · weight (T5's norm: no centring, no bias).
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const layerNorm: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const eps = numAttr(ctx, 'eps');
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  let y = tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), ctx.param('weight'));
  if (ctx.hasParam('bias')) y = tf.add(y, ctx.param('bias'));
  return [y];
};

export const rmsNorm: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const eps = numAttr(ctx, 'eps');
  const meanSquare = tf.mean(tf.square(x), -1, true);
  return [tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), ctx.param('weight'))];
};

export const ops: Record<string, OpImpl> = { layer_norm: layerNorm, rms_norm: rmsNorm };
