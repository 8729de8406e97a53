/**
 * The library API: parse, check and summarise `.tfm` specs. The CLI and the language server are
 * thin layers over these functions.
 */
import { resolve } from 'node:path';
import { checkEntry } from './check/check.js';
import { diagnostic, type Diagnostic } from './check/diagnostics.js';
import type { Override } from './ir/lower/model.js';
import { summarize } from './ir/summary.js';
import type { ModelIR } from './ir/types.js';
import type { Value } from './ir/values.js';

export type { Diagnostic, Label, Severity, Code } from './check/diagnostics.js';
export { CODES } from './check/diagnostics.js';
export type { ModelIR, TensorValue, Node, Param, ModuleInfo, DType } from './ir/types.js';
export { parse } from './syntax/parse.js';
export { renderShape, renderDim } from './ir/dims.js';

export interface CompileOptions {
  /** `--set key=value` overrides, applied to every model checked (unknown keys are errors). */
  overrides?: Record<string, string>;
  /** Imports may not escape this folder. Defaults to the nearest folder holding package.json or .git, else the file's folder. */
  workspaceRoot?: string;
  /** In-memory documents (editor buffers) by absolute path, read before the disk. */
  overlay?: Map<string, string>;
}

export interface CheckResult {
  /** Sorted by file, line, column. */
  diagnostics: Diagnostic[];
  /** Every file read (absolute path → text), so renderers can show source excerpts. */
  sources: Map<string, string>;
  /** The IR of every model in the file that checked without errors. */
  models: ModelIR[];
  /** False when the file itself could not be read. */
  found: boolean;
}

/** One row of `tfmc summary`: a module (block instance or layer) of the model. */
export interface SummaryRow {
  /** Hierarchical PyTorch-style path, e.g. `decoder.layers.3.self_attn`. */
  path: string;
  /** The block or primitive it instantiates, e.g. `MultiHeadAttention`, `Linear`. */
  block: string;
  /** Nesting depth (0 = a direct child of the model). */
  depth: number;
  /** Rendered output shape, e.g. `[batch, seq, 768]`. */
  outputShape: string;
  /** Parameters owned by this module and its children (tied weights are counted once, at their owner). */
  params: number;
}

export interface ModelSummary {
  model: string;
  file: string;
  params: number;
  rows: SummaryRow[];
  /** Forward FLOPs per token at the given sequence length (multiply-add = 2 FLOPs); per example for fixed-size inputs. */
  flopsPerToken: number;
  /** Estimated forward activation memory in bytes for the given batch and sequence length. */
  activationBytes: number;
  batch: number;
  seq: number;
}

/** Parses a `--set` value: an integer (`1_024`), a number, `true`/`false`, or an enum name. */
export function parseOverrideValue(text: string): Value | undefined {
  const t = text.trim();
  if (/^-?\d+(_\d+)*$/.test(t)) return { kind: 'int', value: Number(t.replace(/_/g, '')) };
  if (/^-?(\d+(_\d+)*)?\.\d+([eE][+-]?\d+)?$|^-?\d+(\.\d+)?[eE][+-]?\d+$/.test(t)) return { kind: 'float', value: Number(t.replace(/_/g, '')) };
  if (t === 'true' || t === 'false') return { kind: 'bool', value: t === 'true' };
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(t)) return { kind: 'enum', name: t };
  return undefined;
}

function toOverrides(file: string, raw: Record<string, string> | undefined): { overrides: Override[]; errors: Diagnostic[] } {
  const overrides: Override[] = [];
  const errors: Diagnostic[] = [];
  for (const [key, text] of Object.entries(raw ?? {})) {
    const value = parseOverrideValue(text);
    if (value) overrides.push({ key, value, text });
    else {
      const pos = { offset: 0, line: 1, column: 1 };
      errors.push(diagnostic('TFM4005', `cannot use \`${text}\` as the value of \`--set ${key}\``, { file, span: { start: pos, end: pos } }, {
        help: { message: 'a value is an integer (1024 or 1_024), a number (0.1), true/false, or an enum name (pre)' },
      }));
    }
  }
  return { overrides, errors };
}

/** Checks a spec file and everything it imports. */
export function checkFile(path: string, options: CompileOptions = {}): CheckResult {
  return check(resolve(path), undefined, options);
}

/** Checks spec text as if it were the file `path` (editor buffers, tests). */
export function checkSource(text: string, path = 'untitled.tfm', options: CompileOptions = {}): CheckResult {
  return check(resolve(path), text, options);
}

