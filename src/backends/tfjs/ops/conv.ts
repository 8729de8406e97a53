/**
 * Convolutions with PyTorch weight layouts on channels-last data.
 * - `conv1d`: `[B, T, C]`, weight `[out, C, k]`, zero `padding` at both ends, `stride`
 *   → `[B, (T + 2·padding − k) / stride + 1, out]`.
 * - `patch_embedding` (ViT): images `[B, H, W, C]`, weight `[dim, C, p, p]` (a Conv2d with
 *   stride p) → `[B, (H/p)·(W/p), dim]`, patches in row-major order (PyTorch's
 *   `conv(x).flatten(2).transpose(1, 2)`).
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, tensors, type OpImpl } from './types.js';

export const conv1d: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const w = ctx.param('weight'); // [out, C, k]
  const stride = numAttr(ctx, 'stride');
  const padding = numAttr(ctx, 'padding');
  if (x.shape[2] !== w.shape[1]) ctx.fail(`expects ${w.shape[1]} input channels, got ${x.shape[2]}`);
  const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [0, 0]]) : x;
  const filter = tf.transpose(w, [2, 1, 0]) as tf.Tensor3D; // [k, C, out]
  let y: tf.Tensor = tf.conv1d(padded as tf.Tensor3D, filter, stride, 'valid');
  if (ctx.hasParam('bias')) y = tf.add(y, ctx.param('bias'));
  return [y];
};

export const patchEmbedding: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const w = ctx.param('weight'); // [dim, C, p, p]
  const p = numAttr(ctx, 'patch');
  const [b, h, wd] = x.shape;
  const filter = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D; // [p, p, C, dim]
  const y = tf.add(tf.conv2d(x as tf.Tensor4D, filter, p, 'valid'), ctx.param('bias')); // [B, H/p, W/p, dim]
  return [tf.reshape(y, [b, (h / p) * (wd / p), w.shape[0]])];
};

export const ops: Record<string, OpImpl> = { conv1d, patch_embedding: patchEmbedding };
