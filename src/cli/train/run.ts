/**
 * The work of `tfmc train` (the command's flags are in `src/cli/train.ts`): compile the spec, map
 * the data onto the model's inputs, then train with periodic evaluation and checkpoints into a run
 * directory (layout in `run-dir.ts`).
 *
 * Exactness of `--resume`: the batch of every step is a function of the step number and the seed
 * (`batchForStep`), the checkpoint holds the weights, Adam's moments and the step counter, and the
 * learning rate is a function of the step; so N steps in one go and N/2 + N/2 with a resume in
 * between compute the same thing (bit-identical on the cpu and wasm backends, tested). Dropout
 * masks are not seeded by the executor, so a spec with dropout > 0 resumes correctly but not
 * bit-identically.
 *
 * Signals: SIGINT (Ctrl-C) and SIGTERM stop after the step in progress, save a checkpoint and exit
 * with status 130 (143 for SIGTERM); a second Ctrl-C exits at once (the last checkpoint is intact:
 * checkpoints are written to a temporary directory and renamed). A SIGKILL loses the steps since
 * the last checkpoint; `--resume` recovers a checkpoint caught between two renames and removes
 * temporaries.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompiledModel } from '../../backends/tfjs/compiled-model.js';
import type { BackendName } from '../../backends/tfjs/backend.js';
import { TfmcCompileError } from '../../api/compile-error.js';
import { readCheckpoint, type CheckpointContents } from '../../backends/tfjs/checkpoint.js';
import { selectModel } from '../../pipeline/select-model.js';
import { checkSpec } from '../check-spec.js';
import type { ModelIR } from '../../ir/types.js';
import { STD_DIR } from '../../ir/workspace.js';
import { displayPath } from '../../render/paths.js';
import { type CliContext, notice, UsageError } from '../context.js';
import { batchesPerEpoch, batchForStep, batchTokens, buildExamples, dataFormat, idsTokenizerFor, parseJsonl, textsOf, usesTokenIds, validationBatches, type Examples } from './data.js';
import { RunError } from './errors.js';
import { lossSvg } from './loss-plot.js';
import { formatDuration, formatLoss, Progress } from './progress.js';
import {
  readRunInfo,
  removeStaleTemporaries,
  RUN_FORMAT,
  runPaths,
  sha256,
  specHash,
  truncateMetrics,
  writeFileAtomic,
  type EvalMetric,
  type Metric,
  type RunInfo,
  type RunSettings,
  type StepMetric,
} from './run-dir.js';
import { analyzeTask, vocabKey, type Task } from './task.js';
import { createTokenizer, tokenizerFromJSON, type Tokenizer } from './tokenizer.js';

export interface TrainFlags {
  data: string;
  model?: string;
  set?: Record<string, string>;
  backend?: BackendName;
  out?: string;
  steps?: number;
  epochs?: number;
  batch?: number;
  seq?: number;
  lr?: number;
  warmup?: number;
  clipNorm?: number;
  evalEvery?: number;
  saveEvery?: number;
  valFraction?: number;
  seed?: number;
  resume?: boolean;
  tokenizer?: 'char' | 'bpe';
}

/** Validation batches evaluated at most (a bound on the time an evaluation takes). */
const MAX_EVAL_BATCHES = 32;

