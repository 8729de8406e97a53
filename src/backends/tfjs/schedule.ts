/**
 * Learning-rate schedules: a function from the optimizer step (1 for the first update) to a
 * learning rate.
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

/** What `fit`/`trainStep` accept as a learning rate. */
export type LearningRate = number | Schedule | TransformerScheduleSpec;

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
  if (lr && lr.kind === 'transformer') {
    const d = lr.dModel ?? dModel;
    if (d === undefined) {
      throw new RangeError('the transformer learning-rate schedule needs d_model: the model has no `d_model` config value, so give `dModel` in the schedule');
    }
    return transformerSchedule({ dModel: d, warmup: lr.warmup, scale: lr.scale });
  }
  throw new RangeError(`unknown learning rate ${JSON.stringify(lr)}: give a number, a function of the step, or { kind: 'transformer', warmup }`);
}
