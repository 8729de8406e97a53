/**
 * Saving and loading tfmc models as tfjs-layers models (`model.json` + `weights.bin`), the format
 * `tf.loadLayersModel` reads in Node and in the browser. Documented in `docs/api.md`.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '../../../ir/types.js';
import { directoryHandler, LayersModelError } from './file-io.js';
import { IRJsonError } from './ir-json.js';
import { toLayersModel } from './tfmc-layer.js';

/** URL schemes handed to `tf.loadLayersModel` as they are; anything else is a directory. */
const URL_SCHEME = /^(https?|indexeddb|localstorage):\/\//i;

/**
 * Saves a compiled model (its IR and current weights) as a tfjs-layers model in `dir`:
 * `model.json` (the topology, with the IR in the TfmcModel layer's config) and `weights.bin`.
 * Written atomically; a non-empty directory without a `model.json` is not replaced.
 */
/** What is saved of a model: any object with the IR and its current weights (a `CompiledModel`). */
export interface LayersSource {
  readonly ir: ModelIR;
  getWeights(): Record<string, tf.Variable>;
}

export async function saveLayersModel(model: LayersSource, dir: string): Promise<tf.io.SaveResult> {
  const layersModel = toLayersModel(model.ir, { weights: model.getWeights() });
  try {
    return await layersModel.save(directoryHandler(dir));
  } finally {
    layersModel.dispose();
  }
}

/**
 * Loads a tfjs-layers model saved by tfmc (or any tfjs-layers model): from a directory, a
 * `file://` URL, an `http(s)://` URL of its `model.json`, an `indexeddb://` or `localstorage://`
 * key, or an `IOHandler`. Run it with `model.predict` or `predictByName`.
 */
export async function loadLayersModel(location: string | tf.io.IOHandler): Promise<tf.LayersModel> {
  const where = typeof location === 'string' ? location : 'from the given handler';
  let source: string | tf.io.IOHandler = location;
  if (typeof location === 'string' && !URL_SCHEME.test(location)) {
    source = directoryHandler(location.replace(/^file:\/\//i, ''));
  }
  try {
    return await tf.loadLayersModel(source);
  } catch (e) {
    if (e instanceof LayersModelError) throw e;
    if (e instanceof IRJsonError) throw new LayersModelError(where, `its TfmcModel layer cannot be rebuilt: ${e.message}`);
    throw new LayersModelError(where, `cannot be loaded: ${(e as Error).message}`);
  }
}
