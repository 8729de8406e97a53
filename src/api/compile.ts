/**
 * The model API's two doors from a spec to a running model (docs/api.md): `compile(spec)` runs
 * the pipeline on a `.tfm` file or text and builds the chosen model on a TensorFlow.js backend;
 * `loadModel(dir)` does the same for the spec stored in a checkpoint, then restores its weights.
 * The backend only ever sees the checked IR.
 */
import { resolve } from 'node:path';
import { CheckpointError } from '../backends/tfjs/api-errors.js';
import { chooseBackend, type BackendName } from '../backends/tfjs/backend.js';
import { checkCompatible, readCheckpoint } from '../backends/tfjs/checkpoint.js';
import { CompiledModel, storedWeight, type LoadOptions } from '../backends/tfjs/compiled-model.js';
import type { ModelIR } from '../ir/types.js';
import { STD_DIR } from '../ir/workspace.js';
import { checkFile, checkSource, type CheckResult } from '../pipeline/check-spec.js';
import { selectModel } from '../pipeline/select-model.js';
import { TfmcCompileError } from './compile-error.js';
import { memoryRefusal } from './memory-check.js';
import { openWeights } from '../weights/exchange.js';

export interface CompileModelOptions {
  /** Which model of the file; required when the file has more than one. Only this model is checked. */
  model?: string;
  /** Config overrides, as `tfmc --set key=value` (`{ layers: 2, norm: 'pre' }`). */
  overrides?: Record<string, string | number | boolean>;
  /** `node`, `wasm` or `cpu`; default: the backend already in use, else the fastest that loads. */
  backend?: BackendName;
  /** Seed of the initial weights (reproducible initialisation), and by default of the dropout masks of training steps (`TrainOptions.dropoutSeed`). */
  seed?: number;
  /** When `spec` is source text: the file name it stands for (imports resolve next to it). Default `untitled.tfm` in the working directory. */
  path?: string;
  /** Imports may not escape this folder (see `checkFile`). */
  workspaceRoot?: string;
  /**
   * Bytes the model may need (parameters + one forward pass), checked before anything is
   * allocated; default `TFMC_MAX_MEMORY`, else the backend's limit (wasm: 4 GiB; otherwise the
   * machine's memory). `Infinity` turns the check off.
   */
  maxMemory?: number;
  /**
   * A safetensors file holding the model's parameters (tensors named as the IR's parameters, as
   * `exportSafetensors` and the generated PyTorch module write them): the model is built with
   * these values, read from the file into the backend's memory, instead of random ones. A file
   * that does not fit the model throws `WeightsFileError` and nothing is built.
   */
  weights?: string;
  /** @internal How messages name the weights file (default: `weights` as given); the command line's display path. */
  weightsShown?: string;
}

export interface LoadModelOptions extends LoadOptions {
  /** As in {@link compile}. */
  backend?: BackendName;
  /** As in {@link compile}. */
  maxMemory?: number;
}

/**
 * Checks a spec (a path to a `.tfm` file, or spec text: any string with a newline or `{`) and
 * builds one of its models on a tfjs backend. Throws {@link TfmcCompileError} when the spec has
 * errors, cannot be read, or has no such model.
 */
