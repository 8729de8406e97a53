/**
 * Does a training step fit the backend's memory? Checked before any weight is allocated. The
 * wasm and native backends keep every tensor in the wasm heap, 4 GiB at most: a step that
 * needs more aborts inside the wasm module (`Aborted()`, no message) after minutes of work, so
 * `tfmc train` refuses it first (TFM6008), with the estimate's parts and the largest batch that
 * fits. The estimate is `estimateTrainingMemory` (src/ir/memory.ts); `bench/train-memory.js`
 * measures the real peak beside it.
 */
import { memoryLimit, memoryRefusal } from '../../api/memory-check.js';
import type { BackendName } from '../../backends/tfjs/backend.js';
import { estimateTrainingMemory, formatBytes, type TrainingMemoryEstimate } from '../../ir/memory.js';
import type { ModelIR } from '../../ir/types.js';

/**
 * The share of the wasm heap a step may be estimated to need: the allocator loses some to
 * fragmentation (freed activations leave holes that a 150 MB gradient does not fit in), and the
 * heap grows in steps of up to 96 MB.
 */
const HEAP_HEADROOM = 0.9;

export class TrainingMemoryError extends Error {
  override name = 'TrainingMemoryError';
  readonly code = 'TFM6008';
}

export interface StepShape {
  batch: number;
  seq: number;
}

/** Throws {@link TrainingMemoryError} when a step of `ir` at `batch` × `seq` would not fit. */
export function checkStepFits(ir: ModelIR, backend: BackendName, { batch, seq }: StepShape): void {
  // A model that cannot even be built is compile's to refuse (TFM4011, at its largest parameter).
  if (memoryRefusal(ir, backend)) return;
  const limit = memoryLimit(backend);
  const onHeap = backend === 'wasm' || backend === 'native';
  const usable = onHeap ? limit.bytes * HEAP_HEADROOM : limit.bytes;
  const estimate = (b: number, s: number) => estimateTrainingMemory(ir, b, s, { fusedKernels: backend === 'native' });
  const e = estimate(batch, seq);
  if (e.total <= usable) return;
  const batchFits = largest(batch - 1, (b) => estimate(b, seq).total <= usable);
  const seqFits = largest(seq - 1, (s) => estimate(1, s).total <= usable);
  const change =
    batchFits > 0
      ? `train with --batch ${batchFits} (the largest that fits at --seq ${seq})${seq > 1 ? ' or a shorter --seq' : ''}`
      : seqFits > 0
        ? `even --batch 1 does not fit at --seq ${seq}: train with --batch 1 --seq ${seqFits} (or less)`
        : 'even one token per step does not fit: the weights, their gradients and Adam\'s moments alone are too large; choose a smaller model (--set)';
  const alsoNative = backend === 'wasm' ? '; the native backend (--backend native) needs less for the same step' : '';
  throw new TrainingMemoryError(
    `training \`${ir.name}\` at --batch ${batch} × --seq ${seq} needs about ${formatBytes(e.total)} per step (${describeParts(e)}), ` +
      `more than ${onHeap ? `the ${formatBytes(usable)} a step may use of ` : ''}the ${formatBytes(limit.bytes)} ${limit.what}. ${capitalise(change)}${alsoNative}. Nothing was allocated`,
  );
}

/** The largest n in [1, max] for which `fits(n)` (which holds for all n below one that fits), or 0. */
function largest(max: number, fits: (n: number) => boolean): number {
  let [lo, hi] = [0, max];
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function describeParts(e: TrainingMemoryEstimate): string {
  return [
    `${formatBytes(e.params)} of weights`,
    `${formatBytes(e.gradients)} of gradients`,
    `${formatBytes(e.optimizer)} of Adam's moments`,
    `${formatBytes(e.activations + e.transient)} of activations and their gradients`,
  ].join(', ');
}

const capitalise = (s: string) => s[0].toUpperCase() + s.slice(1);
