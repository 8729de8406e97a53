/**
 * The training loop over a {@link Trainable} (`fit`): epochs of `trainStep`, validation at the end
 * of every epoch and every `evalEvery` steps, the best validation loss so far, early stopping
 * (`patience`), and the best weights (put back in memory with `restoreBest`, written as a
 * checkpoint with `saveBest`).
 *
 * An evaluation *improves* when its loss is below the best so far by more than `minDelta`; a
 * non-finite loss never improves. Evaluations count across epochs and across `fit` calls that pass
 * the previous `history.best` on (`options.best`), so a resumed run stops where a straight one
 * would.
 */
import * as tf from '@tensorflow/tfjs';
import { TrainingDivergedError } from './api-errors.js';
import { iterate, type Batch, type Dataset } from './data.js';
import type { EvalResult, EvaluateOptions, StepResult, TrainOptions } from './train.js';

/** One step's record, as given to `onStep`. */
export interface StepLog extends StepResult {
  epoch: number;
  /** Index of the batch within its epoch. */
  batch: number;
  /** Seconds since `fit` started. */
  elapsed: number;
}

export interface EpochLog {
  epoch: number;
  /** Steps in this epoch. */
  steps: number;
  /** Mean total loss over the epoch's steps. */
  loss: number;
  /** Mean of each loss over the epoch's steps. */
  losses: Record<string, number>;
  /** The learning rate of the epoch's last step. */
  learningRate: number;
  /** Wall time of the epoch, validation included. */
  seconds: number;
  /** `evaluate(validationData)` at the end of the epoch, when validation data was given. */
  validation?: EvalResult;
}

/** The best validation loss so far, and how many evaluations since it did not improve on it. */
export interface BestValidation {
  /** The optimizer step of the best evaluation. */
  step: number;
  loss: number;
  /** Evaluations after the best one (none of them improved on it). */
  sinceBest: number;
}

/** One validation during `fit`, as given to `onEvaluate`. */
export interface EvaluationLog {
  /** The optimizer step evaluated after. */
  step: number;
  epoch: number;
  validation: EvalResult;
  /** Whether `validation.loss` improved on the best so far (the first finite loss does). */
  improved: boolean;
  /** The best so far, this evaluation included (undefined until a loss was finite). */
  best?: BestValidation;
}

export interface FitHistory {
  epochs: EpochLog[];
  /** Steps taken by this call. */
  steps: number;
  seconds: number;
  /**
   * Why it stopped: every epoch ran, `maxSteps` was reached, a callback asked to stop, `signal` was
   * aborted, or the validation loss did not improve for `patience` evaluations.
   */
  stopped: 'epochs' | 'maxSteps' | 'callback' | 'aborted' | 'patience';
  /** The best validation so far (from `options.best` on), once an evaluation had a finite loss. */
  best?: BestValidation;
  /** True when `restoreBest` put the weights of the best evaluation of this call back. */
  restoredBest?: boolean;
}

/** A callback may return `false` (or a promise of it) to stop training after the current step/epoch. */
export type Callback<T> = (log: T) => void | boolean | Promise<void | boolean>;

export interface FitOptions extends TrainOptions {
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Stop after this many steps in this call. */
  maxSteps?: number;
  /** Shuffle the order of batches of an array dataset each epoch (seeded by `seed`). Default false. */
  shuffle?: boolean;
  seed?: number;
  /** Evaluated at the end of every epoch (`EpochLog.validation`) and every `evalEvery` steps. */
  validationData?: Dataset;
  /** Also evaluate `validationData` after every step whose number (`model.step`) is a multiple of this. */
  evalEvery?: number;
  /** Stop when this many evaluations in a row did not improve on the best validation loss (needs `validationData`). */
  patience?: number;
  /** An evaluation improves when its loss is below the best by more than this (default 0). */
  minDelta?: number;
  /** When `fit` returns, put back the weights of the best evaluation of this call (kept in memory meanwhile). Default false. */
  restoreBest?: boolean;
  /** A directory: at every improvement the model is saved there (weights only, atomically, `validationLoss` in the manifest's `metrics`). */
  saveBest?: string;
  /** The best validation of an earlier run this one continues (its `history.best`): improvements and patience count from it. */
  best?: BestValidation;
  onStep?: Callback<StepLog>;
  onEpoch?: Callback<EpochLog>;
  /** After every validation (before `onEpoch` for an epoch's last one). */
  onEvaluate?: Callback<EvaluationLog>;
  /**
   * Stops training after the step in progress (and its `onStep`) when aborted, e.g. from a SIGINT
   * handler: steps are synchronous, and `fit` yields to the event loop between them.
   */
  signal?: AbortSignal;
}

