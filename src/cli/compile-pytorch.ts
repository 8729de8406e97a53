/**
 * `tfmc compile SPEC --target pytorch`: the PyTorch module of a model (`model.py`), the runtime it
 * imports (`tfmc_runtime.py`) and a training script for one process or `torchrun`
 * (`train.py`); see docs/scaling.md. A {@link TargetWriter} of `compile.ts`.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { kebabName } from '../backends/ts/file-names.js';
import type { TargetWriter } from './compile-target.js';

/**
 * What the target writes, and what Python leaves beside it (byte-code caches). Weights saved
 * beside the module (`*.safetensors`, `*.pt`) are not ours: replacing the folder would delete a
 * trained model, so such a folder needs `--force`.
 */
const OURS = new Set(['model.py', 'tfmc_runtime.py', 'train.py', '__pycache__']);

export const pytorchTarget: TargetWriter = {
  describe: 'a PyTorch module (model.py) with its runtime and train.py for one process or torchrun (docs/scaling.md)',
  defaultDir: (ir) => `${kebabName(ir.name)}-pytorch`,
  isEarlierOutput: (dir) => {
    const files = readdirSync(dir);
    return files.includes('model.py') && files.includes('tfmc_runtime.py') && files.every((f) => OURS.has(f));
  },
  async write(job, staging) {
    const { emitPytorch, PytorchEmitError } = await import('../backends/pytorch/index.js');
    let files: Map<string, string>;
    try {
      files = emitPytorch(job.ir, { specName: basename(job.spec) });
    } catch (e) {
      if (!(e instanceof PytorchEmitError)) throw e;
      // Reported by `compile` like the TypeScript target's emit errors: one line, exit 1.
      const { EmitError } = await import('../backends/ts/emit.js');
      throw new EmitError(e.message);
    }
    await mkdir(staging);
    for (const [name, text] of files) await writeFile(join(staging, name), text);
    return [...files.keys()];
  },
};
