/**
 * Learning-rate schedules: a function from the optimizer step (1 for the first update) to a
 * learning rate.
 *
 * `warmupSchedule` is the usual fine-tuning family: a linear warm-up from 0 to the peak `lr` over
 * `warmup` steps (`lr · step / warmup`), then `constant`, or a `linear` or `cosine` decay that
 * reaches `final` (default 0) at step `steps` and stays there:
 * `p = (step − warmup) / (steps − warmup)`, linear `lr + (final − lr) · p`, cosine
 * `final + (lr − final) · (1 + cos(π · p)) / 2`.
 *
 * `transformerSchedule` is the schedule of "Attention Is All You Need" (Vaswani et al. 2017,
 * §5.3): `lr = scale · d_model^-0.5 · min(step^-0.5, step · warmup^-1.5)`, a linear warm-up for
 * `warmup` steps followed by inverse-square-root decay. Its peak, at `step = warmup`, is
 * `scale · (d_model · warmup)^-0.5`.
 */

/** A learning rate per optimizer step (steps count from 1). */
export type Schedule = (step: number) => number;

/** The paper's warm-up schedule, as data (JSON-friendly), for `fit({ learningRate: … })`. */
export interface TransformerScheduleSpec {
  kind: 'transformer';
  /** Warm-up steps (the paper: 4000). */
  warmup: number;
  /** The model width; defaults to the model's `d_model` config value. */
  dModel?: number;
  /** A factor on the whole schedule (the paper: 1; tiny models often want 1–2 with few warm-up steps). */
  scale?: number;
}

/** The shapes `warmupSchedule` can take after its warm-up. */
export type ScheduleKind = 'constant' | 'linear' | 'cosine';

export const SCHEDULE_KINDS: readonly ScheduleKind[] = ['constant', 'linear', 'cosine'];

/** A warm-up then constant, linear or cosine schedule, as data (JSON-friendly), for `fit({ learningRate: … })`. */
export interface WarmupScheduleSpec {
  kind: ScheduleKind;
  /** The peak learning rate, reached at the end of the warm-up. */
  lr: number;
  /** Steps of linear warm-up from 0 (default 0: the first step already uses `lr`). */
  warmup?: number;
  /** `linear` and `cosine`: the step at which the decay reaches `final` (usually the run's last step). */
  steps?: number;
  /** `linear` and `cosine`: the learning rate at `steps` and after (default 0). */
  final?: number;
}

/** What `fit`/`trainStep` accept as a learning rate. */
export type LearningRate = number | Schedule | TransformerScheduleSpec | WarmupScheduleSpec;

export function transformerSchedule(options: { dModel: number; warmup: number; scale?: number }): Schedule {
  const { dModel, warmup } = options;
  const scale = options.scale ?? 1;
  if (!(dModel > 0)) throw new RangeError(`the warm-up schedule needs a positive d_model, got ${dModel}`);
  if (!(warmup > 0)) throw new RangeError(`the warm-up schedule needs a positive number of warm-up steps, got ${warmup}`);
  const base = scale / Math.sqrt(dModel);
  const w = Math.pow(warmup, -1.5);
  return (step: number) => {
    const s = Math.max(step, 1);
    return base * Math.min(1 / Math.sqrt(s), s * w);
  };
}

/** Linear warm-up to `lr`, then constant, or a linear or cosine decay to `final` at step `steps` (see the module comment). */
export function warmupSchedule(spec: WarmupScheduleSpec): Schedule {
  const { kind, lr } = spec;
  const warmup = spec.warmup ?? 0;
  const final = spec.final ?? 0;
  if (!SCHEDULE_KINDS.includes(kind)) throw new RangeError(`unknown schedule kind ${JSON.stringify(kind)}: use ${SCHEDULE_KINDS.map((k) => `'${k}'`).join(', ')} or 'transformer'`);
  if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`the ${kind} schedule needs a learning rate \`lr\` ≥ 0, got ${lr}`);
  if (!Number.isInteger(warmup) || warmup < 0) throw new RangeError(`the ${kind} schedule's \`warmup\` must be a whole number of steps ≥ 0, got ${warmup}`);
  const ramp = (step: number) => lr * (step / warmup);
  if (kind === 'constant') return (step: number) => (step < warmup ? ramp(Math.max(step, 0)) : lr);
  const steps = spec.steps;
  if (steps === undefined || !Number.isInteger(steps) || steps < 1) {
    throw new RangeError(`the ${kind} schedule needs \`steps\`, the step at which it reaches its final rate (a whole number ≥ 1), got ${steps}`);
  }
  if (!Number.isFinite(final) || final < 0) throw new RangeError(`the ${kind} schedule's \`final\` learning rate must be a number ≥ 0, got ${final}`);
  const span = steps - warmup;
  return (step: number) => {
    if (step < warmup) return ramp(Math.max(step, 0));
    if (step >= steps) return final; // also when the warm-up is as long as the run (span ≤ 0)
    const p = (step - warmup) / span;
    return kind === 'linear' ? lr + (final - lr) * p : final + (lr - final) * 0.5 * (1 + Math.cos(Math.PI * p));
  };
}

/** A constant learning rate. */
export function constantSchedule(lr: number): Schedule {
  return () => lr;
}

/**
 * Turns what the user gave into a schedule. `dModel` is the model's `d_model`, used by the
 * transformer schedule when the spec object does not name one.
 */
export function toSchedule(lr: LearningRate, dModel: number | undefined): Schedule {
  if (typeof lr === 'number') {
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`the learning rate must be a finite number ≥ 0, got ${lr}`);
    return constantSchedule(lr);
  }
  if (typeof lr === 'function') return lr;
  if (lr && typeof lr === 'object' && (SCHEDULE_KINDS as readonly string[]).includes(lr.kind)) return warmupSchedule(lr as WarmupScheduleSpec);
  if (lr && lr.kind === 'transformer') {
    const d = lr.dModel ?? dModel;
    if (d === undefined) {
      throw new RangeError('the transformer learning-rate schedule needs d_model: the model has no `d_model` config value, so give `dModel` in the schedule');
    }
    return transformerSchedule({ dModel: d, warmup: lr.warmup, scale: lr.scale });
  }
  throw new RangeError(`unknown learning rate ${JSON.stringify(lr)}: give a number, a function of the step, { kind: 'constant' | 'linear' | 'cosine', lr, warmup?, steps?, final? } or { kind: 'transformer', warmup }`);
}
