/**
 * The training loop of `tfmc train` (`run.ts` prepares it): `CompiledModel.fit` over the batches
 * of the remaining steps, with validation every `--eval-every` steps and at the end, the latest
 * checkpoint every `--save-every` steps and at the end, the best checkpoint at every improvement
 * of the validation loss, early stopping (`--patience`), metrics, the loss plot, and signals.
 *
 * **Best checkpoint.** An evaluation after step 0 whose validation loss is lower than every
 * earlier one (of the whole run, resumed parts included) saves `checkpoint/` at that step (unless
 * it was just saved) and then `best/`. So `best/` is never ahead of `checkpoint/`: a resumed run
 * has seen every evaluation up to the best one in `metrics.jsonl`, and a worse evaluation never
 * replaces `best/`. A kill between the two saves is repaired on resume (`best/` is written from the
 * checkpoint, which holds the same weights).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompiledModel } from '../../backends/tfjs/compiled-model.js';
import type { EvalResult } from '../../backends/tfjs/train.js';
import { displayPath } from '../../render/paths.js';
import type { CliContext } from '../context.js';
import { batchForStep, batchTokens, validationBatches, type Examples } from './data.js';
import { RunError } from './errors.js';
import { lossSvg } from './loss-plot.js';
import { formatDuration, formatLoss, formatPerplexity, Progress } from './progress.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { bestOf, checkpointFacts, truncateMetrics, type EvalMetric, type Metric, type RunInfo, type runPaths, type StepMetric } from './run-dir.js';
import type { Task } from './task.js';
import { nextCommand } from './next-command.js';

/** Validation batches evaluated at most (a bound on the time an evaluation takes). */
const MAX_EVAL_BATCHES = 32;

export interface LoopInput {
  ctx: CliContext;
  model: CompiledModel;
  task: Task;
  examples: Examples;
  info: RunInfo;
  paths: ReturnType<typeof runPaths>;
  /** The step the model is at (the checkpoint's when resuming). */
  start: number;
  say: (s: string) => void;
  specArg: string;
}