export async function compile(spec: string, options: CompileModelOptions = {}): Promise<CompiledModel> {
  if (typeof spec !== 'string') throw new TypeError('compile(spec): spec must be a file path or spec text');
  const overrides = overrideStrings(options.overrides);
  const checkOptions = { overrides, workspaceRoot: options.workspaceRoot, model: options.model };
  const source = looksLikeSource(spec);
  const result = source ? checkSource(spec, options.path ?? 'untitled.tfm', checkOptions) : checkFile(spec, checkOptions);
  if (!result.found) throw new TfmcCompileError([], result.sources, `cannot read the spec file ${spec}: no such file`);
  const ir = chosenModel(result, options.model, source ? (options.path ?? 'the spec') : spec);
  const backend = await chooseBackend(options.backend);
  refuseOversized(ir, backend, result.sources, options.maxMemory);
  // Opened (and checked against the parameters) before anything is allocated.
  const weights = options.weights === undefined ? undefined : openWeights(options.weights, options.weightsShown ?? options.weights, ir.name, ir.params);
  try {
    const origin = { entry: resolve(source ? (options.path ?? 'untitled.tfm') : spec), sources: userSources(result.sources), overrides, seed: options.seed };
    return new CompiledModel(ir, backend, result.diagnostics, origin, weights && ((p) => (weights.has(p.name) ? weights.tensorFor(p.name) : undefined)));
  } catch (e) {
    // Only reachable past a raised `maxMemory`: the allocator, not the estimate, said no.
    if (e instanceof RangeError) throw new TfmcCompileError([], result.sources, `could not allocate model \`${ir.name}\`: ${e.message} (the memory limit was raised with maxMemory / --max-memory)`);
    throw e;
  } finally {
    weights?.close();
  }
}

/**
 * Rebuilds a model from a checkpoint directory: the stored spec is checked again with the stored
 * overrides (no network, no access to the original files), then the weights are loaded.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<CompiledModel> {
  const contents = await readCheckpoint(dir);
  const { manifest } = contents;
  const result = checkFile(contents.entryPath, { overrides: manifest.overrides, workspaceRoot: contents.specRoot, model: manifest.model });
  if (!result.found) throw new CheckpointError(contents.dir, `the stored spec ${manifest.spec.entry} cannot be read`);
  let ir: ModelIR;
  try {
    ir = chosenModel(result, manifest.model, contents.entryPath);
  } catch (e) {
    if (!(e instanceof TfmcCompileError)) throw e;
    throw new TfmcCompileError(e.diagnostics, e.sources, `the spec stored in ${contents.dir} does not compile with this tfmc:\n${e.message}`);
  }
  const backend = await chooseBackend(options.backend);
  refuseOversized(ir, backend, result.sources, options.maxMemory);
  // Verified before anything is allocated; the variables then start as the stored weights (no
  // random fill that the checkpoint would overwrite at once).
  checkCompatible(contents, ir.name, ir.params);
  const model = new CompiledModel(ir, backend, result.diagnostics, {
    entry: contents.entryPath,
    sources: userSources(result.sources),
    overrides: manifest.overrides,
    seed: manifest.seed,
  }, (p) => storedWeight(contents, p.name));
  try {
    model.applyCheckpoint(contents, options, true);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/** Throws TFM4011 as a {@link TfmcCompileError} when the model would not fit in memory. */
function refuseOversized(ir: ModelIR, backend: BackendName, sources: ReadonlyMap<string, string>, maxMemory: number | undefined): void {
  const refusal = memoryRefusal(ir, backend, maxMemory);
  if (refusal) throw new TfmcCompileError([refusal], sources);
}

/** The pipeline's choice of model, or the reason there is none as a {@link TfmcCompileError}. */
function chosenModel(result: CheckResult, name: string | undefined, what: string): ModelIR {
  const choice = selectModel(result, name, what, 'the `model` option');
  if (choice.ok) return choice.ir;
  if (choice.reason === 'spec-errors') throw new TfmcCompileError(result.diagnostics, result.sources);
  throw new TfmcCompileError(result.diagnostics, result.sources, choice.message);
}

/** Heuristic of `compile`: source text has a newline or a brace; a path has neither. */
function looksLikeSource(spec: string): boolean {
  return /[\n{]/.test(spec);
}

function overrideStrings(overrides: CompileModelOptions['overrides']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(overrides ?? {})) out[k] = String(v);
  return out;
}

/** The spec files of the user (the standard library ships with tfmc and is not stored). */
function userSources(sources: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of sources) if (!path.startsWith(STD_DIR)) out.set(path, text);
  return out;
}
