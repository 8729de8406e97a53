/**
 * Weight exchange between tfmc models and safetensors files (what PyTorch, the generated
 * `model.py` and Hugging Face tools read and write). Tensors are named by the IR's parameter
 * names, which are also the generated PyTorch module's `state_dict` names. Files are written to
 * a temporary name and renamed, so a failed export never leaves a half-written file.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { resolve } from 'node:path';
import type * as tfTypes from '@tensorflow/tfjs';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import { filledTensor } from '../backends/tfjs/filled-tensor.js';
import { encodeSafetensors, isFloatDType, MAX_HEADER_BYTES, type SafetensorsDType, type SafetensorsFile, type SafetensorsTensor } from './safetensors.js';
import { firstNonFinite, SafetensorsReader } from './safetensors-file.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { WeightsFileError } from './errors.js';
import { setEntry } from '../util/own-entry.js';

export { WeightsFileError };

export interface NamedShape {
  name: string;
  shape: readonly number[];
  /** A buffer (running statistics) may come from an integer tensor: PyTorch keeps `num_batches_tracked` as int64. */
  buffer?: boolean;
}

/** What a file says of a tensor before its values are read. */
export interface StoredTensor {
  dtype: SafetensorsDType;
  shape: readonly number[];
}

/** What differs between a model's parameters and a file's tensors (empty when they fit). */
export function weightDifferences(params: readonly NamedShape[], file: { tensors: ReadonlyMap<string, StoredTensor> }): string[] {
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
  const reader = SafetensorsReader.open(file, shown);
  try {
    const tensors = new Map<string, SafetensorsTensor>();
    for (const e of reader.entries.values()) {
      const data = new Float32Array(e.count);
      reader.readInto(e.name, data);
      tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
    }
    return { tensors, metadata: reader.metadata };
  } finally {
    reader.close();
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
  requireShapesFit(fileName, model, params, file.tensors);
  for (const p of params) requireFinite(fileName, p.name, file.tensors.get(p.name)!.data);
}

/** The names, shapes and dtypes half of {@link requireFit}: what can be checked before any value is read. */
export function requireShapesFit(fileName: string, model: string, params: readonly NamedShape[], tensors: ReadonlyMap<string, StoredTensor>): void {
  const diffs = weightDifferences(params, { tensors });
  if (diffs.length === 0) return;
  const shown = diffs.slice(0, 20);
  const more = diffs.length > shown.length ? `\n  ... and ${diffs.length - shown.length} more` : '';
  throw new WeightsFileError(fileName, `its tensors do not fit model \`${model}\` (${diffs.length} difference${diffs.length === 1 ? '' : 's'}):\n  ${shown.join('\n  ')}${more}`, diffs);
}

/** TFM6006 when a tensor holds a NaN or an infinity. */
export function requireFinite(fileName: string, name: string, data: Float32Array): void {
  const at = firstNonFinite(data);
  if (at >= 0) {
    throw new WeightsFileError(fileName, `tensor \`${name}\` holds ${data[at]} at element ${at} (of ${data.length}); weights must be finite numbers, nothing was loaded`, [], 'TFM6006');
  }
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
 * `WeightsFileError` lists what differs (naming the file as `shown`). To build a model from a file
 * without first initialising it randomly, give the file to `compile` (`weights`).
 */
export async function importSafetensors(model: CompiledModel, file: string, shown = file): Promise<void> {
  const source = openWeights(file, shown, model.name, model.ir.params);
  const tensors: Record<string, tfTypes.Tensor> = {};
  try {
    for (const p of model.ir.params) setEntry(tensors, p.name, source.tensorFor(p.name));
    model.setWeights(tensors);
  } finally {
    source.close();
    for (const t of Object.values(tensors)) t.dispose();
  }
}

/** A weights file opened for a model whose parameters it fits: each parameter's values, read on demand. */
export interface WeightsSource {
  /** Whether the file holds the parameter (every parameter it was opened for). */
  has(name: string): boolean;
  /** A new float32 tensor of the parameter's values, read from the file into the backend's memory and checked finite (TFM6006). */
  tensorFor(name: string): tfTypes.Tensor;
  close(): void;
}

/**
 * Opens a safetensors file for a model's parameters, checking its header (TFM6005) and that its
 * tensors fit them (names, shapes, dtypes) before any value is read or allocated.
 */
export function openWeights(file: string, shown: string, model: string, params: readonly NamedShape[]): WeightsSource {
  const reader = SafetensorsReader.open(file, shown);
  try {
    requireShapesFit(shown, model, params, reader.entries);
  } catch (e) {
    reader.close();
    throw e;
  }
  const wanted = new Set(params.map((p) => p.name));
  return {
    has: (name) => wanted.has(name),
    tensorFor: (name) =>
      filledTensor(reader.entries.get(name)!.shape, (values) => {
        reader.readInto(name, values);
        requireFinite(shown, name, values);
      }),
    close: () => reader.close(),
  };
}
