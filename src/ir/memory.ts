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
 * Activation bytes of a training step as a multiple of every node output of one forward pass:
 * the outputs stay alive until the backward pass frees them, which meanwhile makes gradients of
 * the same shapes and the kernels' own intermediates (attention's scores, a norm's statistics).
 * Measured on the wasm heap (`bench/train-memory.js`): 1.7–2.4 for GPT-style specs.
 */
const ACTIVATION_FACTOR = 2;

/**
 * The memory of one training step with Adam at `batch` × `seq`, from the IR alone: weights,
 * gradients, Adam's moments, activations ({@link ACTIVATION_FACTOR} times the forward's outputs),
 * and the transients at the peak: two more copies of the widest value (the logits' gradient and
 * one more, e.g. a sum of gradients) and the three outputs of the largest parameter's Adam update.
 * The roll-back copy of the weights is not counted: on the wasm heap it is kept in JavaScript
 * memory (src/backends/tfjs/train.ts).
 */
export function estimateTrainingMemory(model: ModelIR, batch: number, seq: number): TrainingMemoryEstimate {
  const base = estimateMemory(model, seq);
  let trained = 0;
  let largest = 0;
  for (const p of model.params) {
    if (p.buffer) continue;
    const bytes = p.shape.reduce((a, b) => a * b, 1) * 4;
    trained += bytes;
    largest = Math.max(largest, bytes);
  }
  const activations = activationBytes(model, batch, seq) * ACTIVATION_FACTOR;
  const widest = widestValueBytes(model, batch, seq);
  const transient = 2 * widest + 3 * largest;
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
