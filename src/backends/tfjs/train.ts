/**
 * Training and evaluation over a {@link TfjsModel}: one Adam step on the sum of the spec's losses
 * (`Trainer.step`), and `evaluate` (mean losses, token and sequence accuracy and perplexity for
 * cross-entropy losses). The epoch loop, validation and early stopping are in `fit.ts`.
 *
 * A training step, in order:
 * 1. forward in training mode and backward (`tf.variableGrads`) of Σ weightₗ · lossₗ;
 * 2. one read back of the losses and the gradients' global norm (the only sync of the step);
 * 3. a loss or norm that is NaN/±∞ stops training with a {@link TrainingDivergedError}: the update
 *    is not applied, and when the weights of the previous update already produce a non-finite
 *    loss they are rolled back to the weights before it (the last ones whose loss was finite);
 * 4. the gradients are scaled by the global-norm clipping factor inside the Adam update.
 * Dropout masks are seeded per step (`dropoutSeed`, see `seedDropout` in the runtime), so a step
 * computes the same thing however the run got there (straight, or resumed from a checkpoint).
 * Every tensor of the step is disposed before it returns: between steps the only tensors alive are
 * the parameters, Adam's two moments per trained parameter and one copy of the parameters (the
 * roll-back snapshot; on the wasm heap, a copy in JavaScript memory), so the tensor count is flat
 * from the second step on.
 */
import * as tf from '@tensorflow/tfjs';
import { upstreamValues } from '../../ir/queries.js';
import type { ModelIR, Node } from '../../ir/types.js';
import { seedDropout } from '../../runtime/index.js';
import { TrainingDivergedError } from './api-errors.js';
import { ModelInputError } from './errors.js';
import type { TfjsModel } from './executor.js';
import { Adam, clipFactor, globalNorm, type AdamOptions } from './optim.js';
import { toSchedule, type LearningRate, type Schedule } from './schedule.js';

export interface TrainOptions {
  /**
   * A number, a function of the step (from 1), `{ kind: 'constant' | 'linear' | 'cosine', lr, warmup?, steps?, final? }`
   * or `{ kind: 'transformer', warmup }`. Default 1e-3.
   */
  learningRate?: LearningRate;
  /**
   * Seed of the dropout masks: step s draws masks that depend only on (dropoutSeed, s) and the
   * dropout site, so the same seed gives the same run. Default: the model's `seed` (compile's);
   * unseeded (random masks) when it has none.
   */
  dropoutSeed?: number;
  /** Adam's β1, β2, ε and decoupled weight decay (defaults: PyTorch's 0.9, 0.999, 1e-8, 0). */
  adam?: AdamOptions;
  /** Clip the gradients to this global norm (off by default). */
  clipNorm?: number;
  /** Label smoothing for every cross-entropy loss trained, instead of the spec's value. */
  labelSmoothing?: number;
  /** Which losses to train (names), or names with weights; default every loss the batch has data for, weight 1. */
  losses?: readonly string[] | Record<string, number>;
  /** Keep a copy of the weights so a step that yields a non-finite loss can roll back (default true). */
  rollback?: boolean;
}

/** What one training step did. */
export interface StepResult {
  /** The optimizer step just applied (1 for the first). */
  step: number;
  /** Σ weight · loss, before the update. */
  loss: number;
  /** Each trained loss before the update. */
  losses: Record<string, number>;
  /** The global norm of the gradients, before clipping. */
  gradNorm: number;
  /** True when clipping scaled the gradients down. */
  clipped: boolean;
  learningRate: number;
}

export interface EvaluateOptions {
  /** Which losses to compute; default every loss the data has inputs for. */
  losses?: readonly string[];
  /** Label smoothing for the cross-entropy losses, instead of the spec's value. */
  labelSmoothing?: number;
}

export interface EvalResult {
  /** Σ of the mean losses (the training objective with unit weights). */
  loss: number;
  /**
   * Mean of each loss over the data: cross-entropy losses are weighted by the targets they count
   * (the mean over all counted tokens), other losses by the examples of each batch.
   */
  losses: Record<string, number>;
  /** For each cross-entropy loss: the fraction of counted targets whose arg-max logit is the target. */
  accuracy: Record<string, number>;
  /** For each cross-entropy loss over sequences: the fraction of examples with every counted target right (teacher-forced). */
  sequenceAccuracy: Record<string, number>;
  /**
   * For each cross-entropy loss: exp of the mean cross-entropy per counted target, without label
   * smoothing (the perplexity of a language model; equal to `exp(losses[name])` when the loss has
   * no smoothing).
   */
  perplexity: Record<string, number>;
  /** Counted targets per cross-entropy loss. */
  tokens: Record<string, number>;
  examples: number;
  batches: number;
}