export async function runTrain(ctx: CliContext, specArg: string, specAbs: string, dataAbs: string, flags: TrainFlags): Promise<number> {
  const say = (s: string) => notice(ctx, `${s}\n`);
  const compileModel = async () => {
    const { compile } = await import('../../api/compile.js');
    return compile(specAbs, { model: flags.model, overrides: flags.set, backend: flags.backend, seed: flags.seed ?? 0 });
  };
  // The spec, the data and the run directory are checked before TensorFlow.js is loaded, so a
  // mistake in any of them fails fast and before any file is written.
  const checked = checkSpec(ctx, specArg, specAbs, { model: flags.model, set: flags.set });
  const choice = selectModel(checked, flags.model, displayPath(specArg, ctx.cwd));
  if (!choice.ok) {
    if (choice.reason === 'spec-errors') throw new TfmcCompileError(checked.diagnostics, checked.sources);
    throw new UsageError(`${choice.message}${choice.reason === 'several-models' ? ' with --model' : ''}`);
  }
  const ir = choice.ir;
  let model: CompiledModel | undefined;
  try {
    const plan = await planRun(ctx, ir, specAbs, dataAbs, userSources(checked.sources), flags);
    model ??= await compileModel();
    ctx.err(`backend: ${await backendNote(model.backend, flags.backend)}\n`); // shown even with --quiet: results depend on it
    if (plan.checkpoint) {
      try {
        model.applyCheckpoint(plan.checkpoint, { optimizer: true });
      } catch (e) {
        if (e instanceof Error && e.name === 'CheckpointMismatchError') throw new RunError(`cannot resume ${displayPath(plan.paths.dir, ctx.cwd)}: ${e.message}. Nothing was changed`);
        throw e;
      }
    }
    const { info, paths, examples, task, tok } = plan;
    fs.mkdirSync(paths.dir, { recursive: true });
    writeFileAtomic(paths.run, JSON.stringify(info, null, 2) + '\n');
    if (!plan.checkpoint) writeFileAtomic(paths.tokenizer, JSON.stringify(tok.toJSON()) + '\n');

    const start = model.step;
    say(
      `${model.name}: ${model.parameterCount.toLocaleString('en')} parameters, ${describeTask(task)}; ` +
        `${examples.train.length.toLocaleString('en')} training and ${examples.validation.length.toLocaleString('en')} validation examples, ` +
        `${tok.kind} tokenizer with ${tok.vocabSize} tokens`,
    );
    const resuming = plan.checkpoint ? ` (resuming at step ${start})` : flags.resume ? ' (it has no checkpoint yet: starting at step 0)' : '';
    say(`run directory: ${displayPath(paths.dir, ctx.cwd)}${resuming}`);
    if (start >= info.steps && !plan.checkpoint) {
      // --steps 0: the run directory with the initial weights, ready for generate, predict and weights.
      await model.save(paths.checkpoint, { optimizer: true });
      say(`--steps 0: saved the initial weights (seed ${info.settings.seed}) to ${displayPath(paths.checkpoint, ctx.cwd)} without training`);
      say(nextCommand(task, displayPath(paths.dir, ctx.cwd), tok.kind));
      return 0;
    }
    if (start >= info.steps) {
      say(`the run is already at step ${start} of ${info.steps}: nothing to train (raise --steps to train further)`);
      return 0;
    }
    return await loop(ctx, model, task, examples, info, paths, start, say, specArg, info.data.file);
  } finally {
    model?.dispose();
  }
}

/** The model to train when the check is clean and the choice is clear; undefined leaves it to `compile`. */
interface RunPlan {
  task: Task;
  tok: Tokenizer;
  examples: Examples;
  info: RunInfo;
  paths: ReturnType<typeof runPaths>;
  /** The verified checkpoint to resume from. */
  checkpoint?: CheckpointContents;
}

