/**
 * tfjs kernels the native backend computes on the addon's thread pool (native/src/elementwise.cc)
 * instead of the single-threaded wasm ones: float32 Add, Sub, Multiply and RealDiv with
 * broadcasting, a few unary functions, Sum and Mean over a contiguous run of axes; and Identity
 * and same-type Cast without a copy (tfjs clones every tensor a gradient saves; the wasm backend
 * copies it, the cpu backend and this one share the data, as Reshape does: tensors are immutable).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { heapOf, isFloat, place, size, type KernelArgs, type NativeKernel, type WasmHeapBackend } from './heap.js';

const BINARY = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
const UNARY = { Sigmoid: 0, Exp: 1, Square: 2, Rsqrt: 3, Sqrt: 4, Neg: 5, Relu: 6, Tanh: 7 } as const;

/**
 * The output's axes with each operand's strides (0 along an axis it broadcasts), axes of size 1
 * dropped and neighbours that both operands step through alike merged: [1024, 512] + [512] is
 * shape [1024, 512] with strides [512, 1] and [0, 1]; equal shapes are one axis.
 */
export function broadcastLayout(out: readonly number[], a: readonly number[], b: readonly number[]): Int32Array {
  const strides = (shape: readonly number[]) => {
    const s = new Array<number>(out.length).fill(0);
    let step = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      if (shape[i] !== 1) s[i + out.length - shape.length] = step;
      step *= shape[i];
    }
    return s;
  };
  const [sa, sb] = [strides(a), strides(b)];
  const axes: Array<[number, number, number]> = [];
  for (let k = 0; k < out.length; k++) {
    if (out[k] === 1) continue;
    const prev = axes[axes.length - 1];
    // Merge with the previous axis when one step of it equals `out[k]` steps of this one, for both operands.
    if (prev && prev[1] === sa[k] * out[k] && prev[2] === sb[k] * out[k]) {
      prev[0] *= out[k];
      prev[1] = sa[k];
      prev[2] = sb[k];
    } else axes.push([out[k], sa[k], sb[k]]);
  }
  if (axes.length === 0) axes.push([1, 0, 0]);
  return Int32Array.from([...axes.map((x) => x[0]), ...axes.map((x) => x[1]), ...axes.map((x) => x[2])]);
}

function binary(addon: NativeAddon, op: number): NativeKernel {
  return ({ inputs, backend: b }) => {
    const backend = b as WasmHeapBackend;
    const { a, b: y } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (!isFloat(a, y)) return undefined;
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, y.shape);
    const out = backend.makeOutput(shape, 'float32');
    if (size(shape) === 0) return out;
    addon.binary(heapOf(backend), op, place(backend, a), place(backend, y), place(backend, out), broadcastLayout(shape, a.shape, y.shape));
    return out;
  };
}

function unary(addon: NativeAddon, op: number): NativeKernel {
  return ({ inputs, backend: b }) => {
    const backend = b as WasmHeapBackend;
    const x = inputs.x as tf.TensorInfo;
    if (!isFloat(x)) return undefined;
    const out = backend.makeOutput(x.shape, 'float32');
    const n = size(x.shape);
    if (n > 0) addon.unary(heapOf(backend), op, place(backend, x), place(backend, out), n);
    return out;
  };
}

/** Sum (mean: `scale` 1/count) over `attrs.axis` when the axes are one contiguous run; else undefined. */
function reduce(addon: NativeAddon, mean: boolean): NativeKernel {
  return ({ inputs, backend: b, attrs = {} }) => {
    const backend = b as WasmHeapBackend;
    const x = inputs.x as tf.TensorInfo;
    if (!isFloat(x)) return undefined;
    const rank = x.shape.length;
    const given = attrs.axis == null ? x.shape.map((_, i) => i) : Array.isArray(attrs.axis) ? (attrs.axis as number[]) : [attrs.axis as number];
    const axes = [...new Set(given.map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
    if (axes.length === 0 || axes.some((a, i) => a !== axes[0] + i || a < 0 || a >= rank)) return undefined;
    const [first, last] = [axes[0], axes[axes.length - 1]];
    const outer = size(x.shape.slice(0, first));
    const count = size(x.shape.slice(first, last + 1));
    const inner = size(x.shape.slice(last + 1));
    const shape = attrs.keepDims ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d)) : x.shape.filter((_, i) => i < first || i > last);
    const out = backend.makeOutput(shape, 'float32');
    if (outer * inner === 0) return out;
    // The mean of nothing is NaN, as in tfjs (0 / 0).
    addon.reduceSum(heapOf(backend), place(backend, x), place(backend, out), outer, count, inner, mean ? 1 / count : 1);
    return out;
  };
}

/** The same data under a new tensor (a reference more, no copy). */
const share: NativeKernel = ({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return undefined;
  (backend as WasmHeapBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** The kernels of this file, by tfjs kernel name. */
export function elementwiseKernels(addon: NativeAddon): Record<string, NativeKernel> {
  const kernels: Record<string, NativeKernel> = {
    Identity: share,
    Cast: (args: KernelArgs) => (args.inputs.x?.dtype === args.attrs?.dtype ? share(args) : undefined),
    Sum: reduce(addon, false),
    Mean: reduce(addon, true),
  };
  for (const [name, op] of Object.entries(BINARY)) kernels[name] = binary(addon, op);
  for (const [name, op] of Object.entries(UNARY)) kernels[name] = unary(addon, op);
  return kernels;
}
