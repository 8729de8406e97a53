/**
 * `tfmc compile SPEC --target onnx`: the forward graph of a model as `model.onnx` (opset 17, dynamic
 * batch and sequence axes) with the weights the tfjs target would start from (`--seed`); tensors
 * of 1 MiB or more go to `model.onnx.data` beside it (ONNX external data). An op with no ONNX form
 * is reported as TFM7001 at its span. A {@link TargetWriter} of `compile.ts`.
 */
import { readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kebabName } from '../backends/ts/file-names.js';
import { packageVersion } from '../util/package-version.js';
import type { TargetWriter } from './compile-target.js';

export const ONNX_FILE = 'model.onnx';
export const ONNX_DATA_FILE = 'model.onnx.data';
/** Initializers of this many bytes or more are stored in the side file. */
export const EXTERNAL_MIN_BYTES = 1 << 20;

export const onnxTarget: TargetWriter = {
  describe: `an ONNX model (${ONNX_FILE}, opset 17, dynamic batch and sequence axes; large weights in ${ONNX_DATA_FILE})`,
  defaultDir: (ir) => `${kebabName(ir.name)}-onnx`,
  isEarlierOutput: (dir) => {
    const files = readdirSync(dir);
    return files.includes(ONNX_FILE) && files.every((f) => f === ONNX_FILE || f === ONNX_DATA_FILE);
  },
  async write(job, staging) {
    const { compile } = await import('../api/compile.js');
    const { emitOnnx, OnnxExportError } = await import('../backends/onnx/index.js');
    const model = await compile(job.spec, { model: job.ir.name, overrides: job.overrides, seed: job.seed, maxMemory: job.maxMemory });
    let onnx;
    try {
      const weights = model.getWeights();
      onnx = emitOnnx(model.ir, {
        weight: (name) => weights[name].dataSync() as Float32Array,
        externalData: { fileName: ONNX_DATA_FILE, minBytes: EXTERNAL_MIN_BYTES },
        producerVersion: packageVersion(),
      });
    } catch (e) {
      if (!(e instanceof OnnxExportError)) throw e;
      const { TfmcCompileError } = await import('../api/compile-error.js');
      throw new TfmcCompileError(e.diagnostics, job.sources ?? new Map());
    } finally {
      model.dispose();
    }
    await mkdir(staging);
    await writeFile(join(staging, ONNX_FILE), onnx.model);
    if (!onnx.external) return [ONNX_FILE];
    await writeFile(join(staging, ONNX_DATA_FILE), onnx.external);
    return [ONNX_FILE, ONNX_DATA_FILE];
  },
};