/** Everything that does not need TensorFlow.js: the task, the data, the tokenizer, the run directory, the checkpoint to resume. */
async function planRun(ctx: CliContext, ir: ModelIR, specAbs: string, dataAbs: string, sources: Map<string, string>, flags: TrainFlags): Promise<RunPlan> {
  const task = analyzeTask(ir);
  const dataArg = displayPath(dataAbs, ctx.cwd);
  const format = dataFormat(dataAbs);
  const raw = fs.readFileSync(dataAbs);
  const text = decodeUtf8(raw, dataArg);
  const records = format === 'jsonl' ? parseJsonl(text, dataArg) : undefined;
  const specDigest = specHash(specAbs, sources);

  const outDir = path.resolve(ctx.cwd, flags.out ?? path.join('runs', defaultRunName(ir.name)));
  const paths = runPaths(outDir);
  let previous: { info: RunInfo; checkpoint?: CheckpointContents } | undefined;
  if (flags.resume) {
    previous = await prepareResume(outDir, ir, task, specDigest, sha256(raw), flags, ctx);
  } else if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    const isRun = fs.existsSync(paths.run);
    throw new RunError(`${displayPath(outDir, ctx.cwd)} ${isRun ? 'already holds a training run' : 'exists and is not empty'}; nothing was overwritten. ${isRun ? 'Add --resume to continue that run, or choose' : 'Choose'} another directory with --out`);
  }

  const ids = records !== undefined && usesTokenIds(task, records, dataArg);
  if (ids && flags.tokenizer !== undefined && !previous) throw new UsageError(`${dataArg} gives token ids ("source_ids"/"target_ids"), which need no tokenizer: drop --tokenizer ${flags.tokenizer}`);
  const tok: Tokenizer = previous
    ? tokenizerFromJSON(JSON.parse(fs.readFileSync(paths.tokenizer, 'utf8')))
    : ids
      ? idsTokenizerFor(task)
      : createTokenizer(flags.tokenizer ?? 'char', () => textsOf(task, format, text, records));
  checkVocab(ir, task, tok);

  const settings = previous ? previous.info.settings : newSettings(task, flags);
  const examples = buildExamples(task, tok, format, text, records, { seq: settings.seq, valFraction: settings.valFraction, seed: settings.seed, file: dataArg });
  const perEpoch = batchesPerEpoch(examples.train.length, settings.batch);
  const total = flags.steps ?? (flags.epochs !== undefined ? flags.epochs * perEpoch : (previous?.info.steps ?? perEpoch));
  // How often to evaluate and save may change on resume (they do not change what is computed).
  const resolved: RunSettings = {
    ...settings,
    warmup: settings.warmup < 0 ? Math.min(100, Math.floor(total / 10)) : settings.warmup,
    evalEvery: flags.evalEvery ?? (previous ? settings.evalEvery : Math.max(1, Math.round(total / 10))),
    saveEvery: flags.saveEvery ?? (previous ? settings.saveEvery : Math.max(1, Math.min(200, Math.round(total / 10)))),
  };
  const info: RunInfo = {
    format: RUN_FORMAT,
    version: 1,
    spec: { file: displayPath(specAbs, ctx.cwd), sha256: specDigest },
    model: ir.name,
    overrides: { ...(flags.set ?? {}) },
    data: { file: dataArg, sha256: sha256(raw), format },
    task: task.kind === 'classify' && task.regression ? 'regression' : task.kind,
    inputs: taskInputs(task),
    tokenizer: tok.kind,
    ...(examples.classNames ? { classNames: examples.classNames } : {}),
    steps: total,
    settings: resolved,
  };
  return { task, tok, examples, info, paths, checkpoint: previous?.checkpoint };
}