/** The pieces of a compiled model that `fit` uses. */
export interface Trainable {
  /** Optimizer steps taken so far. */
  readonly step: number;
  trainStep(batch: Batch, options?: TrainOptions): StepResult;
  evaluate(data: Dataset, options?: EvaluateOptions): Promise<EvalResult>;
  getWeights(): Record<string, tf.Tensor>;
  setWeights(weights: Record<string, tf.Tensor>): void;
  save(dir: string, options?: { metrics?: Record<string, number> }): Promise<unknown>;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function fit(model: Trainable, data: Dataset, options: FitOptions = {}): Promise<FitHistory> {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`epochs must be a non-negative integer, got ${epochs}`);
  if (options.maxSteps !== undefined && !(Number.isInteger(options.maxSteps) && options.maxSteps >= 0)) {
    throw new RangeError(`maxSteps must be a non-negative integer, got ${options.maxSteps}`);
  }
  checkValidationOptions(options);
  const t0 = performance.now();
  const history: FitHistory = { epochs: [], steps: 0, seconds: 0, stopped: 'epochs', ...(options.best ? { best: { ...options.best } } : {}) };
  const shuffleSeed = options.shuffle ? (options.seed ?? 0) : undefined;
  const tracker = new Validation(model, options, history);
  try {
    outer: for (let epoch = 0; epoch < epochs; epoch++) {
      const e0 = performance.now();
      const sums: Record<string, number> = {};
      let total = 0;
      let steps = 0;
      let lr = NaN;
      let batchIndex = 0;
      let stop = false;
      const stopWith = (why: FitHistory['stopped']) => {
        history.stopped = why;
        stop = true;
      };
      for await (const batch of iterate(data, epoch, shuffleSeed)) {
        if (options.signal?.aborted) {
          stopWith('aborted');
          break;
        }
        if (options.maxSteps !== undefined && history.steps >= options.maxSteps) {
          stopWith('maxSteps');
          break;
        }
        const r = model.trainStep(batch, options);
        history.steps += 1;
        steps += 1;
        total += r.loss;
        lr = r.learningRate;
        for (const [k, v] of Object.entries(r.losses)) sums[k] = (sums[k] ?? 0) + v;
        if (options.onStep) {
          const verdict = await options.onStep({ ...r, epoch, batch: batchIndex, elapsed: (performance.now() - t0) / 1000 });
          if (verdict === false) {
            stopWith('callback');
            break;
          }
        }
        batchIndex += 1;
        if (options.signal?.aborted) {
          stopWith('aborted');
          break;
        }
        if (options.evalEvery !== undefined && r.step % options.evalEvery === 0) {
          const verdict = await tracker.evaluate(r.step, epoch);
          if (verdict) {
            stopWith(verdict);
            break;
          }
        }
        await yieldToEventLoop();
        if (options.signal?.aborted) {
          stopWith('aborted');
          break;
        }
      }
      if (steps === 0 && stop) break;
      const log: EpochLog = {
        epoch,
        steps,
        loss: steps ? total / steps : NaN,
        losses: Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / steps])),
        learningRate: lr,
        seconds: 0,
      };
      // An abort asks to stop now: the epoch's validation is skipped. A step evaluated already is not evaluated again.
      if (options.validationData && history.stopped !== 'aborted') {
        const verdict = await tracker.evaluate(model.step, epoch);
        log.validation = tracker.last?.validation;
        if (verdict && !stop) stopWith(verdict);
      }
      log.seconds = (performance.now() - e0) / 1000;
      history.epochs.push(log);
      if (options.onEpoch) {
        const verdict = await options.onEpoch(log);
        if (verdict === false) {
          history.stopped = 'callback';
          break outer;
        }
      }
      if (stop) break;
      if (options.maxSteps !== undefined && history.steps >= options.maxSteps && epoch < epochs - 1) {
        history.stopped = 'maxSteps';
        break;
      }
    }
    if (options.restoreBest) history.restoredBest = tracker.restoreBest();
  } catch (e) {
    history.seconds = (performance.now() - t0) / 1000;
    if (e instanceof TrainingDivergedError) e.attachHistory(history);
    throw e;
  } finally {
    tracker.dispose();
  }
  history.seconds = (performance.now() - t0) / 1000;
  return history;
}