export async function loop({ ctx, model, task, examples, info, paths, start, say, specArg }: LoopInput): Promise<number> {
  const s = info.settings;
  const total = info.steps;
  const shown = (p: string) => displayPath(p, ctx.cwd);
  const metrics: Metric[] = start > 0 ? truncateMetrics(paths.metrics, start) : (writeFileAtomic(paths.metrics, ''), []);
  let best = bestOf(metrics);
  // best/ records its loss: it is the bar even if metrics.jsonl lost lines (so a worse loss never replaces it).
  const onDisk = bestCheckpointOf(paths.best);
  if (onDisk && (!best || onDisk.loss < best.loss)) {
    best = { ...onDisk, sinceBest: metrics.filter((m) => m.type === 'eval' && m.step > onDisk.step).length };
  }
  if (s.patience > 0 && best && best.sinceBest >= s.patience) {
    say(
      `the run stopped early at step ${start}: the validation loss has not improved for ${best.sinceBest} evaluations (best ${formatLoss(best.loss)} at step ${best.step}); ` +
        `nothing to train (give a larger --patience, or --patience off, to train further)`,
    );
    return 0;
  }
  const metricsFd = fs.openSync(paths.metrics, 'a');
  const record = (m: Metric) => {
    metrics.push(m);
    fs.writeSync(metricsFd, JSON.stringify(m) + '\n');
  };
  const valBatches = validationBatches(examples.validation, s.batch, examples.pad).slice(0, MAX_EVAL_BATCHES);
  const progress = new Progress(ctx.quiet ? () => {} : ctx.err, ctx.env.TFMC_PROGRESS === 'plain' ? false : process.stderr.isTTY === true, total, start);
  const recordEval = (step: number, r: EvalResult, note = ''): EvalMetric => {
    const perplexity = task.kind === 'classify' || task.kind === 'tag' ? {} : r.perplexity;
    const m: EvalMetric = { type: 'eval', step, loss: r.loss, losses: r.losses, accuracy: r.accuracy, ...(Object.keys(perplexity).length ? { perplexity } : {}) };
    record(m);
    progress.line(`eval at step ${step}: ${describeEval(m)}${note}`);
    return m;
  };

  let savedStep = start > 0 ? start : -1;
  const saveLast = async (step: number) => {
    if (savedStep === step) return;
    await model.save(paths.checkpoint, { optimizer: true });
    savedStep = step;
    writePlot(paths.plot, metrics, info.model);
  };
  const saveBest = async (loss: number) => {
    await model.save(paths.best, { metrics: { validationLoss: loss } });
    writePlot(paths.plot, metrics, info.model);
  };
  // A kill between saving checkpoint/ and best/ at the best step: the checkpoint holds the best weights.
  if (best && best.step === start && checkpointStep(paths.best) !== start) await saveBest(best.loss);

  const priorSeconds = [...metrics].reverse().find((m): m is StepMetric => m.type === 'step')?.seconds ?? 0;
  if (start === 0 && valBatches.length > 0) recordEval(0, await model.evaluate(valBatches));

  const controller = new AbortController();
  let signalName: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      // A second Ctrl-C: leave now; the last checkpoint on disk is complete.
      progress.line('interrupted again: exiting without saving (the last checkpoint is intact)');
      process.exit(130);
    }
    signalName = sig;
    controller.abort();
    progress.line(`${sig === 'SIGINT' ? 'Ctrl-C' : sig}: stopping after this step and saving a checkpoint (press Ctrl-C again to exit without saving)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const t0 = performance.now();
  let tokens = 0;
  let lastStep = start;
  let batchTokenCounts = 0;
  const tokPad = examples.pad[Object.keys(examples.pad)[0]] ?? 0;
  const data = function* () {
    for (let step = start + 1; step <= total; step++) {
      const b = batchForStep(examples.train, step, s.batch, s.seed, examples.pad);
      batchTokenCounts = batchTokens(b, task, tokPad);
      yield b;
    }
  };
  let stopped: string | undefined;
  try {
    const history = await model.fit(data(), {
      epochs: 1,
      learningRate: { kind: s.schedule, lr: s.lr, warmup: s.warmup, steps: total },
      clipNorm: s.clipNorm > 0 ? s.clipNorm : undefined,
      dropoutSeed: s.seed,
      signal: controller.signal,
      ...(valBatches.length > 0 ? { validationData: valBatches, evalEvery: s.evalEvery, patience: s.patience > 0 ? s.patience : undefined, best } : {}),
      onStep: async (log) => {
        const step = log.step;
        lastStep = step;
        tokens += batchTokenCounts;
        const elapsed = (performance.now() - t0) / 1000;
        record({ type: 'step', step, loss: log.loss, losses: log.losses, lr: log.learningRate, gradNorm: log.gradNorm, tokens: batchTokenCounts, seconds: priorSeconds + elapsed });
        const rate = tokens / Math.max(elapsed, 1e-9);
        progress.update({ step, total, loss: log.loss, tokensPerSecond: rate, eta: ((total - step) * elapsed) / (step - start) });
        // Aborted: fit stops right after this callback, without validation; the checkpoint is saved below.
        if (!controller.signal.aborted && step % s.saveEvery === 0 && step !== total) await saveLast(step);
      },
      onEvaluate: async (e) => {
        best = e.best;
        recordEval(e.step, e.validation, evalNote(e.improved, e.best, s.patience));
        if (e.improved) {
          await saveLast(e.step);
          await saveBest(e.validation.loss);
        }
      },
    });
    if (history.stopped === 'patience') stopped = 'patience';
  } catch (e) {
    progress.clear();
    fs.closeSync(metricsFd);
    if (e instanceof Error && e.name === 'TrainingDivergedError') {
      writePlot(paths.plot, metrics, info.model);
      throw new RunError(`${e.message} The run directory keeps the checkpoint of step ${checkpointStep(paths.checkpoint)}; resume from it with a lower --lr.`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = (performance.now() - t0) / 1000;
  const rate = tokens / Math.max(seconds, 1e-9);
  progress.clear();
  await saveLast(lastStep);
  writePlot(paths.plot, metrics, info.model);
  fs.closeSync(metricsFd);
  if (signalName) {
    const cmd = `tfmc train ${specArg} --data ${info.data.file} --out ${shown(paths.dir)} --resume`;
    ctx.err(`interrupted at step ${lastStep} of ${total}: checkpoint saved to ${shown(paths.checkpoint)}; continue with\n  ${cmd}\n`);
    return signalName === 'SIGINT' ? 130 : 143;
  }
  if (stopped === 'patience' && best) {
    say(`early stopping at step ${lastStep} of ${total}: the validation loss has not improved for ${best.sinceBest} evaluations (best ${formatLoss(best.loss)} at step ${best.step})`);
  }
  const evals = metrics.filter((m): m is EvalMetric => m.type === 'eval');
  const first = evals[0];
  const final = evals.at(-1);
  const change = first && final && final !== first ? `; validation loss ${formatLoss(first.loss)} → ${formatLoss(final.loss)}${perplexityChange(first, final)}` : '';
  say(`trained ${lastStep - start} steps in ${formatDuration(seconds)} (${Math.round(rate).toLocaleString('en')} tokens/s)${change}`);
  const bestDir = best && fs.existsSync(path.join(paths.best, 'manifest.json')) ? `, ${shown(paths.best)} (best: step ${best.step}, validation loss ${formatLoss(best.loss)})` : '';
  say(`saved ${shown(paths.checkpoint)} (step ${lastStep})${bestDir}, ${shown(paths.metrics)} and ${shown(paths.plot)}`);
  const run = shown(paths.dir);
  const uses = bestDir ? ' (it uses the best checkpoint)' : '';
  say(nextCommand(task, run, info.tokenizer, uses));
  return 0;
}

/** `validation loss 1.8342, perplexity 6.26, accuracy 45.1%`. */
function describeEval(m: EvalMetric): string {
  const ppl = Object.values(m.perplexity ?? {});
  const acc = Object.values(m.accuracy);
  return `validation loss ${formatLoss(m.loss)}${ppl.length ? `, perplexity ${formatPerplexity(ppl[0])}` : ''}${acc.length ? `, accuracy ${(acc[0] * 100).toFixed(1)}%` : ''}`;
}

function evalNote(improved: boolean, best: { step: number; loss: number; sinceBest: number } | undefined, patience: number): string {
  if (improved) return ' (best so far)';
  if (!best) return '';
  return ` (best ${formatLoss(best.loss)} at step ${best.step}${patience > 0 ? `; ${best.sinceBest} of ${patience} evaluations without improvement` : ''})`;
}

function perplexityChange(first: EvalMetric, final: EvalMetric): string {
  const a = Object.values(first.perplexity ?? {})[0];
  const b = Object.values(final.perplexity ?? {})[0];
  return a !== undefined && b !== undefined ? ` (perplexity ${formatPerplexity(a)} → ${formatPerplexity(b)})` : '';
}

/** The step and validation loss a best checkpoint records, if there is one. */
function bestCheckpointOf(dir: string): { step: number; loss: number } | undefined {
  const f = checkpointFacts(dir);
  const loss = f?.validationLoss;
  return typeof f?.step === 'number' && typeof loss === 'number' && Number.isFinite(loss) ? { step: f.step, loss } : undefined;
}

function checkpointStep(dir: string): number | string | undefined {
  const f = checkpointFacts(dir);
  return f ? f.step : 'none';
}

function writePlot(file: string, metrics: readonly Metric[], name: string): void {
  const train = metrics.filter((m) => m.type === 'step').map((m) => ({ step: m.step, loss: m.loss }));
  const val = metrics.filter((m): m is EvalMetric => m.type === 'eval').map((m) => ({ step: m.step, loss: m.loss, perplexity: Object.values(m.perplexity ?? {})[0] }));
  const best = bestOf(metrics);
  writeFileAtomic(file, lossSvg(train, val, `${name}: loss`, best ? { step: best.step, loss: best.loss } : undefined));
}
