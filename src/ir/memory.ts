/**
 * How much memory a model needs to be built, from the IR alone: every parameter and buffer
 * (4 bytes an element) and the activations of one forward pass at batch 1. A runtime that
 * allocates first and fails later dies half-way through with an allocator's message (or takes
 * the machine's memory with it); the estimate lets it refuse before allocating anything.
 */
import { activationBytes, defaultSeq } from './summary.js';
import type { ModelIR, Param } from './types.js';

export interface MemoryEstimate {
  paramBytes: number;
  activationBytes: number;
  /** The largest parameter, the usual culprit (a `vocab` of 10^12). */
  largest?: Param;
  seq: number;
}

export function estimateMemory(model: ModelIR, seq = defaultSeq(model)): MemoryEstimate {
  let paramBytes = 0;
  let largest: Param | undefined;
  let largestBytes = -1;
  for (const p of model.params) {
    const bytes = p.shape.reduce((a, b) => a * b, 1) * 4;
    paramBytes += bytes;
    if (bytes > largestBytes) [largest, largestBytes] = [p, bytes];
  }
  return { paramBytes, activationBytes: activationBytes(model, 1, seq), largest, seq };
}

/** `12.5 GB`, `640 MB`: sizes in decimal units, as people read them. */
export function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v >= 100 ? v.toFixed(0) : v.toPrecision(3)} ${units[i]}`;
}
