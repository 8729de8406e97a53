/**
 * The native backend's kernels, registered on the wasm backend while it is active: tfjs's
 * BatchMatMul (every `tf.matMul`) and _FusedMatMul (matmul + bias + activation) computed by the
 * addon's BLAS sgemm, the elementwise kernels of `./elementwise.ts` on the addon's thread pool,
 * and the fused kernels of `./fused.ts` that the runtime asks for by name. All read and write the
 * wasm heap in place (no copies). Every other kernel, and every case ours leave (other dtypes,
 * shapes they do not do), stays the wasm backend's, on the same tensors; so "native" is the wasm
 * backend with faster kernels, and switching between the two moves no data.
 *
 * Kernel registration is tfjs's internal API; tfjs is pinned by package-lock and these kernels are
 * checked against the wasm ones by test/backends/tfjs/native*.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './addon.js';
import { decodeKernels, decodeReplacements } from './decode.js';
import { elementwiseKernels } from './elementwise.js';
import { fusedKernels, registerFusedGradients } from './fused.js';
import { gatherKernels } from './gather.js';
import { place, size, type KernelArgs, type NativeKernel, type WasmHeapBackend } from './heap.js';
import { throughTape } from './tape.js';

/** tfjs's fusable activations, numbered as native/src/gemm.h's `Activation`. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4, sigmoid: 5, elu: 6 };

/** The wasm backend's own configs of the kernels replaced, to run when a case is not ours and to restore. */
const originals = new Map<string, tf.KernelConfig>();
/** Kernels of ours that tfjs does not have (the fused ones), registered while active. */
const added = new Set<string>();

/** How many kernels the native code computed, and how many it handed to the wasm kernels (for tests and profiles). */
export const nativeKernelCalls = { native: 0, fallback: 0 };

/** Whether the native kernels are the ones registered on the wasm backend now. */
export function nativeKernelsActive(): boolean {
  return originals.size > 0;
}

/**
 * Registers the native kernels on the wasm backend (idempotent while active). `set` 'matmul'
 * registers the BLAS products alone, as the backend was before its elementwise and fused kernels:
 * benchmarks compare the two in one run (`node bench/run.js --native-matmul`).
 */
