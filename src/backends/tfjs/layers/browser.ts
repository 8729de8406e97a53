/**
 * tfmc's runtime for the browser: the TfmcModel layer (registered on import) and the tfjs it runs
 * on, without the compiler or anything that needs Node. Bundle this module (`tfmc/tfjs/browser`)
 * and load a model that `saveLayersModel` wrote, served over http:
 *
 * ```js
 * import { tf, predictByName } from 'tfmc/tfjs/browser';
 * const model = await tf.loadLayersModel('/models/gpt2-tiny/model.json');
 * const { logits } = predictByName(model, { ids: tf.tensor2d([[1, 2, 3]], [1, 3], 'int32') });
 * ```
 */
export { TfmcLayer, TFMC_LAYER_CLASS, toLayersModel, tfmcLayerOf, predictByName, LAYERS_MODEL_FORMAT, LAYERS_MODEL_VERSION, type ToLayersModelOptions } from './tfmc-layer.js';
export { irFromJson, irToJson, IRJsonError, IR_JSON_FORMAT, IR_JSON_VERSION, type IRJson } from './ir-json.js';
export { ModelInputError, ModelRuntimeError } from '../errors.js';
/** The TensorFlow.js instance the layer runs on (load models and make tensors with it). */
export * as tf from '@tensorflow/tfjs';
