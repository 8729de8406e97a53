/**
 * A checked model's IR made runnable on a TensorFlow.js backend: {@link CompiledModel}, with
 * `predict`, `trainStep`, `fit`, `evaluate`, `generate`, `save` and checkpoint restore. It reads
 * only the IR; checking the spec that produced it is the pipeline's job (`src/api/` does both for
 * `compile(spec)` and `loadModel(dir)`, documented in `docs/api.md`).
 *
 * A user mistake is a typed error with a message meant to be printed as is: bad data is a
 * `ModelInputError` naming the input and what was expected; a diverging run is a
 * `TrainingDivergedError`; a bad checkpoint a `CheckpointError`.
 */
import { generate, type GenerateOptions, type GenerateRequest, type GenerateResult } from './generate/index.js';
import * as tf from '@tensorflow/tfjs';
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { totalParams, type ModelIR } from '../../ir/types.js';
import type { BackendName } from './backend.js';
import { checkCompatible, readCheckpoint, writeCheckpoint, type CheckpointContents, type Manifest, type NamedArray } from './checkpoint.js';
import { iterate, toTensors, type Batch, type Dataset } from './data.js';
import { buildModel, type BuildOptions, type TfjsModel } from './executor.js';
import { saveLayersModel } from './layers/layers-model.js';
import { toLayersModel } from './layers/tfmc-layer.js';
import { fit, type FitHistory, type FitOptions } from './fit.js';
import { EvalAccumulator, Trainer, trainingIR, type EvalResult, type EvaluateOptions, type StepResult, type TrainOptions } from './train.js';
import { setEntry } from '../../util/own-entry.js';

export interface PredictOptions {
  /** Outputs (or losses) to compute, by name; default every declared output. */
  outputs?: readonly string[];
  /** Run in training mode (dropout active). Default false. */
  training?: boolean;
}

export interface SaveOptions {
  /** Also store Adam's moments and step (`optimizer.bin`), to resume training exactly. Default false. */
  optimizer?: boolean;
  /** Numbers to record in the manifest's `metrics` (what was measured at this step, e.g. `{ validationLoss }`). */
  metrics?: Record<string, number>;
}

export interface LoadOptions {
  /** Restore Adam's state when the checkpoint has it. Default true. */
  optimizer?: boolean;
}

/** Where a compiled model came from: what a checkpoint stores to rebuild it. */
export interface Origin {
  entry: string;
  sources: Map<string, string>;
  overrides: Record<string, string>;
  seed?: number;
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
    /** Diagnostics of the check that did not stop compilation (warnings and notes). */
    readonly diagnostics: Diagnostic[],
    private readonly origin: Origin,
    /** Initial values of parameters that are not to be initialised randomly (see `BuildOptions.initial`). */
    initial?: BuildOptions['initial'],
  ) {
    const { ir: runIR, taps } = trainingIR(ir);
    this.executor = buildModel(runIR, { seed: origin.seed, initial });
    this.trainer = new Trainer(this.executor, runIR, taps);
  }

  /** The warnings of the check. */
  get warnings(): Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'warning');
  }
  // From the spec's IR, not the executor's copy, which has hidden outputs for training metrics.
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
  /** Trainable parameters (tied weights counted once; buffers such as running statistics are not parameters). */
  get parameterCount(): number {
    return totalParams(this.ir);
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

  /** One Adam step on a batch (inputs and labels by name). See `TrainOptions`; dropout masks are seeded by the model's seed unless `dropoutSeed` is given. */
  trainStep(batch: Batch, options: TrainOptions = {}): StepResult {
    this.alive();
    const { feeds, created } = this.feeds(batch);
    try {
      return this.trainer.step(feeds, options.dropoutSeed === undefined && this.origin.seed !== undefined ? { ...options, dropoutSeed: this.origin.seed } : options);
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
   * Continues prompts token by token: greedy, beam search or sampling, with a key/value cache when
   * the model allows one (see `generate/index.ts` and docs/api.md). `source` holds the other
   * inputs the logits need (an encoder's ids), as tensors or nested arrays.
   */
  async generate(request: { prompt?: GenerateRequest['prompt']; source?: Batch } = {}, options: GenerateOptions = {}): Promise<GenerateResult> {
    this.alive();
    const { feeds, created } = this.feeds(request.source ?? {});
    try {
      return await generate(this.executor, { prompt: request.prompt, source: feeds }, options);
    } finally {
      tf.dispose(created);
    }
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
      metrics: options.metrics,
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
  applyCheckpoint(contents: CheckpointContents, options: LoadOptions = {}, weightsInPlace = false): void {
    checkCompatible(contents, this.name, this.ir.params);
    // `weightsInPlace`: the model was built with these weights as its initial values (loadModel).
    const tensors: Record<string, tf.Tensor> = {};
    if (!weightsInPlace) {
      for (const p of this.ir.params) {
        const w = contents.weights.get(p.name)!;
        setEntry(tensors, p.name, tf.tensor(w.data, w.shape, 'float32'));
      }
    }
    try {
      if (!weightsInPlace) this.executor.setWeights(tensors);
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

  /**
   * The model as a `tf.LayersModel` (one `TfmcModel` layer holding the IR, with a copy of the
   * current weights): `model.save(...)` it anywhere tfjs saves to. See `layers/tfmc-layer.ts`.
   */
  toLayersModel(): tf.LayersModel {
    this.alive();
    return toLayersModel(this.ir, { weights: this.getWeights() });
  }

  /** Saves the model as a tfjs-layers model directory (`model.json` + `weights.bin`) that `tf.loadLayersModel` reads in Node and in the browser. */
  async saveLayersModel(dir: string): Promise<tf.io.SaveResult> {
    this.alive();
    return saveLayersModel(this, dir);
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

/** A checkpoint's stored weight as a tensor (the caller owns it), or undefined when it has none of that name. */
export function storedWeight(contents: CheckpointContents, name: string): tf.Tensor | undefined {
  const w = contents.weights.get(name);
  return w && tf.tensor(w.data, w.shape, 'float32');
}
