/**
 * The model API: `compile(spec)` checks a `.tfm` spec and builds a {@link CompiledModel} on a
 * TensorFlow.js backend, with `predict`, `trainStep`, `fit`, `evaluate`, `save` and `load`;
 * `loadModel(dir)` rebuilds one from a checkpoint directory. Documented in `docs/api.md`.
 *
 * A user mistake is a typed error with a message meant to be printed as is: a spec with errors is
 * a {@link TfmcCompileError} carrying the diagnostics; bad data is a `ModelInputError` naming the
 * input and what was expected; a diverging run is a `TrainingDivergedError`; a bad checkpoint a
 * `CheckpointError`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Diagnostic } from '../../check/diagnostics.js';
import { checkFile, checkSource, type CheckResult } from '../../index.js';
import { STD_DIR } from '../../ir/workspace.js';
import type { ModelIR } from '../../ir/types.js';
import { TfmcCompileError } from './api-errors.js';
import { selectBackend, BACKEND_NAMES, type BackendName } from './backend.js';
import { checkCompatible, readCheckpoint, writeCheckpoint, type CheckpointContents, type Manifest, type NamedArray } from './checkpoint.js';
import { iterate, toTensors, type Batch, type Dataset } from './data.js';
import { buildModel, type TfjsModel } from './executor.js';
import { EvalAccumulator, fit, Trainer, trainingIR, type EvalResult, type EvaluateOptions, type FitHistory, type FitOptions, type StepResult, type TrainOptions } from './train.js';

export interface CompileModelOptions {
  /** Which model of the file; required when the file has more than one. */
  model?: string;
  /** Config overrides, as `tfmc --set key=value` (`{ layers: 2, norm: 'pre' }`). */
  overrides?: Record<string, string | number | boolean>;
  /** `node`, `wasm` or `cpu`; default: the backend already in use, else the fastest that loads. */
  backend?: BackendName;
  /** Seed of the initial weights (reproducible initialisation). Dropout masks are not seeded. */
  seed?: number;
  /** When `spec` is source text: the file name it stands for (imports resolve next to it). Default `untitled.tfm` in the working directory. */
  path?: string;
  /** Imports may not escape this folder (see `checkFile`). */
  workspaceRoot?: string;
}

export interface PredictOptions {
  /** Outputs (or losses) to compute, by name; default every declared output. */
  outputs?: readonly string[];
  /** Run in training mode (dropout active). Default false. */
  training?: boolean;
}

export interface SaveOptions {
  /** Also store Adam's moments and step (`optimizer.bin`), to resume training exactly. Default false. */
  optimizer?: boolean;
}

export interface LoadOptions {
  /** Restore Adam's state when the checkpoint has it. Default true. */
  optimizer?: boolean;
}

/** Where a compiled model came from: what a checkpoint stores to rebuild it. */
interface Origin {
  entry: string;
  sources: Map<string, string>;
  overrides: Record<string, string>;
  seed?: number;
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

/**
 * Checks a spec (a path to a `.tfm` file, or spec text: any string with a newline or `{`) and
 * builds one of its models on a tfjs backend. Throws {@link TfmcCompileError} when the spec has
 * errors, cannot be read, or has no such model.
 */
export async function compile(spec: string, options: CompileModelOptions = {}): Promise<CompiledModel> {
  if (typeof spec !== 'string') throw new TypeError('compile(spec): spec must be a file path or spec text');
  const overrides = overrideStrings(options.overrides);
  const checkOptions = { overrides, workspaceRoot: options.workspaceRoot };
  const source = looksLikeSource(spec);
  const result = source ? checkSource(spec, options.path ?? 'untitled.tfm', checkOptions) : checkFile(spec, checkOptions);
  if (!result.found) throw new TfmcCompileError([], result.sources, `cannot read the spec file ${spec}: no such file`);
  const ir = pickModel(result, options.model, source ? (options.path ?? 'the spec') : spec);
  const backend = await chooseBackend(options.backend);
  const entry = [...result.sources.keys()].find((p) => p === ir.file) ?? ir.file;
  return new CompiledModel(ir, backend, result.diagnostics.filter((d) => d.severity !== 'error'), {
    entry,
    sources: userSources(result.sources),
    overrides,
    seed: options.seed,
  });
}

function pickModel(result: CheckResult, name: string | undefined, what: string): ModelIR {
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new TfmcCompileError(result.diagnostics, result.sources);
  const models = result.models;
  const list = models.map((m) => `\`${m.name}\``).join(', ');
  if (name !== undefined) {
    const m = models.find((x) => x.name === name);
    if (!m) throw new TfmcCompileError(result.diagnostics, result.sources, `${what} has no model named \`${name}\` (its models: ${list || 'none'})`);
    return m;
  }
  if (models.length === 1) return models[0];
  if (models.length === 0) throw new TfmcCompileError(result.diagnostics, result.sources, `${what} declares no model`);
  throw new TfmcCompileError(result.diagnostics, result.sources, `${what} has ${models.length} models (${list}); choose one with the \`model\` option`);
}

/** The spec files of the user (the standard library ships with tfmc and is not stored). */
function userSources(sources: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, text] of sources) if (!path.startsWith(STD_DIR)) out.set(path, text);
  return out;
}

