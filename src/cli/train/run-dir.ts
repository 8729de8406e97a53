/**
 * The run directory of `tfmc train`:
 *
 * ```text
 * RUN_DIR/
 *   run.json        what was trained: spec, model, overrides, data file, task, settings
 *   tokenizer.json  the tokenizer (tfmc generate/predict encode and decode with it)
 *   metrics.jsonl   one JSON object per training step ("type": "step") and evaluation ("eval")
 *   loss.svg        the loss curve (and the validation perplexity of a language model)
 *   checkpoint/     the latest checkpoint, with Adam's state (see docs/api.md)
 *   best/           the weights of the evaluation with the lowest validation loss (manifest
 *                   `metrics.validationLoss`); written right after `checkpoint/` is saved at
 *                   the same step, so its step is never past the latest checkpoint's
 * ```
 *
 * Every file but `metrics.jsonl` is written to a temporary name and renamed, so a killed run
 * leaves each either old or new, never half-written; `metrics.jsonl` is appended line by line and
 * cut back to the checkpoint's step when a run resumes.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ScheduleKind } from '../../backends/tfjs/schedule.js';
import { ATOMIC_TEMPORARY, writeFileAtomic } from '../../util/atomic-write.js';

export const RUN_FILE = 'run.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const METRICS_FILE = 'metrics.jsonl';
export const PLOT_FILE = 'loss.svg';
export const CHECKPOINT_DIR = 'checkpoint';
export const BEST_DIR = 'best';
export const RUN_FORMAT = 'tfmc-run';

export interface RunSettings {
  batch: number;
  seq: number;
  lr: number;
  warmup: number;
  clipNorm: number;
  seed: number;
  valFraction: number;
  evalEvery: number;
  saveEvery: number;
  /** The learning rate after the warm-up: constant, or a linear or cosine decay to 0 at the run's last step. */
  schedule: ScheduleKind;
  /** Stop after this many evaluations without a lower validation loss; 0: never. */
  patience: number;
}

export interface RunInfo {
  format: typeof RUN_FORMAT;
  version: 1;
  /** The spec file as given, and its entry and imports' SHA-256 (all files hashed in path order). */
  spec: { file: string; sha256: string };
  model: string;
  overrides: Record<string, string>;
  data: { file: string; sha256: string; format: 'text' | 'jsonl' };
  task: 'lm' | 'seq2seq' | 'classify' | 'regression' | 'tag';
  /** The model's inputs by role: `ids`/`labels`, `source`/`target`/`labels`, `tokens`/`labels`. */
  inputs: Record<string, string>;
  tokenizer: string;
  /** Class names of a classifier trained on string labels (index = class id). */
  classNames?: string[];
  /** Steps the run was asked for (the last `--steps`/`--epochs`). */
  steps: number;
  settings: RunSettings;
}

export function runPaths(dir: string) {
  return {
    dir,
    run: path.join(dir, RUN_FILE),
    tokenizer: path.join(dir, TOKENIZER_FILE),
    metrics: path.join(dir, METRICS_FILE),
    plot: path.join(dir, PLOT_FILE),
    checkpoint: path.join(dir, CHECKPOINT_DIR),
    best: path.join(dir, BEST_DIR),
  };
}

/** What a checkpoint's manifest records of its step and validation loss; undefined when it has no readable manifest. */
export function checkpointFacts(dir: string): { step?: number; validationLoss?: number } | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    return { step: m.step, validationLoss: m.metrics?.validationLoss };
  } catch {
    return undefined;
  }
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash of a spec and its imports: every file's path relative to the entry's folder and text. */
export function specHash(entry: string, sources: ReadonlyMap<string, string>): string {
  const root = path.dirname(entry);
  const h = createHash('sha256');
  for (const [file, text] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    h.update(path.relative(root, file)).update('\0').update(text).update('\0');
  }
  return h.digest('hex');
}

export function readRunInfo(dir: string): RunInfo {
  const file = runPaths(dir).run;
  const info = JSON.parse(fs.readFileSync(file, 'utf8')) as RunInfo;
  if (info.format !== RUN_FORMAT) throw new Error(`${file} is not a tfmc run file`);
  // Runs written before schedules and early stopping existed.
  info.settings.schedule ??= 'constant';
  info.settings.patience ??= 0;
  return info;
}

/** The temporaries a checkpoint save of `checkpoint/` or `best/` makes (`<dir>.tmp-…`, `<dir>.old-…`). */
export const CHECKPOINT_TEMPORARY = /^(checkpoint|best)\.(tmp|old)-/;

/** Temporary files and checkpoint directories left behind by a killed run. */
export function removeStaleTemporaries(dir: string): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (/\.tmp-\d+-[0-9a-f]+$/.test(name) || CHECKPOINT_TEMPORARY.test(name) || ATOMIC_TEMPORARY.test(name)) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

export interface StepMetric {
  type: 'step';
  step: number;
  loss: number;
  losses: Record<string, number>;
  lr: number;
  gradNorm: number;
  tokens: number;
  seconds: number;
}

export interface EvalMetric {
  type: 'eval';
  step: number;
  loss: number;
  losses: Record<string, number>;
  accuracy: Record<string, number>;
  /** Language models (and encoder-decoders): exp of the token-level cross-entropy, per loss. */
  perplexity?: Record<string, number>;
}

export type Metric = StepMetric | EvalMetric;

export function readMetrics(file: string): Metric[] {
  if (!fs.existsSync(file)) return [];
  const out: Metric[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as Metric);
    } catch {
      // A line cut short by a killed process: everything after it is dropped too.
      break;
    }
  }
  return out;
}

/** Keeps the metrics up to `step` (what the checkpoint a run resumes from had seen). */
export function truncateMetrics(file: string, step: number): Metric[] {
  const kept = readMetrics(file).filter((m) => m.step <= step);
  writeFileAtomic(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
  return kept;
}

/**
 * The best validation among the evaluations after step 0 (the lowest loss; the first of equal
 * ones) and how many evaluations came after it: the state early stopping continues from.
 */
export function bestOf(metrics: readonly Metric[]): { step: number; loss: number; sinceBest: number } | undefined {
  let best: { step: number; loss: number; sinceBest: number } | undefined;
  for (const m of metrics) {
    if (m.type !== 'eval' || m.step < 1) continue;
    if (Number.isFinite(m.loss) && (!best || m.loss < best.loss)) best = { step: m.step, loss: m.loss, sinceBest: 0 };
    else if (best) best.sinceBest += 1;
  }
  return best;
}
