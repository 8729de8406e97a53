/**
 * The PyTorch target: `model.py` generated from the IR, plus the runtime (`tfmc_runtime.py`) and
 * the training script (`train.py`), which are shipped as they are in `runtime/`.
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelIR } from '../../ir/types.js';
import { emitModel, type EmitOptions } from './emit.js';
import { writeFileAtomic } from '../../util/atomic-write.js';

export { emitModel, PytorchEmitError, type EmitOptions } from './emit.js';

/** The files shipped unchanged next to every generated model. */
export const RUNTIME_FILES = ['tfmc_runtime.py', 'train.py'] as const;

// Read from the package's `src/` folder both from `src/backends/pytorch/` and from
// `dist/backends/pytorch/` (the same depth), so the build needs no copy step.
const RUNTIME_DIR = new URL('../../../src/backends/pytorch/runtime/', import.meta.url);

/** The text of a shipped runtime file. */
export function runtimeFile(name: (typeof RUNTIME_FILES)[number]): string {
  return readFileSync(new URL(name, RUNTIME_DIR), 'utf8');
}

/** Every file of the PyTorch target for one model, by file name. */
export function emitPytorch(ir: ModelIR, options: EmitOptions = {}): Map<string, string> {
  const files = new Map<string, string>([['model.py', emitModel(ir, options)]]);
  for (const f of RUNTIME_FILES) files.set(f, runtimeFile(f));
  return files;
}

/** Writes the PyTorch target into `outDir` (created if needed); each file is written to a temporary name and renamed. Returns the paths written. */
export async function writePytorch(ir: ModelIR, outDir: string, options: EmitOptions = {}): Promise<string[]> {
  const files = emitPytorch(ir, options);
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of files) {
    const target = join(dir, name);
    writeFileAtomic(target, text);
    written.push(target);
  }
  return written;
}
