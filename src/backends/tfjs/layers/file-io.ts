/**
 * A `tf.io.IOHandler` for a directory on disk, in tfjs's own layout (`model.json` + `weights.bin`),
 * for Node without `@tensorflow/tfjs-node` (whose `file://` handler does the same). The files are
 * those `tf.loadLayersModel(url)` reads over http, so a directory saved here can be served to a
 * browser as it is.
 *
 * Saving is atomic as checkpoints are (`checkpoint.ts`): a temporary sibling directory, renamed
 * over the target; a non-empty directory without a `model.json` is never replaced.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TfmcUserError } from '../api-errors.js';
import { refuseForeignDir, swapInto } from '../checkpoint.js';
import { writeFileSynced } from '../../../util/atomic-write.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** A tfjs-layers model directory could not be written or read. */
export class LayersModelError extends TfmcUserError {
  constructor(
    /** The directory (or URL). */
    readonly location: string,
    message: string,
  ) {
    super(`tfjs-layers model ${location}: ${message}`);
    this.name = 'LayersModelError';
  }
}

/** Reads and writes `dir/model.json` and `dir/weights.bin`. */
export function directoryHandler(dir: string): tf.io.IOHandler {
  const target = resolve(dir);
  return {
    save: (artifacts) => saveTo(target, artifacts),
    load: () => loadFrom(target),
  };
}

async function saveTo(target: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) throw new LayersModelError(target, 'a binary model topology cannot be saved here');
  const weights = new Uint8Array(weightBytes(artifacts.weightData));
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
  };
  await mkdir(dirname(target), { recursive: true });
  await refuseForeign(target);
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(tmp);
  try {
    await writeFileSynced(join(tmp, WEIGHTS_BIN), weights);
    await writeFileSynced(join(tmp, MODEL_JSON), Buffer.from(JSON.stringify(json), 'utf8'));
    await swapInto(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    if (e instanceof LayersModelError) throw e;
    throw new LayersModelError(target, `could not be written: ${(e as Error).message}`);
  }
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

function weightBytes(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data;
}

/** A directory that exists, is not empty and has no `model.json` is not ours to replace. */
async function refuseForeign(target: string): Promise<void> {
  await refuseForeignDir(
    target,
    (entries) => entries.includes(MODEL_JSON),
    `exists and holds no ${MODEL_JSON}; refusing to replace it`,
    (message) => new LayersModelError(target, message),
  );
}

async function loadFrom(dir: string): Promise<tf.io.ModelArtifacts> {
  const jsonPath = join(dir, MODEL_JSON);
  if (!existsSync(jsonPath)) throw new LayersModelError(dir, `has no ${MODEL_JSON}`);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as tf.io.ModelJSON;
  } catch (e) {
    throw new LayersModelError(dir, `${MODEL_JSON} is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new LayersModelError(dir, `${MODEL_JSON} has no model topology`);
  }
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const path of group.paths) {
        const name = path.replace(/^\.\//, '');
        // Only files beside model.json: a manifest cannot make us read elsewhere.
        if (!/^[^/\\]+$/.test(name) || name === '..' || name === '.') throw new LayersModelError(dir, `${MODEL_JSON} lists a weights file outside the directory: ${path}`);
        const file = join(dir, name);
        let bytes: Buffer;
        try {
          bytes = await readFile(file);
        } catch {
          throw new LayersModelError(dir, `the weights file ${name} listed in ${MODEL_JSON} is missing`);
        }
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
      specs.push(...group.weights);
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    const expected = specs.reduce((n, s) => n + byteLength(s), 0);
    if (data.byteLength !== expected) {
      throw new LayersModelError(dir, `the weights files hold ${data.byteLength} bytes, but ${MODEL_JSON} describes ${expected}: they are truncated or do not belong to this model.json`);
    }
    return [specs, data];
  });
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function byteLength(spec: tf.io.WeightsManifestEntry): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.quantization) return n * (BYTES[spec.quantization.dtype] ?? 4);
  return n * (BYTES[spec.dtype] ?? 4);
}
