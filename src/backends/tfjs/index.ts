/** The TensorFlow.js backend: backend selection, and runnable models built from the IR. */
export { selectBackend, currentBackend, backendFailure, BackendUnavailableError, BACKEND_NAMES, type BackendName } from './backend.js';
export { buildModel, TfjsModel, UnsupportedOpError, type BuildOptions, type ForwardOptions } from './executor.js';
export { ModelInputError, ModelRuntimeError } from './errors.js';
export { runNode, hasKernel } from './kernels.js';

// The model API (docs/api.md).
export { CompiledModel, type PredictOptions, type SaveOptions, type LoadOptions, type Origin } from './compiled-model.js';
export { chooseBackend } from './backend.js';
export { TfmcUserError, TrainingDivergedError, CheckpointError, CheckpointMismatchError, GenerationError } from './api-errors.js';
export { generate, decodingRoles, type GenerateOptions, type GenerateRequest, type GenerateResult, type LengthLimit } from './generate/index.js';
export { Trainer, type TrainOptions, type StepResult, type EvaluateOptions, type EvalResult } from './train.js';
export { fit, type FitOptions, type FitHistory, type EpochLog, type StepLog, type EvaluationLog, type BestValidation, type Callback } from './fit.js';
export { Adam, ADAM_DEFAULTS, globalNorm, clipByGlobalNorm, type AdamOptions } from './optim.js';
export { transformerSchedule, warmupSchedule, constantSchedule, toSchedule, SCHEDULE_KINDS, type Schedule, type LearningRate, type TransformerScheduleSpec, type WarmupScheduleSpec, type ScheduleKind } from './schedule.js';
export { batchesOf, padRows, permutation, rng, type Batch, type Dataset, type InputValue, type BatchesOfOptions } from './data.js';
export { readCheckpoint, writeCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Manifest } from './checkpoint.js';
// tfjs-layers serialization: tfmc's layer (registered on import), save/load as model.json + weights.bin.
export { TfmcLayer, toLayersModel, tfmcLayerOf, predictByName, TFMC_LAYER_CLASS, type ToLayersModelOptions } from './layers/tfmc-layer.js';
export { saveLayersModel, loadLayersModel } from './layers/layers-model.js';
export { directoryHandler, LayersModelError } from './layers/file-io.js';
export { irToJson, irFromJson, IRJsonError, IR_JSON_FORMAT, IR_JSON_VERSION, type IRJson } from './layers/ir-json.js';
/** The TensorFlow.js instance tfmc uses (create input tensors with it, so both sides share one engine). */
export * as tf from '@tensorflow/tfjs';