/** Where a cross-entropy loss reads its logits and targets, exposed as hidden outputs for accuracy. */
export interface AccuracyTap {
  loss: string;
  logits: string;
  targets: string;
  ignoreIndex: number;
}

export const TAP_PREFIX = '__tfmc_tap:';

/**
 * A copy of the IR that the trainer may change: every node gets its own `attrs` object (for the
 * label-smoothing override), and every loss computed directly by `cross_entropy` gets two hidden
 * outputs, its logits and its targets, for accuracy. Returns the copy and the taps.
 */
export function trainingIR(ir: ModelIR): { ir: ModelIR; taps: AccuracyTap[] } {
  const nodes = ir.nodes.map((n) => ({ ...n, attrs: { ...n.attrs } }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const outputs = [...ir.outputs];
  const taps: AccuracyTap[] = [];
  for (const loss of ir.losses) {
    const node = byId.get(ir.values[loss.value].producer);
    if (!node || node.op !== 'cross_entropy') continue;
    const tap: AccuracyTap = {
      loss: loss.name,
      logits: `${TAP_PREFIX}${loss.name}:logits`,
      targets: `${TAP_PREFIX}${loss.name}:targets`,
      ignoreIndex: typeof node.attrs.ignore_index === 'number' ? node.attrs.ignore_index : -100,
    };
    outputs.push({ name: tap.logits, value: node.inputs[0], source: loss.source }, { name: tap.targets, value: node.inputs[1], source: loss.source });
    taps.push(tap);
  }
  return { ir: { ...ir, nodes, outputs }, taps };
}

export class Trainer {
  readonly optimizer = new Adam();
  /**
   * Updates applied to the model (what the learning-rate schedule and `StepResult.step` count).
   * Equal to Adam's own step count unless the weights were loaded without optimizer state: then
   * Adam starts afresh (its bias correction from t = 1) while the schedule continues.
   */
  steps = 0;
  private readonly varNames = new Map<string, string>();
  private readonly nodeById: Map<number, Node>;
  private snapshot: Map<string, tf.Tensor | HostCopy> | undefined;
  private lastGood: { loss: number; step: number } | undefined;
  private scheduleCache: { lr: LearningRate; schedule: Schedule } | undefined;

  constructor(
    private readonly model: TfjsModel,
    /** The IR the model was built from (the trainer's copy, see {@link trainingIR}). */
    private readonly ir: ModelIR,
    private readonly taps: readonly AccuracyTap[],
  ) {
    for (const [name, v] of model.variables) this.varNames.set(v.name, name);
    this.nodeById = new Map(ir.nodes.map((n) => [n.id, n]));
  }

  /** The model inputs that computing these values reads. */
  inputsOf(valueIds: readonly number[]): string[] {
    const seen = upstreamValues(this.ir, valueIds, this.nodeById);
    return this.ir.inputs.filter((i) => seen.has(i.value)).map((i) => i.name);
  }

  /** The losses to compute for this batch: the requested ones, or every loss the batch has all inputs for. */
  selectLosses(given: Record<string, unknown>, requested: readonly string[] | undefined): string[] {
    const all = this.ir.losses;
    if (all.length === 0) {
      throw new Error(`the model \`${this.ir.name}\` declares no loss: add one to the spec, e.g. \`loss nll = cross_entropy(logits, labels)\``);
    }
    if (requested) {
      for (const name of requested) {
        if (!all.some((l) => l.name === name)) throw new Error(`the model \`${this.ir.name}\` has no loss named \`${name}\` (its losses: ${all.map((l) => `\`${l.name}\``).join(', ')})`);
      }
      return [...requested];
    }
    const chosen = all.filter((l) => this.inputsOf([l.value]).every((i) => given[i] !== undefined)).map((l) => l.name);
    if (chosen.length === 0) {
      const first = all[0];
      const needs = this.inputsOf([first.value]);
      const missing = needs.filter((i) => given[i] === undefined);
      throw new ModelInputError(
        missing[0],
        '',
        'nothing',
        `missing: the batch has no data for any loss; loss \`${first.name}\` needs ${needs.map((n) => `\`${n}\``).join(', ')} (missing ${missing.map((n) => `\`${n}\``).join(', ')})`,
      );
    }
    return chosen;
  }

  private schedule(lr: LearningRate | undefined): Schedule {
    const value = lr ?? 1e-3;
    if (this.scheduleCache?.lr !== value) {
      const d = this.ir.config.find((c) => c.name === 'd_model')?.value;
      this.scheduleCache = { lr: value, schedule: toSchedule(value, typeof d === 'number' ? d : undefined) };
    }
    return this.scheduleCache.schedule;
  }

  /** Sets `label_smoothing` on the cross-entropy nodes the losses use; returns a function that restores the spec's values. */
  overrideSmoothing(losses: readonly string[], eps: number | undefined): () => void {
    if (eps === undefined) return () => {};
    if (!(eps >= 0 && eps < 1)) throw new RangeError(`labelSmoothing must be in [0, 1), got ${eps}`);
    const ids = losses.map((n) => this.ir.losses.find((l) => l.name === n)!.value);
    const seen = new Set<number>();
    const stack = [...ids];
    const changed: Array<[Node, unknown]> = [];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const node = this.nodeById.get(this.ir.values[id].producer);
      if (!node) continue;
      if (node.op === 'cross_entropy' && !changed.some(([n]) => n === node)) {
        changed.push([node, node.attrs.label_smoothing]);
        node.attrs.label_smoothing = eps;
      }
      stack.push(...node.inputs);
    }
    return () => {
      for (const [node, old] of changed) node.attrs.label_smoothing = old as number;
    };
  }

  /** One optimizer step on a batch of tensors. */
  step(feeds: Record<string, tf.Tensor>, options: TrainOptions = {}): StepResult {
    const weights = lossWeights(options.losses);
    const names = this.selectLosses(feeds, weights ? Object.keys(weights) : undefined);
    const schedule = this.schedule(options.learningRate);
    const stepNo = this.steps + 1;
    const lr = schedule(stepNo);
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`the learning-rate schedule gave ${lr} at step ${stepNo}`);
    if (options.clipNorm !== undefined && !(options.clipNorm > 0)) throw new RangeError(`clipNorm must be positive, got ${options.clipNorm}`);
    if (options.dropoutSeed !== undefined && !(Number.isInteger(options.dropoutSeed) && options.dropoutSeed >= 0)) throw new RangeError(`dropoutSeed must be a whole number ≥ 0, got ${options.dropoutSeed}`);
    const vars = [...this.model.variables.values()];
    const restore = this.overrideSmoothing(names, options.labelSmoothing);
    let stacked: tf.Tensor | undefined;
    let grads: tf.NamedTensorMap = {};
    let value: tf.Scalar | undefined;
    seedDropout(options.dropoutSeed, stepNo);
    try {
      ({ value, grads } = tf.variableGrads(() => {
        const out = this.model.forward(feeds, { training: true, outputs: names });
        const parts = names.map((n) => {
          const w = weights?.[n] ?? 1;
          return w === 1 ? out[n] : tf.mul(out[n], w);
        });
        const total = (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
        stacked = tf.keep(tf.stack([total, ...names.map((n) => out[n])]));
        return total;
      }, vars) as { value: tf.Scalar; grads: tf.NamedTensorMap });
    } finally {
      restore();
      seedDropout(undefined);
    }
    let gradMap: Map<string, tf.Tensor>;
    let nums: Float32Array;
    try {
      gradMap = new Map<string, tf.Tensor>();
      for (const [varName, g] of Object.entries(grads)) {
        if (g) gradMap.set(this.varNames.get(varName)!, g);
      }
      const stats = tf.tidy(() => tf.concat([stacked!, tf.reshape(globalNorm([...gradMap.values()]), [1])]));
      nums = stats.dataSync() as Float32Array;
      stats.dispose();
    } catch (e) {
      tf.dispose([value!, stacked!, ...Object.values(grads)]);
      throw e;
    }
    tf.dispose([value, stacked!]);
    const total = nums[0];
    const losses: Record<string, number> = {};
    names.forEach((n, i) => (losses[n] = nums[i + 1]));
    const gradNorm = nums[names.length + 1];
    try {
      if (!Number.isFinite(total) || !Number.isFinite(gradNorm)) {
        const bad = names.find((n) => !Number.isFinite(losses[n]));
        const what = bad !== undefined ? `loss \`${bad}\`` : !Number.isFinite(total) ? 'the weighted sum of the losses' : 'the gradient norm';
        const lossBad = !Number.isFinite(total);
        const values: Record<string, number> = { ...losses };
        if (!lossBad) values.gradNorm = gradNorm;
        // A non-finite loss means the previous update broke the weights: roll back to the ones before it.
        const restored = lossBad && this.rollBack();
        const good = lossBad ? (restored ? this.lastGood : undefined) : { loss: total, step: stepNo };
        throw new TrainingDivergedError(stepNo, what, values, restored, good?.loss, good?.step);
      }
      this.lastGood = { loss: total, step: stepNo };
      if (options.rollback ?? true) this.takeSnapshot(vars);
      else this.clearSnapshot();
      const factor = clipFactor(gradNorm, options.clipNorm);
      this.optimizer.apply(this.model.variables, gradMap, lr, options.adam, factor);
      this.steps = stepNo;
      return { step: stepNo, loss: total, losses, gradNorm, clipped: factor !== 1, learningRate: lr };
    } finally {
      tf.dispose([...gradMap.values()]);
    }
  }

  /**
   * On the wasm heap (wasm and native: 4 GiB for everything) the copy is kept in JavaScript
   * memory instead: for GPT-2 small that is 0.5 GB of heap left to the step. Elsewhere it is a
   * tensor (a clone, which the cpu backend makes without copying).
   */
  private takeSnapshot(vars: tf.Variable[]): void {
    this.clearSnapshot();
    const onHeap = tf.getBackend() === 'wasm';
    const snap = new Map<string, tf.Tensor | HostCopy>();
    for (const v of vars) snap.set(v.name, onHeap ? { data: v.dataSync(), shape: v.shape, dtype: v.dtype } : tf.clone(v));
    this.snapshot = snap;
  }

  /** Forgets the roll-back copy (after weights were replaced from outside). */
  clearSnapshot(): void {
    if (this.snapshot) tf.dispose([...this.snapshot.values()].filter((s): s is tf.Tensor => s instanceof tf.Tensor));
    this.snapshot = undefined;
  }

  /**
   * Puts the snapshot back into the variables; false when there is none. The snapshot is kept (it
   * now equals the weights), so the tensor count is the same as before the failed step.
   */
  private rollBack(): boolean {
    if (!this.snapshot) return false;
    for (const v of this.model.variables.values()) {
      const saved = this.snapshot.get(v.name);
      if (saved instanceof tf.Tensor) v.assign(saved);
      else if (saved) tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape, saved.dtype)));
    }
    return true;
  }

  /** Losses and accuracy counts of one batch (no gradients). */
  evaluateBatch(feeds: Record<string, tf.Tensor>, options: EvaluateOptions = {}): BatchStats {
    const names = this.selectLosses(feeds, options.losses);
    const taps = this.taps.filter((t) => names.includes(t.loss));
    const restore = this.overrideSmoothing(names, options.labelSmoothing);
    let out: Record<string, tf.Tensor>;
    try {
      out = this.model.forward(feeds, { training: false, outputs: [...names, ...taps.flatMap((t) => [t.logits, t.targets])] });
    } finally {
      restore();
    }
    try {
      const losses: Record<string, number> = {};
      for (const n of names) losses[n] = out[n].dataSync()[0];
      const acc: BatchStats['accuracy'] = {};
      for (const tap of taps) {
        const counts = tf.tidy(() => {
          const logits = out[tap.logits];
          const targets = tf.cast(out[tap.targets], 'int32');
          const pred = tf.argMax(logits, -1);
          const counted = tf.notEqual(targets, tf.scalar(tap.ignoreIndex, 'int32'));
          const right = tf.logicalAnd(tf.equal(pred, targets), counted);
          const wrong = tf.cast(tf.logicalAnd(counted, tf.logicalNot(right)), 'int32');
          const rows = targets.rank >= 2 ? targets.shape[0] : 0;
          // Σ −log p(target) over the counted targets, without label smoothing (for perplexity).
          const classes = logits.shape[logits.rank - 1];
          const flatTargets = tf.reshape(tf.where(counted, targets, tf.zerosLike(targets)), [-1]);
          const logProbs = tf.logSoftmax(tf.reshape(logits, [-1, classes]));
          const picked = tf.gatherND(logProbs, tf.stack([tf.range(0, flatTargets.shape[0], 1, 'int32'), flatTargets], 1));
          const nll = tf.neg(tf.sum(tf.mul(picked, tf.cast(tf.reshape(counted, [-1]), 'float32'))));
          const count = (t: tf.Tensor) => tf.reshape(tf.cast(tf.sum(tf.cast(t, 'int32')), 'float32'), [1]);
          const parts = [tf.reshape(nll, [1]), count(counted), count(right)];
          if (rows > 0) {
            const wrongPerRow = tf.sum(tf.reshape(wrong, [rows, -1]), 1);
            const countedPerRow = tf.sum(tf.reshape(tf.cast(counted, 'int32'), [rows, -1]), 1);
            const rowOk = tf.logicalAnd(tf.equal(wrongPerRow, 0), tf.greater(countedPerRow, 0));
            parts.push(count(rowOk), count(tf.greater(countedPerRow, 0)));
          }
          return tf.concat(parts);
        });
        const c = counts.dataSync();
        counts.dispose();
        acc[tap.loss] = { nll: c[0], counted: c[1], right: c[2], rowsRight: c.length > 3 ? c[3] : undefined, rows: c.length > 3 ? c[4] : undefined };
      }
      const first = Object.values(feeds)[0];
      return { losses, accuracy: acc, examples: first && first.rank > 0 ? first.shape[0] : 1 };
    } finally {
      tf.dispose(Object.values(out));
    }
  }

  dispose(): void {
    this.clearSnapshot();
    this.optimizer.dispose();
  }
}

