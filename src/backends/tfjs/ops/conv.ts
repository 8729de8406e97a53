/**
 * Convolutions with PyTorch weight layouts on channels-last data, lowered to slices, reshapes and
 * one matmul (im2col). Besides being the fast path for matmul-heavy backends, this needs no
 * convolution gradient kernels (the wasm backend has no `Conv2DBackpropFilter`).
 * - `conv1d`: `[B, T, C]`, weight `[out, C, k]`, zero `padding` at both ends, `stride`
 *   → `[B, (T + 2·padding − k) / stride + 1, out]`.
 * - `patch_embedding` (ViT): images `[B, H, W, C]`, weight `[dim, C, p, p]` (a Conv2d with
 *   stride p) → `[B, (H/p)·(W/p), dim]`, patches in row-major order (PyTorch's
 *   `conv(x).flatten(2).transpose(1, 2)`).
 */
import * as tf from '@tensorflow/tfjs';
import { matMulWeightT } from './dense.js';
import { numAttr, tensors, type OpImpl } from './types.js';

/** Frames `x[:, offset + stride·t, :]` for t < count: `[B, count, C]`, without strided slices. */
function strided(x: tf.Tensor, offset: number, stride: number, count: number): tf.Tensor {
  const [b, , c] = x.shape as number[];
  if (stride === 1) return tf.slice(x, [0, offset, 0], [b, count, c]);
  const span = stride * (count - 1) + 1;
  let window = tf.slice(x, [0, offset, 0], [b, span, c]);
  window = tf.pad(window, [[0, 0], [0, stride - 1], [0, 0]]); // length stride·count
  return tf.reshape(tf.slice(tf.reshape(window, [b, count, stride, c]), [0, 0, 0, 0], [b, count, 1, c]), [b, count, c]);
}

export const conv1d: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const w = ctx.param('weight'); // [out, C, k]
  const [out, cin, k] = w.shape as number[];
  const stride = numAttr(ctx, 'stride');
  const padding = numAttr(ctx, 'padding');
  const [b, t, c] = x.shape as number[];
  if (c !== cin) ctx.fail(`expects ${cin} input channels, got ${c}`);
  const length = Math.floor((t + 2 * padding - k) / stride) + 1;
  if (length < 1) ctx.fail(`a sequence of ${t} frames is too short for a kernel of ${k} with padding ${padding}`);
  const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [0, 0]]) : x;
  const columns = tf.concat(Array.from({ length: k }, (_, j) => strided(padded, j, stride, length)), -1); // [B, T', k·C], (j, c) order
  const kernel = tf.reshape(tf.transpose(w, [0, 2, 1]), [out, k * cin]); // (j, c) order
  let y = matMulWeightT(tf.reshape(columns, [b * length, k * cin]), kernel);
  if (ctx.hasParam('bias')) y = tf.add(y, ctx.param('bias'));
  return [tf.reshape(y, [b, length, out])];
};

export const patchEmbedding: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const w = ctx.param('weight'); // [dim, C, p, p]
  const p = numAttr(ctx, 'patch');
  const [b, h, wd, c] = x.shape as number[];
  const [dim] = w.shape as number[];
  const rows = h / p;
  const cols = wd / p;
  // [B·rows, p, cols, p, C] → [B·rows, cols, C, p, p]: one (C, kh, kw) vector per patch.
  const patches = tf.transpose(tf.reshape(x, [b * rows, p, cols, p, c]), [0, 2, 4, 1, 3]);
  const flat = tf.reshape(patches, [b * rows * cols, c * p * p]);
  const y = tf.add(matMulWeightT(flat, tf.reshape(w, [dim, c * p * p])), ctx.param('bias'));
  return [tf.reshape(y, [b, rows * cols, dim])];
};

export const ops: Record<string, OpImpl> = { conv1d, patch_embedding: patchEmbedding };
