/**
 * How much memory a model needs to be built, from the IR alone: every parameter and buffer
 * (4 bytes an element) and the activations of one forward pass at batch 1. A runtime that
 * allocates first and fails later dies half-way through with an allocator's message (or takes
 * the machine's memory with it); the estimate lets it refuse before allocating anything.
 */
import { activationBytes, defaultSeq, valueBytesAt } from './summary.js';
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

/** What one training step holds at its peak, by part (bytes; fp32). */
export interface TrainingMemoryEstimate {
  /** The weights and buffers. */
  params: number;
  /** One gradient per trained parameter. */
  gradients: number;
  /** Adam's two moments per trained parameter. */
  optimizer: number;
  /** The forward pass's values kept for the backward pass, and the backward's own (see below). */
  activations: number;
  /** The widest value's extra copies (a loss over a large vocabulary) and the Adam update's outputs. */
  transient: number;
  total: number;
  batch: number;
  seq: number;
}

/**
 * How a backend's kernels spend memory in a training step, measured on the wasm heap
 * (`bench/train-memory.js`, the live tensor bytes at their peak; docs/performance.md):
 * - `activations`: multiple of every node output of one forward pass. The outputs stay alive
 *   until the backward pass frees them, which meanwhile makes gradients of the same shapes, and
 *   kernels keep intermediates of their own (dropout masks, attention's scores, a norm's
 *   statistics). Fused kernels (native) keep few: 2.2–2.4 measured; tfjs ops: 5.7–6.3.
 * - `widest`: copies of the widest value (the logits over a vocabulary) in passing: the loss's
 *   gradient and a sum with it (native's one-pass cross-entropy); the log-softmax, one-hot and
 *   product of the tfjs-op formula and their gradients (tfjs ops).
 * - `largestParam`: copies of the largest parameter made by its Adam update (native: the new
 *   weights, the moments being updated in place; tfjs ops: ~8 temporaries).
 */
const KERNEL_MEMORY = {
  fused: { activations: 2.5, widest: 2, largestParam: 1 },
  ops: { activations: 6.5, widest: 7, largestParam: 8 },
} as const;

/**
 * The memory of one training step with Adam at `batch` × `seq`, from the IR alone: weights,
 * gradients, Adam's moments, activations, and the transients at the peak (see
 * {@link KERNEL_MEMORY}; `fusedKernels` for the native backend's). The roll-back copy of the
 * weights is not counted: on the wasm heap it is kept in JavaScript memory
 * (src/backends/tfjs/train.ts).
 */
export function estimateTrainingMemory(model: ModelIR, batch: number, seq: number, options: { fusedKernels?: boolean } = {}): TrainingMemoryEstimate {
  const k = KERNEL_MEMORY[options.fusedKernels ? 'fused' : 'ops'];
  const base = estimateMemory(model, seq);
  let trained = 0;
  let largest = 0;
  for (const p of model.params) {
    if (p.buffer) continue;
    const bytes = p.shape.reduce((a, b) => a * b, 1) * 4;
    trained += bytes;
    largest = Math.max(largest, bytes);
  }
  const activations = activationBytes(model, batch, seq) * k.activations;
  const transient = k.widest * widestValueBytes(model, batch, seq) + k.largestParam * largest;
  const parts = { params: base.paramBytes, gradients: trained, optimizer: 2 * trained, activations, transient };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0), batch, seq };
}
/** Bytes of the largest single node output at `batch` × `seq`. */
function widestValueBytes(model: ModelIR, batch: number, seq: number): number {
  let widest = 0;
  for (const node of model.nodes) {
    for (const o of node.outputs) widest = Math.max(widest, valueBytesAt(model, o, batch, seq));
  }
  return widest;
}
