/**
 * What the native kernels use of tfjs-backend-wasm's BackendWasm: its tensors live in one wasm
 * heap, which the addon reads and writes in place through float offsets.
 */
import type * as tf from '@tensorflow/tfjs';

export interface WasmHeapBackend {
  wasm: { HEAPU8: Uint8Array };
  getMemoryOffset(dataId: object): number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

/** A kernel's arguments as tfjs passes them. */
export interface KernelArgs {
  inputs: Record<string, tf.TensorInfo | undefined>;
  backend: unknown;
  attrs?: Record<string, unknown>;
}

/** A kernel of ours: its result, or undefined for a case it leaves to the wasm kernel it replaces. */
export type NativeKernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | undefined;

/** Where a tensor starts in the heap, in floats. */
export function place(backend: WasmHeapBackend, t: tf.TensorInfo): number {
  return backend.getMemoryOffset(t.dataId) / 4;
}

/** The heap to pass to the addon: read after the outputs are made (allocating may grow the heap, which replaces its ArrayBuffer). */
export function heapOf(backend: WasmHeapBackend): ArrayBuffer {
  return backend.wasm.HEAPU8.buffer as ArrayBuffer;
}

export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export const isFloat = (...ts: Array<tf.TensorInfo | undefined>) => ts.every((t) => t === undefined || t.dtype === 'float32');