async function chooseBackend(preferred: BackendName | undefined): Promise<BackendName> {
  if (preferred !== undefined) return selectBackend(preferred);
  // Keep a backend that was already chosen (by an earlier compile or by selectBackend).
  const active = (tf.engine() as unknown as { backendName: string | null }).backendName;
  const ours = BACKEND_NAMES.find((b) => (b === 'node' ? 'tensorflow' : b) === active);
  return ours ?? selectBackend();
}

/** A compiled model on a tfjs backend: inference, training, evaluation and checkpoints. */
export class CompiledModel {
  /** The runnable model (one `tf.Variable` per parameter). */
  readonly executor: TfjsModel;
  private readonly trainer: Trainer;
  private disposed = false;

  constructor(
    /** The checked IR of the model. */
    readonly ir: ModelIR,
    /** The tfjs backend in use (process-wide in tfjs). */
    readonly backend: BackendName,
    /** Warnings of the check (errors would have stopped compilation). */
    readonly warnings: Diagnostic[],
    private readonly origin: Origin,
  ) {
    const { ir: runIR, taps } = trainingIR(ir);
    this.executor = buildModel(runIR, { seed: origin.seed });
    this.trainer = new Trainer(this.executor, runIR, taps);
  }

  get name(): string {
    return this.ir.name;
  }
  get inputNames(): string[] {
    return this.ir.inputs.map((i) => i.name);
  }
  get outputNames(): string[] {
    return this.ir.outputs.map((o) => o.name);
  }
  get lossNames(): string[] {
    return this.ir.losses.map((o) => o.name);
  }
  /** The resolved config values by name. */
  get config(): Record<string, number | boolean | string> {
    return Object.fromEntries(this.ir.config.map((c) => [c.name, c.value]));
  }
  /** The config overrides it was compiled with. */
  get overrides(): Record<string, string> {
    return { ...this.origin.overrides };
  }
  /** Optimizer steps taken (continues across `fit` calls and checkpoints). */
  get step(): number {
    return this.trainer.steps;
  }
  /** Trainable parameters (tied weights counted once). */
  get parameterCount(): number {
    return this.ir.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  }

  /** What each input should be, e.g. `{ ids: 'int32 [batch, seq] with seq <= 64' }`. */
  describeInputs(): Record<string, string> {
    return Object.fromEntries(this.inputNames.map((n) => [n, this.executor.describeInput(n)]));
  }

  /** The parameters by name (live variables: read them, do not dispose them). */
  getWeights(): Record<string, tf.Variable> {
    return this.executor.getWeights();
  }

  /** Assigns parameters by name (shapes must match). */
  setWeights(weights: Record<string, tf.Tensor>): void {
    this.executor.setWeights(weights);
    this.trainer.clearSnapshot();
  }