async function loop(
  ctx: CliContext,
  model: CompiledModel,
  task: Task,
  examples: Examples,
  info: RunInfo,
  paths: ReturnType<typeof runPaths>,
  start: number,
  say: (s: string) => void,
  specArg: string,
  dataArg: string,
): Promise<number> {
  const s = info.settings;
  const total = info.steps;
  const metrics: Metric[] = start > 0 ? truncateMetrics(paths.metrics, start) : (writeFileAtomic(paths.metrics, ''), []);
  const metricsFd = fs.openSync(paths.metrics, 'a');
  const record = (m: Metric) => {
    metrics.push(m);
    fs.writeSync(metricsFd, JSON.stringify(m) + '\n');
  };
  const valBatches = validationBatches(examples.validation, s.batch, examples.pad).slice(0, MAX_EVAL_BATCHES);
  const progress = new Progress(ctx.quiet ? () => {} : ctx.err, ctx.env.TFMC_PROGRESS === 'plain' ? false : process.stderr.isTTY === true, total, start);
  const evaluate = async (step: number): Promise<EvalMetric | undefined> => {
    if (valBatches.length === 0) return undefined;
    const r = await model.evaluate(valBatches);
    const m: EvalMetric = { type: 'eval', step, loss: r.loss, losses: r.losses, accuracy: r.accuracy };
    record(m);
    const acc = Object.values(r.accuracy);
    progress.line(`eval at step ${step}: validation loss ${formatLoss(r.loss)}${acc.length ? `, accuracy ${(acc[0] * 100).toFixed(1)}%` : ''}`);
    return m;
  };
  const save = async () => {
    await model.save(paths.checkpoint, { optimizer: true });
    writePlot(paths.plot, metrics, info.model);
  };

  const priorSeconds = [...metrics].reverse().find((m): m is StepMetric => m.type === 'step')?.seconds ?? 0;
  if (start === 0) await evaluate(0);

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
  const lr = (step: number) => (info.settings.warmup > 0 ? s.lr * Math.min(1, step / info.settings.warmup) : s.lr);
  let batchTokenCounts = 0;
  const tokPad = examples.pad[Object.keys(examples.pad)[0]] ?? 0;
  const data = function* () {
    for (let step = start + 1; step <= total; step++) {
      const b = batchForStep(examples.train, step, s.batch, s.seed, examples.pad);
      batchTokenCounts = batchTokens(b, task, tokPad);
      yield b;
    }
  };
  try {
    await model.fit(data(), {
      epochs: 1,
      learningRate: lr,
      clipNorm: s.clipNorm > 0 ? s.clipNorm : undefined,
      signal: controller.signal,
      onStep: async (log) => {
        const step = log.step;
        lastStep = step;
        tokens += batchTokenCounts;
        const elapsed = (performance.now() - t0) / 1000;
        record({ type: 'step', step, loss: log.loss, losses: log.losses, lr: log.learningRate, gradNorm: log.gradNorm, tokens: batchTokenCounts, seconds: priorSeconds + elapsed });
        const rate = tokens / Math.max(elapsed, 1e-9);
        progress.update({ step, total, loss: log.loss, tokensPerSecond: rate, eta: ((total - step) * elapsed) / (step - start) });
        if (controller.signal.aborted) return false;
        if (step % s.evalEvery === 0 && step !== total) await evaluate(step);
        if (step % s.saveEvery === 0 && step !== total) await save();
      },
    });
  } catch (e) {
    progress.clear();
    fs.closeSync(metricsFd);
    if (e instanceof Error && e.name === 'TrainingDivergedError') {
      writePlot(paths.plot, metrics, info.model);
      throw new RunError(`${e.message} The run directory keeps the checkpoint of step ${await checkpointStep(paths.checkpoint)}; resume from it with a lower --lr.`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = (performance.now() - t0) / 1000;
  const rate = tokens / Math.max(seconds, 1e-9);
  progress.clear();
  if (signalName) {
    await save();
    fs.closeSync(metricsFd);
    const cmd = `tfmc train ${specArg} --data ${dataArg} --out ${displayPath(paths.dir, ctx.cwd)} --resume`;
    ctx.err(`interrupted at step ${lastStep} of ${total}: checkpoint saved to ${displayPath(paths.checkpoint, ctx.cwd)}; continue with\n  ${cmd}\n`);
    return signalName === 'SIGINT' ? 130 : 143;
  }
  const final = await evaluate(total);
  await save();
  fs.closeSync(metricsFd);
  const first = metrics.find((m): m is EvalMetric => m.type === 'eval');
  const change = first && final ? `; validation loss ${formatLoss(first.loss)} → ${formatLoss(final.loss)}` : '';
  say(`trained ${lastStep - start} steps in ${formatDuration(seconds)} (${Math.round(rate).toLocaleString('en')} tokens/s)${change}`);
  say(`saved ${displayPath(paths.checkpoint, ctx.cwd)}, ${displayPath(paths.metrics, ctx.cwd)} and ${displayPath(paths.plot, ctx.cwd)}`);
  say(nextCommand(task, displayPath(paths.dir, ctx.cwd), info.tokenizer));
  return 0;
}

function nextCommand(task: Task, run: string, tokenizer: string): string {
  if (task.kind === 'classify') return `next: tfmc predict ${run} --input "..."`;
  if (tokenizer === 'ids') return `next: tfmc generate ${run} --ids 1,2,3`;
  return task.kind === 'lm' ? `next: tfmc generate ${run} --prompt "..."` : `next: tfmc generate ${run} --source "..."`;
}

async function checkpointStep(dir: string): Promise<number | string> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).step;
  } catch {
    return 'none';
  }
}