/** A tensor's values copied out of the backend (`dataSync` returns a copy). */
interface HostCopy {
  data: tf.TypedArray | Int32Array | Uint8Array;
  shape: number[];
  dtype: tf.DataType;
}

export interface BatchStats {
  losses: Record<string, number>;
  /** Per cross-entropy loss: Σ −log p(target) (no label smoothing), counted targets, right ones, and the same per example. */
  accuracy: Record<string, { nll: number; counted: number; right: number; rowsRight?: number; rows?: number }>;
  examples: number;
}

function lossWeights(losses: TrainOptions['losses']): Record<string, number> | undefined {
  if (losses === undefined) return undefined;
  if (Array.isArray(losses)) return Object.fromEntries(losses.map((n: string) => [n, 1]));
  for (const [name, w] of Object.entries(losses)) {
    if (!Number.isFinite(w)) throw new RangeError(`the weight of loss \`${name}\` must be a finite number, got ${w}`);
  }
  return { ...(losses as Record<string, number>) };
}

/** Averages batch statistics into an {@link EvalResult}. */
export class EvalAccumulator {
  private readonly sums = new Map<string, { total: number; weight: number }>();
  private readonly acc = new Map<string, { nll: number; counted: number; right: number; rowsRight: number; rows: number; hasRows: boolean }>();
  private examples = 0;
  private batches = 0;