export function activateNativeKernels(addon: NativeAddon, set: 'all' | 'matmul' = 'all'): void {
  if (nativeKernelsActive()) return;
  const ours: Record<string, NativeKernel> = {
    BatchMatMul: (args) => matMulKernel(addon, args),
    _FusedMatMul: (args) => matMulKernel(addon, args),
    ...(set === 'all' ? { ...elementwiseKernels(addon), ...decodeReplacements(), ...gatherKernels(addon) } : {}),
  };
  for (const name of Object.keys(ours)) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) throw new Error(`the wasm backend has no ${name} kernel to replace (is @tensorflow/tfjs-backend-wasm loaded?)`);
    originals.set(name, original);
  }
  for (const [name, kernel] of Object.entries(ours)) {
    const original = originals.get(name)!;
    const run = (args: KernelArgs) => {
      const out = kernel(args);
      if (out !== undefined) {
        nativeKernelCalls.native++;
        return out;
      }
      nativeKernelCalls.fallback++;
      return original.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as tf.TensorInfo | tf.TensorInfo[];
    };
    const kernelFunc = (args: KernelArgs) => throughTape(name, run, args);
    tf.unregisterKernel(name, 'wasm');
    // The wasm kernel's setup stays: it binds the wasm functions the fallback calls, and runs again
    // whenever the backend is re-initialised.
    tf.registerKernel({ ...original, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
  if (set === 'matmul') return;
  registerFusedGradients(addon);
  for (const [name, kernel] of Object.entries({ ...fusedKernels(addon), ...decodeKernels(addon) })) {
    const run = (args: KernelArgs) => {
      nativeKernelCalls.native++;
      return kernel(args) as tf.TensorInfo | tf.TensorInfo[];
    };
    const kernelFunc = (args: KernelArgs) => throughTape(name, run, args);
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    added.add(name);
  }
}

/** Puts the wasm backend's own kernels back (and removes the fused ones, so the runtime uses tfjs ops). */
export function deactivateNativeKernels(): void {
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  originals.clear();
  for (const name of added) tf.unregisterKernel(name, 'wasm');
  added.clear();
}

/**
 * A vector broadcast along the last axis of the output (bias or prelu slopes): its size if it is
 * one (every axis but the last is 1, the last is 1 or n), else undefined (not ours to fuse).
 */
function lastAxisVector(t: tf.TensorInfo | undefined, n: number, outRank: number): number | undefined {
  if (!t) return 0;
  if (t.dtype !== 'float32' || t.shape.length > outRank) return undefined;
  const last = t.shape.length === 0 ? 1 : t.shape[t.shape.length - 1];
  if (size(t.shape) !== last || (last !== 1 && last !== n)) return undefined;
  return last;
}

/**
 * `a · b` with tfjs's matmul attributes, batch axes broadcast (numpy rules, any rank), and for
 * _FusedMatMul a bias and activation along the last axis. Returns undefined for what it does not
 * do (non-float32, a bias of another shape): the wasm kernel runs those.
 */
function matMulKernel(addon: NativeAddon, { inputs, backend: b, attrs = {} }: KernelArgs): tf.TensorInfo | undefined {
  const backend = b as WasmHeapBackend;
  const { a, b: bm, bias, preluActivationWeights: prelu } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
  if (a.dtype !== 'float32' || bm.dtype !== 'float32') return undefined;
  const transposeA = Boolean(attrs.transposeA);
  const transposeB = Boolean(attrs.transposeB);
  const activation = ACTIVATIONS[(attrs.activation as string | undefined) ?? 'linear'];
  if (activation === undefined) return undefined;

  const [ra, rb] = [a.shape.length, bm.shape.length];
  if (ra < 2 || rb < 2) return undefined;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? bm.shape[rb - 1] : bm.shape[rb - 2];
  const n = transposeB ? bm.shape[rb - 2] : bm.shape[rb - 1];
  if (k !== kb) {
    throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${bm.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  }
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bm.shape.slice(0, -2));
  const outShape = [...batchShape, m, n];
  const biasSize = lastAxisVector(bias, n, outShape.length);
  const preluSize = activation === ACTIVATIONS.prelu ? lastAxisVector(prelu, n, outShape.length) : 0;
  if (biasSize === undefined || preluSize === undefined) return undefined;

  const aOffsets = batchOffsets(place(backend, a), a.shape.slice(0, -2), batchShape, m * k);
  const bOffsets = batchOffsets(place(backend, bm), bm.shape.slice(0, -2), batchShape, k * n);
  const out = backend.makeOutput(outShape, 'float32');
  // After makeOutput: allocating may have grown the heap, which replaces its ArrayBuffer.
  const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
  addon.gemm(
    heap,
    aOffsets,
    bOffsets,
    place(backend, out),
    m,
    n,
    k,
    transposeA,
    transposeB,
    bias ? place(backend, bias) : -1,
    biasSize,
    activation,
    prelu && preluSize ? place(backend, prelu) : -1,
    preluSize,
    Number(attrs.leakyreluAlpha ?? 0),
  );
  return out;
}

/**
 * The offset of each output batch item's operand matrix: the operand's batch axes are aligned to
 * the right of the output's, and an axis of size 1 (or missing) repeats its one matrix.
 */
function batchOffsets(start: number, operandBatch: number[], outBatch: number[], matrix: number): Uint32Array {
  const count = size(outBatch);
  const offsets = new Uint32Array(count);
  const shift = outBatch.length - operandBatch.length;
  // The operand's stride (in matrices) along each output batch axis; 0 where it broadcasts.
  const strides = new Array<number>(outBatch.length).fill(0);
  let stride = 1;
  for (let i = operandBatch.length - 1; i >= 0; i--) {
    if (operandBatch[i] !== 1) strides[i + shift] = stride;
    stride *= operandBatch[i];
  }
  for (let flat = 0; flat < count; flat++) {
    let rest = flat;
    let index = 0;
    for (let axis = outBatch.length - 1; axis >= 0; axis--) {
      index += (rest % outBatch[axis]) * strides[axis];
      rest = Math.floor(rest / outBatch[axis]);
    }
    offsets[flat] = start + index * matrix;
  }
  return offsets;
}
