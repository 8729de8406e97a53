/**
 * A new float32 tensor whose values are written in place by the caller (a file read, a
 * conversion): on the wasm backend (and `native`, which shares its heap) straight into the
 * backend's heap, elsewhere into the array the backend then keeps. Loading weights this way makes
 * no copy between the file and the tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './native/heap.js';

/** Makes a `[shape]` float32 tensor and lets `fill` write its values; the tensor is disposed if `fill` throws. */
export function filledTensor(shape: readonly number[], fill: (values: Float32Array) => void): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (tf.getBackend() !== 'wasm' || size === 0) {
    const values = new Float32Array(size);
    fill(values);
    return tf.tensor(values, [...shape], 'float32');
  }
  const backend = tf.backend() as unknown as WasmHeapBackend;
  // Uninitialised heap memory, owned by the tensor made from it (disposing it frees the memory).
  const tensor = tf.engine().makeTensorFromTensorInfo(backend.makeOutput([...shape], 'float32'));
  try {
    // The view is taken after the allocation, which may have grown the heap (a new ArrayBuffer);
    // `fill` must not allocate tensors while it writes.
    fill(new Float32Array(backend.wasm.HEAPU8.buffer, backend.getMemoryOffset(tensor.dataId), size));
  } catch (e) {
    tensor.dispose();
    throw e;
  }
  return tensor;
}