  add(stats: BatchStats): void {
    this.batches += 1;
    this.examples += stats.examples;
    for (const [name, value] of Object.entries(stats.losses)) {
      const a = stats.accuracy[name];
      const w = a ? a.counted : stats.examples;
      const s = this.sums.get(name) ?? { total: 0, weight: 0 };
      s.total += value * w;
      s.weight += w;
      this.sums.set(name, s);
    }
    for (const [name, a] of Object.entries(stats.accuracy)) {
      const s = this.acc.get(name) ?? { nll: 0, counted: 0, right: 0, rowsRight: 0, rows: 0, hasRows: false };
      s.nll += a.nll;
      s.counted += a.counted;
      s.right += a.right;
      if (a.rows !== undefined) {
        s.hasRows = true;
        s.rows += a.rows;
        s.rowsRight += a.rowsRight ?? 0;
      }
      this.acc.set(name, s);
    }
  }

  result(): EvalResult {
    const losses: Record<string, number> = {};
    for (const [name, s] of this.sums) losses[name] = s.weight > 0 ? s.total / s.weight : 0;
    const accuracy: Record<string, number> = {};
    const sequenceAccuracy: Record<string, number> = {};
    const tokens: Record<string, number> = {};
    const perplexity: Record<string, number> = {};
    for (const [name, s] of this.acc) {
      accuracy[name] = s.counted > 0 ? s.right / s.counted : 0;
      perplexity[name] = s.counted > 0 ? Math.exp(s.nll / s.counted) : NaN;
      tokens[name] = s.counted;
      if (s.hasRows) sequenceAccuracy[name] = s.rows > 0 ? s.rowsRight / s.rows : 0;
    }
    return {
      loss: Object.values(losses).reduce((a, b) => a + b, 0),
      losses,
      accuracy,
      sequenceAccuracy,
      perplexity,
      tokens,
      examples: this.examples,
      batches: this.batches,
    };
  }
}