function writePlot(file: string, metrics: readonly Metric[], name: string): void {
  const train = metrics.filter((m) => m.type === 'step').map((m) => ({ step: m.step, loss: m.loss }));
  const val = metrics.filter((m) => m.type === 'eval').map((m) => ({ step: m.step, loss: m.loss }));
  writeFileAtomic(file, lossSvg(train, val, `${name}: loss`));
}

function newSettings(task: Task, flags: TrainFlags): RunSettings {
  const bound = task.kind === 'lm' ? task.ids.maxLength : undefined;
  const seq = flags.seq ?? Math.min(bound ?? 64, 128);
  if (task.kind === 'lm' && bound !== undefined && seq > bound) {
    throw new RunError(`--seq ${seq} is longer than input \`${task.ids.name}\` allows (${task.ids.dim} <= ${bound}); use --seq ${bound} or less, or raise the bound with --set`);
  }
  return {
    batch: flags.batch ?? 16,
    seq,
    lr: flags.lr ?? 1e-3,
    warmup: flags.warmup ?? -1,
    clipNorm: flags.clipNorm ?? 1,
    seed: flags.seed ?? 0,
    valFraction: flags.valFraction ?? 0.1,
    evalEvery: flags.evalEvery ?? 0,
    saveEvery: flags.saveEvery ?? 0,
  };
}

/**
 * Checks that the run directory can be resumed with this spec and data and reads its checkpoint
 * (checksums verified). Every difference is listed in one message; nothing is changed.
 */
async function prepareResume(dir: string, ir: ModelIR, task: Task, specDigest: string, dataDigest: string, flags: TrainFlags, ctx: CliContext): Promise<{ info: RunInfo; checkpoint?: CheckpointContents }> {
  const shown = displayPath(dir, ctx.cwd);
  const paths = runPaths(dir);
  if (!fs.existsSync(paths.run)) throw new RunError(`cannot resume: ${shown} holds no training run (no run.json); start one without --resume`);
  const info = readRunInfo(dir);
  await recoverCheckpoint(dir);
  removeStaleTemporaries(dir);
  // A run stopped before its first save starts again from step 0 (with its own settings).
  const checkpoint = fs.existsSync(path.join(paths.checkpoint, 'manifest.json')) ? await readCheckpoint(paths.checkpoint) : undefined;
  const diffs: string[] = [];
  if (info.model !== ir.name) diffs.push(`the run trained model \`${info.model}\`, this is \`${ir.name}\``);
  if (info.spec.sha256 !== specDigest) diffs.push(`the spec changed since the run started (SHA-256 ${info.spec.sha256.slice(0, 12)}… then, ${specDigest.slice(0, 12)}… now)`);
  const then = checkpoint?.manifest.config ?? {};
  const now: Record<string, unknown> = Object.fromEntries(ir.config.map((c) => [c.name, c.value]));
  const keys = checkpoint ? [...new Set([...Object.keys(then), ...Object.keys(now)])].filter((k) => then[k] !== now[k]) : [];
  if (keys.length) diffs.push(`config ${keys.map((k) => `\`${k}\` was ${then[k] ?? '(absent)'}, is ${now[k] ?? '(absent)'}`).join('; ')}`);
  if (info.data.sha256 !== dataDigest) diffs.push(`the data file differs from the one the run trained on (${info.data.file})`);
  for (const key of ['batch', 'seq', 'lr', 'warmup', 'seed', 'valFraction', 'clipNorm'] as const) {
    const given = flags[key];
    if (given !== undefined && given !== info.settings[key]) diffs.push(`--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${given} differs from the run's ${info.settings[key]}`);
  }
  if (flags.tokenizer !== undefined && flags.tokenizer !== info.tokenizer) diffs.push(`--tokenizer ${flags.tokenizer} differs from the run's ${info.tokenizer}`);
  const kind = task.kind === 'classify' && task.regression ? 'regression' : task.kind;
  if (info.task !== kind) diffs.push(`the run's task was ${info.task}, this model's is ${kind}`);
  if (diffs.length) {
    throw new RunError(`cannot resume ${shown}: ${diffs.join('; ')}. Nothing was changed; resume with the spec, data and settings of the run, or start a new run with another --out`);
  }
  return { info, checkpoint };
}