function check(path: string, text: string | undefined, options: CompileOptions): CheckResult {
  const { overrides, errors } = toOverrides(path, options.overrides);
  const r = checkEntry(path, overrides, { root: options.workspaceRoot, overlay: options.overlay }, text);
  const sources = new Map<string, string>();
  for (const [p, f] of r.workspace.files) sources.set(p, f.text);
  if (errors.length) {
    // A malformed `--set` value is shown at the model it would have configured.
    const model = r.workspace.files.get(path)?.ast.items.find((i) => i.kind === 'ModelDecl');
    if (model) for (const e of errors) e.primary = { file: path, span: model.name.span, message: 'set for this model' };
    return { diagnostics: [...errors, ...r.diagnostics], sources, models: [], found: r.found };
  }
  return { diagnostics: r.diagnostics, sources, models: r.models, found: r.found };
}

/** Checks a file, then summarises its models (all, or the one named `model`). */
export function summarizeFile(
  path: string,
  options: CompileOptions & { model?: string; batch?: number; seq?: number } = {},
): { result: CheckResult; summaries: ModelSummary[] } {
  const result = checkFile(path, options);
  let models = result.models;
  if (options.model) {
    models = models.filter((m) => m.name === options.model);
    if (models.length === 0 && result.found && !result.diagnostics.some((d) => d.severity === 'error')) {
      const pos = { offset: 0, line: 1, column: 1 };
      result.diagnostics.push(diagnostic('TFM2019', `no model named \`${options.model}\` in ${path}`, { file: resolve(path), span: { start: pos, end: pos } }, {
        help: { message: `models here: ${result.models.map((m) => `\`${m.name}\``).join(', ') || 'none'}` },
      }));
    }
  }
  return { result, summaries: models.map((m) => summarize(m, { batch: options.batch, seq: options.seq })) };
}

export { summarize };

// ---------------------------------------------------------------------------------------------
// The model API (docs/api.md): compile a spec into a TensorFlow.js model, train, evaluate, save.
// TensorFlow.js is loaded on first use, so checking specs does not pay for it. Everything of the
// backend (buildModel, selectBackend, generate, schedules, `tf` itself) is in `tfmc/tfjs`.

export type {
  CompiledModel,
  CompileModelOptions,
  LoadModelOptions,
  PredictOptions,
  SaveOptions,
  LoadOptions,
  TrainOptions,
  StepResult,
  FitOptions,
  FitHistory,
  EpochLog,
  StepLog,
  EvaluateOptions,
  EvalResult,
  AdamOptions,
  LearningRate,
  TransformerScheduleSpec,
  Batch,
  Dataset,
  InputValue,
  Manifest,
  BackendName,
} from './backends/tfjs/index.js';
export { TfmcUserError, TfmcCompileError, TrainingDivergedError, CheckpointError, CheckpointMismatchError, GenerationError } from './backends/tfjs/api-errors.js';
export { ModelInputError, ModelRuntimeError } from './backends/tfjs/errors.js';

/**
 * Checks a spec (a `.tfm` path, or spec text) and builds one of its models on a TensorFlow.js
 * backend. Throws `TfmcCompileError` (with the diagnostics) when the spec has errors.
 */
export async function compile(
  spec: string,
  options?: import('./backends/tfjs/compile.js').CompileModelOptions,
): Promise<import('./backends/tfjs/compile.js').CompiledModel> {
  const m = await import('./backends/tfjs/compile.js');
  return m.compile(spec, options);
}

/** Rebuilds a compiled model from a checkpoint directory written by `CompiledModel.save`. */
export async function loadModel(
  dir: string,
  options?: import('./backends/tfjs/compile.js').LoadModelOptions,
): Promise<import('./backends/tfjs/compile.js').CompiledModel> {
  const m = await import('./backends/tfjs/compile.js');
  return m.loadModel(dir, options);
}

// ---------------------------------------------------------------------------------------------
// Weight exchange as safetensors (PyTorch, the generated PyTorch module, Hugging Face tools), and
// the PyTorch target (docs/scaling.md). Neither loads TensorFlow.js until weights are imported.

export { encodeSafetensors, decodeSafetensors, SafetensorsFormatError, type SafetensorsFile, type SafetensorsTensor, type SafetensorsDType } from './weights/safetensors.js';
export { exportSafetensors, importSafetensors, readSafetensors, writeSafetensors, WeightsFileError } from './weights/exchange.js';
export { emitPytorch, writePytorch, PytorchEmitError } from './backends/pytorch/index.js';
