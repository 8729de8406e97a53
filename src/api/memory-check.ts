/**
 * Refuses a model that cannot be built on this machine before a single tensor is allocated
 * (issue 15: `vocab = 1_000_000_000_000` checked, then died allocating 16 TB). The estimate is
 * `estimateMemory` (parameters + one forward pass at batch 1); the limit is the backend's: the
 * wasm heap is 32-bit (4 GiB), the others are bounded by the machine's memory.
 */
import { totalmem } from 'node:os';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { estimateMemory, formatBytes } from '../ir/memory.js';
import type { ModelIR } from '../ir/types.js';
import type { BackendName } from '../backends/tfjs/backend.js';

export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** The memory a backend can give a model: its own bound, else the machine's. */
export function backendMemoryLimit(backend: BackendName): { bytes: number; what: string } {
  if (backend === 'wasm') return { bytes: WASM_HEAP_BYTES, what: 'the wasm backend can address (a 4 GiB heap)' };
  // The native backend computes on the wasm backend's tensors, in the same heap.
  if (backend === 'native') return { bytes: WASM_HEAP_BYTES, what: 'the native backend can address (its tensors live in the wasm backend\'s 4 GiB heap)' };
  return { bytes: totalmem(), what: `this machine has (the ${backend} backend)` };
}

/**
 * Reads a size: `16000000000`, `16e9`, `64GB`, `4GiB`, `512m` (decimal units, `i` for binary), or
 * `none` for no limit. Undefined when it cannot be read.
 */
export function parseByteSize(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'unlimited') return Infinity;
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgtp]?)(i?)b?$/.exec(t);
  if (!m) return undefined;
  const power = ' kmgtp'.indexOf(m[2] || ' ');
  const bytes = Number(m[1]) * (m[3] ? 1024 : 1000) ** power;
  return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
}

/** The limit in force: `override` (the option or `--max-memory`), `TFMC_MAX_MEMORY`, else the backend's. */
export function memoryLimit(backend: BackendName, override?: number): { bytes: number; what: string } {
  if (override !== undefined) return { bytes: override, what: 'the limit given (`--max-memory` / `maxMemory`)' };
  const env = process.env.TFMC_MAX_MEMORY;
  const fromEnv = env === undefined ? undefined : parseByteSize(env);
  if (fromEnv !== undefined) return { bytes: fromEnv, what: 'TFMC_MAX_MEMORY allows' };
  return backendMemoryLimit(backend);
}

/** TFM4011 when the model needs more than the limit, at its largest parameter. */
export function memoryRefusal(ir: ModelIR, backend: BackendName, override?: number): Diagnostic | undefined {
  const limit = memoryLimit(backend, override);
  const estimate = estimateMemory(ir);
  const total = estimate.paramBytes + estimate.activationBytes;
  if (total <= limit.bytes) return undefined;
  const p = estimate.largest;
  const primary = p
    ? { ...p.source, message: `\`${p.name}\` is \`[${p.shape.join(', ')}]\`, ${formatBytes(p.shape.reduce((a, b) => a * b, 1) * 4)}` }
    : ir.source;
  return diagnostic('TFM4011', `model \`${ir.name}\` needs about ${formatBytes(total)}, more than the ${formatBytes(limit.bytes)} ${limit.what}`, primary, {
    secondary: p ? [{ ...ir.source, message: 'in this model' }] : [],
    notes: [`${formatBytes(estimate.paramBytes)} of parameters and buffers (4 bytes each), ${formatBytes(estimate.activationBytes)} of activations for one sequence of ${estimate.seq}`],
    help: { message: 'check the sizes in the config; to try anyway, raise the limit with `--max-memory 64GB` (or TFMC_MAX_MEMORY, or the `maxMemory` option)' },
  });
}
