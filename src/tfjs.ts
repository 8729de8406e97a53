/**
 * `tfmc/tfjs`: the TensorFlow.js backend for users who want more than `compile` (the executor,
 * training pieces, checkpoints, tfjs-layers, `tf` itself), with the model API's two doors.
 * A facade like src/index.ts: nothing inside src/ imports it.
 */
export * from './backends/tfjs/index.js';
export { compile, loadModel, type CompileModelOptions, type LoadModelOptions } from './api/compile.js';
export { TfmcCompileError } from './api/compile-error.js';
