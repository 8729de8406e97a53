/**
 * The library API: parse, check and summarise `.tfm` specs. The CLI and the language server are
 * thin layers over these functions.
 */
import { summarize } from './ir/summary.js';

export type { Diagnostic, Label, Severity, Code } from './diagnostics/diagnostic.js';
export { CODES } from './diagnostics/diagnostic.js';
export type { ModelIR, TensorValue, Node, Param, ModuleInfo, DType } from './ir/types.js';
export { parse } from './syntax/parse.js';
export { renderShape, renderDim } from './ir/dims.js';
export { checkFile, checkSource, summarizeFile } from './pipeline/check-spec.js';
export type { CheckOptions, CheckResult, ModelSummary, SummaryRow } from './pipeline/check-spec.js';
export { parseOverrideValue } from './pipeline/overrides.js';

export { summarize };

// ---------------------------------------------------------------------------------------------
// The model API (docs/api.md): compile a spec into a TensorFlow.js model, train, evaluate, save.
// TensorFlow.js is loaded on first use, so checking specs does not pay for it. Everything of the
// backend (buildModel, selectBackend, generate, schedules, `tf` itself) is in `tfmc/tfjs`.

export type { CompileModelOptions, LoadModelOptions } from './api/compile.js';
export type {
  CompiledModel,
  PredictOptions,
  SaveOptions,
  LoadOptions,
  TrainOptions,
  StepResult,
  FitOptions,
  FitHistory,
  EpochLog,
  StepLog,
  EvaluationLog,
  BestValidation,
  EvaluateOptions,
  EvalResult,
  AdamOptions,
  LearningRate,
  TransformerScheduleSpec,
  WarmupScheduleSpec,
  Batch,
  Dataset,
  InputValue,
  Manifest,
  BackendName,
} from './backends/tfjs/index.js';
export { TfmcCompileError } from './api/compile-error.js';
export { TfmcUserError, TrainingDivergedError, CheckpointError, CheckpointMismatchError, GenerationError } from './backends/tfjs/api-errors.js';
export { ModelInputError, ModelRuntimeError } from './backends/tfjs/errors.js';

/**
 * Checks a spec (a `.tfm` path, or spec text) and builds one of its models on a TensorFlow.js
 * backend. Throws `TfmcCompileError` (with the diagnostics) when the spec has errors.
 */
export async function compile(
  spec: string,
  options?: import('./api/compile.js').CompileModelOptions,
): Promise<import('./backends/tfjs/compiled-model.js').CompiledModel> {
  const m = await import('./api/compile.js');
  return m.compile(spec, options);
}

/** Rebuilds a compiled model from a checkpoint directory written by `CompiledModel.save`. */
export async function loadModel(
  dir: string,
  options?: import('./api/compile.js').LoadModelOptions,
): Promise<import('./backends/tfjs/compiled-model.js').CompiledModel> {
  const m = await import('./api/compile.js');
  return m.loadModel(dir, options);
}

// ---------------------------------------------------------------------------------------------
// Weight exchange as safetensors (PyTorch, the generated PyTorch module, Hugging Face tools), and
// the PyTorch target (docs/scaling.md). Neither loads TensorFlow.js until weights are imported.

export { encodeSafetensors, decodeSafetensors, SafetensorsFormatError, type SafetensorsFile, type SafetensorsTensor, type SafetensorsDType } from './weights/safetensors.js';
export { exportSafetensors, importSafetensors, readSafetensors, writeSafetensors, WeightsFileError } from './weights/exchange.js';
export { emitPytorch, writePytorch, PytorchEmitError } from './backends/pytorch/index.js';