function checkValidationOptions(options: FitOptions): void {
  const positiveInt = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1)) throw new RangeError(`${name} must be a whole number ≥ 1, got ${v}`);
  };
  positiveInt('evalEvery', options.evalEvery);
  positiveInt('patience', options.patience);
  if (options.minDelta !== undefined && !(Number.isFinite(options.minDelta) && options.minDelta >= 0)) throw new RangeError(`minDelta must be a number ≥ 0, got ${options.minDelta}`);
  const needs = (['evalEvery', 'patience', 'restoreBest', 'saveBest'] as const).filter((k) => options[k] !== undefined && options[k] !== false);
  if (!options.validationData && needs.length) throw new RangeError(`${needs.join(', ')} ${needs.length > 1 ? 'need' : 'needs'} validationData: they act on the validation loss`);
}

/** The validations of one `fit` call: the best so far, early stopping, the best weights. */
class Validation {
  last: { step: number; validation: EvalResult } | undefined;
  private bestWeights: Record<string, tf.Tensor> | undefined;

  constructor(
    private readonly model: Trainable,
    private readonly options: FitOptions,
    private readonly history: FitHistory,
  ) {}

  /** Evaluates after `step` (once per step); returns why training should stop, if it should. */
  async evaluate(step: number, epoch: number): Promise<FitHistory['stopped'] | undefined> {
    if (this.last?.step === step) return undefined;
    const { options, history } = this;
    const validation = await this.model.evaluate(options.validationData!, { losses: undefined });
    this.last = { step, validation };
    const before = history.best;
    const improved = Number.isFinite(validation.loss) && (!before || validation.loss < before.loss - (options.minDelta ?? 0));
    if (improved) history.best = { step, loss: validation.loss, sinceBest: 0 };
    else if (before) history.best = { ...before, sinceBest: before.sinceBest + 1 };
    if (improved) {
      if (options.restoreBest) this.keepBestWeights();
      if (options.saveBest !== undefined) await this.model.save(options.saveBest, { metrics: { validationLoss: validation.loss } });
    }
    if (options.onEvaluate) {
      const best = history.best ? { ...history.best } : undefined;
      if ((await options.onEvaluate({ step, epoch, validation, improved, best })) === false) return 'callback';
    }
    if (options.patience !== undefined && history.best && history.best.sinceBest >= options.patience) return 'patience';
    return undefined;
  }

  private keepBestWeights(): void {
    this.dispose();
    const copy: Record<string, tf.Tensor> = {};
    for (const [name, w] of Object.entries(this.model.getWeights())) copy[name] = tf.clone(w);
    this.bestWeights = copy;
  }

  /** Puts the best weights of this call back; false when no evaluation of this call improved. */
  restoreBest(): boolean {
    if (!this.bestWeights) return false;
    this.model.setWeights(this.bestWeights);
    return true;
  }

  dispose(): void {
    if (this.bestWeights) tf.dispose(Object.values(this.bestWeights));
    this.bestWeights = undefined;
  }
}
