/**
 * Weight exchange between tfmc models and safetensors files (what PyTorch, the generated
 * `model.py` and Hugging Face tools read and write). Tensors are named by the IR's parameter
 * names, which are also the generated PyTorch module's `state_dict` names. Files are written to
 * a temporary name and renamed, so a failed export never leaves a half-written file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import { TfmcUserError } from '../backends/tfjs/api-errors.js';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import { decodeSafetensors, encodeSafetensors, isFloatDType, MAX_HEADER_BYTES, SafetensorsFormatError, type SafetensorsFile } from './safetensors.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { KnownCode } from '../diagnostics/diagnostic.js';
import { setEntry } from '../util/own-entry.js';

/** A safetensors file that cannot be read, or whose tensors do not fit the model; the message lists every difference. */
export class WeightsFileError extends TfmcUserError {
  constructor(
    readonly file: string,
    message: string,
    /** One line per difference (missing, unexpected, shape, dtype), empty for format errors. */
    readonly differences: string[] = [],
    /** The catalogue code of a malformed file (`TFM6005`) or a non-finite weight (`TFM6006`), shown by the command line. */
    readonly code?: KnownCode,
  ) {
    super(`${file}: ${message}`);
    this.name = 'WeightsFileError';
  }
}

export interface NamedShape {
  name: string;
  shape: readonly number[];
  /** A buffer (running statistics) may come from an integer tensor: PyTorch keeps `num_batches_tracked` as int64. */
  buffer?: boolean;
}

/** What differs between a model's parameters and a file's tensors (empty when they fit). */
export function weightDifferences(params: readonly NamedShape[], file: SafetensorsFile): string[] {
  const out: string[] = [];
  const own = new Map(params.map((p) => [p.name, p]));
  for (const p of params) if (!file.tensors.has(p.name)) out.push(`missing from the file: \`${p.name}\` [${p.shape.join(', ')}]`);
  for (const [name, t] of file.tensors) {
    const param = own.get(name);
    const shape = param?.shape;
    if (!shape) out.push(`not a parameter of the model: \`${name}\` [${t.shape.join(', ')}]`);
    else if (shape.length !== t.shape.length || shape.some((d, i) => d !== t.shape[i])) out.push(`shape differs: \`${name}\` is [${shape.join(', ')}] in the model, [${t.shape.join(', ')}] in the file`);
    else if (!isFloatDType(t.dtype) && !param?.buffer) out.push(`dtype: \`${name}\` is ${t.dtype} in the file; parameters must be floating point (F32, F16, BF16 or F64)`);
  }
  return out;
}

/** Reads and parses a safetensors file; `WeightsFileError` (naming it as `shown`) when it is unreadable or malformed. */
export async function readSafetensors(file: string, shown = file): Promise<SafetensorsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new WeightsFileError(shown, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message);
  }
  try {
    return decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsFormatError) throw new WeightsFileError(shown, `not a valid safetensors file: ${e.message}`, [], 'TFM6005');
    throw e;
  }
}

/**
 * The `__metadata__` of a safetensors file, read from its header alone (the tensors are not
 * read); undefined when the file is missing or is not safetensors.
 */
export function safetensorsMetadata(file: string): Record<string, string> | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(8);
    if (size < 8 || readSync(fd, head, 0, 8, 0) !== 8) return undefined;
    const n = head.readBigUInt64LE(0);
    if (n > BigInt(Math.min(MAX_HEADER_BYTES, size - 8))) return undefined;
    const json = Buffer.alloc(Number(n));
    readSync(fd, json, 0, json.length, 8);
    const meta = (JSON.parse(json.toString('utf8')) as { __metadata__?: unknown }).__metadata__;
    return typeof meta === 'object' && meta !== null ? (meta as Record<string, string>) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Checks a file's tensors against the parameters (`WeightsFileError` listing every difference),
 * then that every value is finite: a NaN or infinite weight makes every output NaN, so it is
 * refused naming the tensor and the element (`TFM6006`).
 */
export function requireFit(fileName: string, model: string, params: readonly NamedShape[], file: SafetensorsFile): void {
  const diffs = weightDifferences(params, file);
  if (diffs.length === 0) {
    for (const p of params) {
      const data = file.tensors.get(p.name)!.data;
      const at = data.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) {
        throw new WeightsFileError(fileName, `tensor \`${p.name}\` holds ${data[at]} at element ${at} (of ${data.length}); weights must be finite numbers, nothing was loaded`, [], 'TFM6006');
      }
    }
    return;
  }
  const shown = diffs.slice(0, 20);
  const more = diffs.length > shown.length ? `\n  ... and ${diffs.length - shown.length} more` : '';
  throw new WeightsFileError(fileName, `its tensors do not fit model \`${model}\` (${diffs.length} difference${diffs.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}${more}`, diffs);
}

/** Writes float32 tensors as safetensors, atomically (temporary file in the same folder, then rename). */
export async function writeSafetensors(
  file: string,
  tensors: Iterable<[string, { shape: readonly number[]; data: Float32Array }]>,
  metadata: Record<string, string> = {},
): Promise<void> {
  const target = resolve(file);
  const bytes = encodeSafetensors(tensors, metadata);
  writeFileAtomic(target, bytes);
}

/** Saves a model's parameters to a safetensors file (float32, IR names, metadata: model and format). */
export async function exportSafetensors(model: CompiledModel, file: string): Promise<void> {
  const weights = model.getWeights();
  const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = model.ir.params.map((p) => {
    const v = weights[p.name];
    return [p.name, { shape: [...p.shape], data: Float32Array.from(v.dataSync()) }];
  });
  await writeSafetensors(file, tensors, { format: 'pt', producer: 'tfmc', model: model.name });
}

/**
 * Loads a safetensors file into a model. The file must hold exactly the model's parameters with
 * the same shapes (any floating dtype; converted to float32); otherwise nothing is loaded and a
 * `WeightsFileError` lists what differs (naming the file as `shown`).
 */
export async function importSafetensors(model: CompiledModel, file: string, shown = file): Promise<void> {
  const contents = await readSafetensors(file, shown);
  requireFit(shown, model.name, model.ir.params, contents);
  const tf = await import('@tensorflow/tfjs');
  const tensors: Record<string, tfTypes.Tensor> = {};
  try {
    for (const p of model.ir.params) {
      const t = contents.tensors.get(p.name)!;
      setEntry(tensors, p.name, tf.tensor(t.data, t.shape, 'float32'));
    }
    model.setWeights(tensors);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}
