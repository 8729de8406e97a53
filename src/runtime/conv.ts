/** Convolutions and pooling as gathers of frames or patches (then one matmul, a mean or a max). Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { matMulWeightT } from './dense.js';

/** Positions `offset + stride·i` (i < count) of `axis`, without strided slices (wasm has no strided-slice gradient). */
function stridedAlong(x: tf.Tensor, axis: number, offset: number, stride: number, count: number): tf.Tensor {
  const shape = x.shape as number[];
  const begin = shape.map((_, a) => (a === axis ? offset : 0));
  if (stride === 1) return tf.slice(x, begin, shape.map((s, a) => (a === axis ? count : s)));
  let window = tf.slice(x, begin, shape.map((s, a) => (a === axis ? stride * (count - 1) + 1 : s)));
  window = tf.pad(window, shape.map((_, a): [number, number] => (a === axis ? [0, stride - 1] : [0, 0]))); // length stride·count
  const split = [...shape.slice(0, axis), count, stride, ...shape.slice(axis + 1)];
  const first = tf.slice(tf.reshape(window, split), split.map(() => 0), split.map((s, a) => (a === axis + 1 ? 1 : s)));
  return tf.reshape(first, shape.map((s, a) => (a === axis ? count : s)));
}

/** How many windows of `kernel` taps, `dilation` apart, fit along `size` (padded by `padding` at both ends). */
function windows(size: number, kernel: number, stride: number, padding: number, dilation: number, what: string): number {
  const count = Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
  if (count < 1) throw new RuntimeError(`${what} of ${size} is too short for a kernel of ${kernel} (dilation ${dilation}, padding ${padding})`);
  return count;
}

/** The taps of every window as one axis: `[B, L, C]` (or `[B, H', W', C]`) frames → `[B, ..., taps, C]`. */
function stackTaps(frames: tf.Tensor[]): tf.Tensor {
  return tf.stack(frames, frames[0].rank - 1);
}

/**
 * Columns `[N, taps, C]` times a PyTorch weight `[out, C/groups, taps]` → `[N, out]`. One group is
 * one matmul on the fast path; several are a batched matmul, group g reading channels
 * g·C/groups … and writing outputs g·out/groups … (PyTorch's grouping, depthwise when groups = C).
 */
function groupedProduct(columns: tf.Tensor, weight: tf.Tensor, groups: number): tf.Tensor {
  const [n, taps, c] = columns.shape as number[];
  const [out, perGroup] = weight.shape as number[];
  if (c !== perGroup * groups) throw new RuntimeError(`expects ${perGroup * groups} input channels, got ${c}`);
  const kernel = tf.transpose(weight, [0, 2, 1]); // [out, taps, C/groups], the columns' order
  if (groups === 1) return matMulWeightT(tf.reshape(columns, [n, taps * c]), tf.reshape(kernel, [out, taps * c]));
  const outPer = out / groups;
  const cols = tf.reshape(tf.transpose(tf.reshape(columns, [n, taps, groups, perGroup]), [2, 0, 1, 3]), [groups, n, taps * perGroup]);
  const w = tf.reshape(kernel, [groups, outPer, taps * perGroup]);
  const y = tf.matMul(cols, w, false, true); // [groups, N, out/groups]
  return tf.reshape(tf.transpose(y, [1, 0, 2]), [n, out]);
}

/**
 * 1-D convolution on channels-last `[B, T, C]` with PyTorch's weight `[out, C/groups, k]`, zero
 * padding at both ends, taps `dilation` apart: gathered frames and one (grouped) matmul, no
 * convolution kernels needed.
 */
export function conv1d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, stride: number, padding: number, dilation = 1, groups = 1): tf.Tensor {
  const [out, , k] = weight.shape as number[];
  const [b, t, c] = x.shape as number[];
  const length = windows(t, k, stride, padding, dilation, 'a sequence');
  const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [0, 0]]) : x;
  const frames = Array.from({ length: k }, (_, j) => stridedAlong(padded, 1, j * dilation, stride, length));
  let y = groupedProduct(tf.reshape(stackTaps(frames), [b * length, k, c]), weight, groups);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [b, length, out]);
}

/** 2-D convolution on channels-last images `[B, H, W, C]`, PyTorch's weight `[out, C/groups, k, k]` → `[B, H', W', out]`. */
export function conv2d(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | undefined, stride: number, padding: number, dilation = 1, groups = 1): tf.Tensor {
  const [out, perGroup, k] = weight.shape as number[];
  const [b, h, w, c] = x.shape as number[];
  const rows = windows(h, k, stride, padding, dilation, 'an image height');
  const cols = windows(w, k, stride, padding, dilation, 'an image width');
  const padded = padding > 0 ? tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : x;
  const frames: tf.Tensor[] = [];
  for (let i = 0; i < k; i++) {
    const band = stridedAlong(padded, 1, i * dilation, stride, rows);
    for (let j = 0; j < k; j++) frames.push(stridedAlong(band, 2, j * dilation, stride, cols));
  }
  const flatWeight = tf.reshape(weight, [out, perGroup, k * k]); // taps in row-major (i, j) order, as gathered
  let y = groupedProduct(tf.reshape(stackTaps(frames), [b * rows * cols, k * k, c]), flatWeight, groups);
  if (bias) y = tf.add(y, bias);
  return tf.reshape(y, [b, rows, cols, out]);
}

/** Windows of `kernel` frames, `stride` apart, reduced by mean or max: `[B, T, C]` → `[B, T', C]`. */
export function pool1d(x: tf.Tensor, kernel: number, stride: number, reduce: 'mean' | 'max'): tf.Tensor {
  const length = windows(x.shape[1] as number, kernel, stride, 0, 1, 'a sequence');
  const taps = stackTaps(Array.from({ length: kernel }, (_, j) => stridedAlong(x, 1, j, stride, length)));
  return reduce === 'mean' ? tf.mean(taps, -2) : tf.max(taps, -2);
}

/** Square windows of `kernel`, `stride` apart, reduced by mean or max: `[B, H, W, C]` → `[B, H', W', C]`. */
export function pool2d(x: tf.Tensor, kernel: number, stride: number, reduce: 'mean' | 'max'): tf.Tensor {
  const [, h, w] = x.shape as number[];
  const rows = windows(h, kernel, stride, 0, 1, 'an image height');
  const cols = windows(w, kernel, stride, 0, 1, 'an image width');
  const frames: tf.Tensor[] = [];
  for (let i = 0; i < kernel; i++) {
    const band = stridedAlong(x, 1, i, stride, rows);
    for (let j = 0; j < kernel; j++) frames.push(stridedAlong(band, 2, j, stride, cols));
  }
  const taps = stackTaps(frames);
  return reduce === 'mean' ? tf.mean(taps, -2) : tf.max(taps, -2);
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
