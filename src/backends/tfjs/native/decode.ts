/**
 * The native backend's kernels for decode steps (src/backends/tfjs/generate/kv-cache.ts):
 *
 * - `TfmcDecodeAttention`: one query per (batch, head) against a key/value cache kept in place,
 *   the new key and value written into it (native/src/decode_attention.cc).
 * - `Slice` for float32 and int32: the wasm kernel reads its whole input out of the heap first (a
 *   3 MB copy to take one row of GPT-2's position table at every step); this one copies only the
 *   rows it returns.
 * - `Tile` for float32 and int32 (grouped-query attention's repeated key and value heads).
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { heapOf, place, size, type KernelArgs, type NativeKernel, type WasmHeapBackend } from './heap.js';

const SCALE_OPS = { none: 0, mul: 1, div: 2 } as const;
export type DecodeScale = keyof typeof SCALE_OPS;

/**
 * The kernel name the stepper asks for. Inputs: q, k, v `[B, H, 1, d]` (k as `[B, H, d, 1]`), or
 * all three `[B, 1, H·d]` with attribute `heads`; kCache `[B, H, d, C]`, vCache `[B, H, C, d]`.
 * The output has q's shape.
 */
export const DECODE_ATTENTION = 'TfmcDecodeAttention';

function decodeAttention(addon: NativeAddon): NativeKernel {
  return ({ inputs, backend: b, attrs = {} }: KernelArgs) => {
    const backend = b as WasmHeapBackend;
    const { q, k, v, kCache, vCache } = inputs as Record<string, tf.TensorInfo>;
    // q `[B, H, 1, d]`, or one position's projections `[B, 1, H·d]` (attribute `heads`): the same floats.
    const [batch, heads, depth] = q.shape.length === 3 ? [q.shape[0], Number(attrs.heads), q.shape[2] / Number(attrs.heads)] : [q.shape[0], q.shape[1], q.shape[3]];
    const capacity = kCache.shape[3];
    const out = backend.makeOutput(q.shape, 'float32');
    const scaleOp = SCALE_OPS[(attrs.scaleOp as DecodeScale | undefined) ?? 'none'];
    addon.decodeAttention(heapOf(backend), place(backend, q), place(backend, k), place(backend, v), place(backend, kCache), place(backend, vCache), place(backend, out), batch * heads, depth, capacity, Number(attrs.length), scaleOp, Number(attrs.scale ?? 1));
    return out;
  };
}

/** Slice of a float32 or int32 tensor, copying run by run within the heap (other dtypes: the wasm kernel). */
function slice({ inputs, backend: b, attrs = {} }: KernelArgs): tf.TensorInfo | undefined {
  const backend = b as WasmHeapBackend;
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') return undefined;
  const [begin, sizes] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
  const out = backend.makeOutput(sizes, x.dtype);
  const total = size(sizes);
  if (total === 0) return out;
  // After makeOutput: allocating may have grown the heap.
  const heap = new Int32Array(heapOf(backend)); // 4-byte words: float32 and int32 copy alike
  const [from, to] = [place(backend, x), place(backend, out)];
  const rank = x.shape.length;
  if (rank === 0) {
    heap[to] = heap[from];
    return out;
  }
  const strides = tf.util.computeStrides(x.shape);
  // Runs span the trailing axes taken whole, and the axis before them (partly taken).
  let axis = rank - 1;
  while (axis > 0 && begin[axis] === 0 && sizes[axis] === x.shape[axis]) axis--;
  const run = total / size(sizes.slice(0, axis));
  const index = new Array<number>(axis).fill(0);
  for (let written = 0; written < total; written += run) {
    let offset = begin[axis] * (axis === rank - 1 ? 1 : strides[axis]);
    for (let a = 0; a < axis; a++) offset += (begin[a] + index[a]) * strides[a];
    heap.copyWithin(to + written, from + offset, from + offset + run);
    for (let a = axis - 1; a >= 0; a--) {
      if (++index[a] < sizes[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

/**
 * Tile of a float32 or int32 tensor by runs copied within the heap: the last axis is copied whole
 * and repeated, then each block so made is repeated along the axis before it, and so on outwards.
 * Grouped-query attention repeats each key head this way (`repeatHeads`); the wasm kernel is one
 * element at a time, and a decode step taped for replay (tape.ts) needs its kernels to be ours.
 */
function tile({ inputs, backend: b, attrs = {} }: KernelArgs): tf.TensorInfo | undefined {
  const backend = b as WasmHeapBackend;
  const x = inputs.x as tf.TensorInfo;
  const reps = attrs.reps as number[] | undefined;
  if ((x.dtype !== 'float32' && x.dtype !== 'int32') || !reps || reps.length !== x.shape.length || x.shape.length === 0) return undefined;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (size(outShape) === 0) return out;
  const heap = new Int32Array(heapOf(backend)); // after makeOutput (it may grow the heap); 4-byte words
  const [from, to] = [place(backend, x), place(backend, out)];
  const rank = x.shape.length;
  /** Writes the tile of the input block at `src` for axes ≥ `axis` at `dst`; returns the floats written. */
  const fill = (axis: number, src: number, dst: number): number => {
    const inner = size(x.shape.slice(axis + 1));
    let written = 0;
    if (axis === rank - 1) {
      heap.copyWithin(dst, src, src + x.shape[axis]);
      written = x.shape[axis];
    } else {
      for (let i = 0; i < x.shape[axis]; i++) written += fill(axis + 1, src + i * inner, dst + written);
    }
    // The block for this axis is written once; its repeats are copies of it.
    for (let r = 1; r < reps[axis]; r++) heap.copyWithin(dst + r * written, dst, dst + written);
    return written * reps[axis];
  };
  fill(0, from, to);
  return out;
}

/** Replacements of wasm kernels (undefined: the wasm kernel runs). */
export function decodeReplacements(): Record<string, NativeKernel> {
  return { Slice: slice, Tile: tile };
}

/** The kernels of this file that copy within the heap in JavaScript, not through the addon (tape.ts replays them as kernels). */
export const HEAP_COPYING_KERNELS: ReadonlySet<string> = new Set(['Slice', 'Tile']);

/** Kernels of ours that tfjs does not have. */
export function decodeKernels(addon: NativeAddon): Record<string, NativeKernel> {
  return { [DECODE_ATTENTION]: decodeAttention(addon) };
}