  /**
   * Runs the model. Inputs by name, as tensors or nested arrays (converted with the declared
   * dtype); returns the requested outputs as tensors, which the caller owns (dispose them, or call
   * inside `tf.tidy`).
   */
  predict(inputs: Batch, options: PredictOptions = {}): Record<string, tf.Tensor> {
    this.alive();
    const outputs = options.outputs ?? this.outputNames;
    const known = [...this.outputNames, ...this.lossNames];
    for (const name of outputs) {
      if (!known.includes(name)) throw new Error(`the model \`${this.name}\` has no output or loss named \`${name}\` (it has ${known.map((n) => `\`${n}\``).join(', ')})`);
    }
    const { feeds, created } = this.feeds(inputs);
    try {
      return this.executor.forward(feeds, { outputs, training: options.training ?? false });
    } finally {
      tf.dispose(created);
    }
  }

  /** One Adam step on a batch (inputs and labels by name). See `TrainOptions`. */
  trainStep(batch: Batch, options: TrainOptions = {}): StepResult {
    this.alive();
    const { feeds, created } = this.feeds(batch);
    try {
      return this.trainer.step(feeds, options);
    } finally {
      tf.dispose(created);
    }
  }

  /** Trains for `epochs` passes over `data` (see `FitOptions`). */
  async fit(data: Dataset, options: FitOptions = {}): Promise<FitHistory> {
    this.alive();
    return fit(this, data, options);
  }

  /** Mean losses and accuracy over a dataset, in inference mode. */
  async evaluate(data: Dataset, options: EvaluateOptions = {}): Promise<EvalResult> {
    this.alive();
    const acc = new EvalAccumulator();
    let n = 0;
    for await (const batch of iterate(data, 0)) {
      const { feeds, created } = this.feeds(batch);
      try {
        acc.add(this.trainer.evaluateBatch(feeds, options));
      } finally {
        tf.dispose(created);
      }
      if (++n % 8 === 0) await new Promise<void>((r) => setImmediate(r));
    }
    return acc.result();
  }

  /**
   * Writes a checkpoint directory (spec files, overrides, resolved config, model name, weights;
   * with `optimizer: true` also Adam's state), atomically. See `checkpoint.ts` for the layout.
   */
  async save(dir: string, options: SaveOptions = {}): Promise<Manifest> {
    this.alive();
    const vars = this.executor.variables;
    const weights: NamedArray[] = [];
    for (const p of this.ir.params) {
      const v = vars.get(p.name)!;
      weights.push({ name: p.name, shape: [...v.shape], data: (await v.data()) as Float32Array });
    }
    let optimizer: { step: number; m: NamedArray[]; v: NamedArray[] } | undefined;
    if (options.optimizer) {
      const state = this.trainer.optimizer.getState();
      const arrays = async (rec: Record<string, tf.Tensor>) => {
        const out: NamedArray[] = [];
        for (const [name, t] of Object.entries(rec)) out.push({ name, shape: [...t.shape], data: (await t.data()) as Float32Array });
        return out;
      };
      optimizer = { step: state.step, m: await arrays(state.m), v: await arrays(state.v) };
    }
    return writeCheckpoint(dir, {
      model: this.name,
      entry: this.origin.entry,
      sources: this.origin.sources,
      overrides: this.origin.overrides,
      config: this.config,
      backend: this.backend,
      seed: this.origin.seed,
      step: this.step,
      weights,
      optimizer,
    });
  }

  /**
   * Loads a checkpoint's weights into this model. The checkpoint must hold exactly this model's
   * parameters with the same shapes (a `CheckpointMismatchError` lists what differs); checksums
   * are verified first.
   */
  async load(dir: string, options: LoadOptions = {}): Promise<Manifest> {
    this.alive();
    const contents = await readCheckpoint(dir);
    this.applyCheckpoint(contents, options);
    return contents.manifest;
  }

  /** @internal Puts verified checkpoint contents into the variables (and optimizer). */
  applyCheckpoint(contents: CheckpointContents, options: LoadOptions = {}): void {
    checkCompatible(contents, this.name, this.ir.params);
    const tensors: Record<string, tf.Tensor> = {};
    for (const p of this.ir.params) {
      const w = contents.weights.get(p.name)!;
      tensors[p.name] = tf.tensor(w.data, w.shape, 'float32');
    }
    try {
      this.executor.setWeights(tensors);
    } finally {
      tf.dispose(Object.values(tensors));
    }
    this.trainer.clearSnapshot();
    const opt = contents.optimizer;
    if ((options.optimizer ?? true) && opt) {
      const known = new Map(this.ir.params.map((p) => [p.name, p.shape]));
      const toTensor = (m: Map<string, NamedArray>) => {
        const out: Record<string, tf.Tensor> = {};
        for (const [name, t] of m) {
          const shape = known.get(name);
          if (shape && shape.length === t.shape.length && shape.every((d, i) => d === t.shape[i])) out[name] = tf.tensor(t.data, t.shape, 'float32');
        }
        return out;
      };
      const m = toTensor(opt.m);
      const v = toTensor(opt.v);
      try {
        this.trainer.optimizer.setState({ step: opt.step, m, v });
      } finally {
        tf.dispose([...Object.values(m), ...Object.values(v)]);
      }
    } else {
      // No moments: Adam starts afresh (bias correction from its first step), the step count and
      // hence the learning-rate schedule continue.
      this.trainer.optimizer.reset();
    }
    this.trainer.steps = contents.manifest.step ?? 0;
  }

  /** Releases the weights and the optimizer state. */
  dispose(): void {
    if (this.disposed) return;
    this.trainer.dispose();
    this.executor.dispose();
    this.disposed = true;
  }

  private alive(): void {
    if (this.disposed) throw new Error(`the model \`${this.name}\` has been disposed`);
  }

  private feeds(batch: Batch): { feeds: Record<string, tf.Tensor>; created: tf.Tensor[] } {
    return toTensors(this.ir, batch, (name) => {
      try {
        return this.executor.describeInput(name);
      } catch {
        return 'an input of the model';
      }
    });
  }
}

export interface LoadModelOptions extends LoadOptions {
  /** As in {@link compile}. */
  backend?: BackendName;
}

/**
 * Rebuilds a model from a checkpoint directory: the stored spec is checked again with the stored
 * overrides (no network, no access to the original files), then the weights are loaded.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<CompiledModel> {
  const contents = await readCheckpoint(dir);
  const { manifest } = contents;
  const result = checkFile(contents.entryPath, { overrides: manifest.overrides, workspaceRoot: contents.specRoot });
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.found || errors.length) {
    const base = new TfmcCompileError(result.diagnostics, result.sources);
    throw new TfmcCompileError(result.diagnostics, result.sources, `the spec stored in ${contents.dir} does not compile with this tfmc:\n${base.message}`);
  }
  const ir = pickModel(result, manifest.model, contents.entryPath);
  const backend = await chooseBackend(options.backend);
  const model = new CompiledModel(ir, backend, result.diagnostics, {
    entry: contents.entryPath,
    sources: userSources(result.sources),
    overrides: manifest.overrides,
    seed: manifest.seed,
  });
  try {
    model.applyCheckpoint(contents, options);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