/**
 * A kill between the two renames of a checkpoint swap leaves `checkpoint.old-*` (the previous
 * checkpoint) and a complete `checkpoint.tmp-*` (the new one) but no `checkpoint`: put the newest
 * one that verifies back in place.
 */
async function recoverCheckpoint(dir: string): Promise<void> {
  const paths = runPaths(dir);
  if (fs.existsSync(paths.checkpoint)) return;
  let best: { name: string; step: number } | undefined;
  for (const name of fs.readdirSync(dir).filter((n) => /^checkpoint\.(tmp|old)-/.test(n))) {
    try {
      const c = await readCheckpoint(path.join(dir, name));
      if (!best || c.manifest.step > best.step) best = { name, step: c.manifest.step };
    } catch {
      // incomplete: removed with the other temporaries
    }
  }
  if (best) fs.renameSync(path.join(dir, best.name), paths.checkpoint);
}

function checkVocab(ir: ModelIR, task: Task, tok: Tokenizer): void {
  const inputs = task.kind === 'lm' ? [task.ids] : task.kind === 'seq2seq' ? [task.source, task.target] : [task.tokens];
  for (const input of inputs) {
    if (!input.vocab || tok.vocabSize <= input.vocab.rows) continue;
    const key = vocabKey(ir, input.vocab.rows);
    const fix = key ? `; train with --set ${key}=${tok.vocabSize} (or more)` : '; give the embedding more rows';
    throw new RunError(`the ${tok.kind} tokenizer has ${tok.vocabSize} tokens (${tok.describe()}), but input \`${input.name}\` is read by \`${input.vocab.module}\`, which has ${input.vocab.rows} rows${key ? ` (config \`${key}\` = ${input.vocab.rows})` : ''}${fix}`);
  }
}

function taskInputs(task: Task): Record<string, string> {
  if (task.kind === 'lm') return { ids: task.ids.name, ...(task.labels ? { labels: task.labels.name } : {}) };
  if (task.kind === 'seq2seq') return { source: task.source.name, target: task.target.name, labels: task.labels.name };
  return { tokens: task.tokens.name, labels: task.labels.name };
}

function describeTask(task: Task): string {
  if (task.kind === 'lm') return `a language model on \`${task.ids.name}\``;
  if (task.kind === 'seq2seq') return `an encoder-decoder (\`${task.source.name}\` → \`${task.target.name}\`)`;
  return `${task.regression ? 'a regression head' : 'a classifier'} on \`${task.tokens.name}\``;
}

function defaultRunName(model: string): string {
  return model.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The spec's own files (not the standard library). */
function userSources(sources: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [p, t] of sources) if (!p.startsWith(STD_DIR)) out.set(p, t);
  return out;
}

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RunError(`${file} is not UTF-8 text; tfmc train reads plain text (.txt) or JSON lines (.jsonl) in UTF-8`);
  }
}

async function backendNote(inUse: BackendName, asked: BackendName | undefined): Promise<string> {
  if (asked !== undefined || inUse === 'node') return inUse;
  const { backendFailure } = await import('../../backends/tfjs/backend.js');
  const why = backendFailure('node');
  if (!why) return inUse;
  return `${inUse} (${/Cannot find (package|module)/.test(why) ? '@tensorflow/tfjs-node is not installed' : `node is unavailable: ${why.split(';')[0]}`})`;
}
