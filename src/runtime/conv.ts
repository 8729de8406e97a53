/** Convolutions as one matmul over gathered frames or patches. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { matMulWeightT } from './dense.js';

/** Frames `x[:, offset + stride·t, :]` for t < count, without strided slices. */
function stridedFrames(x: tf.Tensor, offset: number, stride: number, count: number): tf.Tensor {
  const [b, , c] = x.shape as number[];
  if (stride === 1) return tf.slice(x, [0, offset, 0], [b, count, c]);
  let window = tf.slice(x, [0, offset, 0], [b, stride * (count - 1) + 1, c]);
  window = tf.pad(window, [[0, 0], [0, stride - 1], [0, 0]]); // length stride·count
  return tf.reshape(tf.slice(tf.reshape(window, [b, count, stride, c]), [0, 0, 0, 0], [b, count, 1, c]), [b, count, c]);
}

/**
 * 1-D convolution on channels-last `[B, T, C]` with PyTorch's weight `[out, C, k]`, zero padding
 * at both ends, as one matmul over gathered frames (no convolution kernels needed).
 */
export function conv1d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, stride: number, padding: number): tf.Tensor {
  const [out, cin, k] = weight.shape as number[];
  const [b, t, c] = x.shape as number[];
  if (c !== cin) throw new RuntimeError(`expects ${cin} input channels, got ${c}`);
  const length = Math.floor((t + 2 * padding - k) / stride) + 1;
  if (length < 1) throw new RuntimeError(`a sequence of ${t} frames is too short for a kernel of ${k} with padding ${padding}`);
  const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [0, 0]]) : x;
  const columns = tf.concat(Array.from({ length: k }, (_, j) => stridedFrames(padded, j, stride, length)), -1);
  const kernel = tf.reshape(tf.transpose(weight, [0, 2, 1]), [out, k * cin]);
  let y = matMulWeightT(tf.reshape(columns, [b * length, k * cin]), kernel);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [b, length, out]);
}

/**
 * ViT's patch embedding: images `[B, H, W, C]`, weight `[dim, C, p, p]` (a Conv2d with stride p)
 * → `[B, (H/p)·(W/p), dim]`, patches in row-major order.
 */
export function patchEmbedding(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor, patch: number): tf.Tensor {
  const p = patch;
  const [b, h, w, c] = x.shape as number[];
  const [dim] = weight.shape as number[];
  const rows = h / p;
  const cols = w / p;
  const patches = tf.transpose(tf.reshape(x, [b * rows, p, cols, p, c]), [0, 2, 4, 1, 3]);
  const flat = tf.reshape(patches, [b * rows * cols, c * p * p]);
  const y = tf.add(matMulWeightT(flat, tf.reshape(weight, [dim, c * p * p])), bias);
  return tf.reshape(y, [b, rows * cols, dim]);
}
