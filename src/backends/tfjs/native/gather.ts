/**
 * tfjs's GatherV2 along axis 0 of a float32 tensor (an embedding lookup: GPT-2's token embedding
 * reads 1,024 rows of 768 for a batch of 8 × 128) as row copies on the addon's thread pool, where
 * the wasm kernel copies element by element on one thread. Other gathers, and indices out of
 * range, stay the wasm kernel's.
 */
import type { NativeAddon } from './addon.js';
import { heapOf, place, size, type NativeKernel, type WasmHeapBackend } from './heap.js';

export function gatherKernels(addon: NativeAddon): Record<string, NativeKernel> {
  return {
    GatherV2: ({ inputs, backend: b, attrs = {} }) => {
      const backend = b as WasmHeapBackend;
      const { x, indices } = inputs;
      if (!x || !indices || x.dtype !== 'float32' || indices.dtype !== 'int32' || x.shape.length < 1) return undefined;
      const axis = Number(attrs.axis ?? 0);
      if ((axis < 0 ? axis + x.shape.length : axis) !== 0 || Number(attrs.batchDims ?? 0) !== 0) return undefined;
      const rows = x.shape[0];
      const rowShape = x.shape.slice(1);
      const count = size(indices.shape);
      const out = backend.makeOutput([...indices.shape, ...rowShape], 'float32');
      if (count === 0 || size(rowShape) === 0) return out;
      if (addon.gatherRows(heapOf(backend), place(backend, x), rows, size(rowShape), place(backend, indices), count, place(backend, out))) return out;
      backend.disposeData(out.dataId);
      return undefined;
    },
  };
}
