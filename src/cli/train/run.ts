/**
 * The work of `tfmc train` (the command's flags are in `src/cli/train.ts`): compile the spec, map
 * the data onto the model's inputs, then train (`loop.ts`) with periodic evaluation and
 * checkpoints into a run directory (layout in `run-dir.ts`).
 *
 * Exactness of `--resume`: the batch of every step is a function of the step number and the seed
 * (`batchForStep`), so are the dropout masks (`seedDropout` in the runtime), the checkpoint holds
 * the weights, Adam's moments and the step counter, and the learning rate is a function of the
 * step; so N steps in one go and N/2 + N/2 with a resume in between compute the same thing
 * (bit-identical on one backend, tested with dropout).
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
import { TfmcCompileError } from '../../api/compile-error.js';
import type { CheckpointContents } from '../../backends/tfjs/checkpoint.js';
import { selectModel } from '../../pipeline/select-model.js';
import { checkSpec } from '../check-spec.js';
import type { ModelIR } from '../../ir/types.js';
import { STD_DIR } from '../../ir/workspace.js';
import { displayPath } from '../../render/paths.js';
import { type CliContext, notice, UsageError } from '../context.js';
import { nextCommand } from './next-command.js';
import { checkDataFits } from './data-fit.js';
import { checkStepFits } from './memory-fit.js';
import { batchesPerEpoch, buildExamples, dataFormat, idsTokenizerFor, parseJsonl, textsOf, usesTokenIds, type Examples } from './data.js';
import { RunError } from './errors.js';
import type { TrainFlags } from './flags.js';
import { loop } from './loop.js';
import { isLockEntry, lockRunDir } from './run-lock.js';
import { prepareResume } from './resume.js';
import { RUN_FORMAT, runPaths, sha256, specHash, type RunInfo, type RunSettings } from './run-dir.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { analyzeTask, vocabKey, type Task } from './task.js';
import { readTaggedLines, tagExamples, tagTokenizer } from './token-labels.js';
import { createTokenizer, tokenizerFromJSON, type TokenVocabTokenizer, type Tokenizer } from './tokenizer.js';

export async function runTrain(ctx: CliContext, specArg: string, specAbs: string, dataAbs: string, flags: TrainFlags): Promise<number> {
  const say = (s: string) => notice(ctx, `${s}\n`);
  const compileModel = async (seed: number) => {
    const { compile } = await import('../../api/compile.js');
    return compile(specAbs, { model: flags.model, overrides: flags.set, backend: flags.backend, seed });
  };
  // The spec, the data and the run directory are checked before TensorFlow.js is loaded, so a
  // mistake in any of them fails fast and before any file is written.
  const checked = checkSpec(ctx, specArg, specAbs, { model: flags.model, set: flags.set });
  const choice = selectModel(checked, flags.model, displayPath(specArg, ctx.cwd));
  if (!choice.ok) {
    if (choice.reason === 'spec-errors') throw new TfmcCompileError(checked.diagnostics, checked.sources);
    throw new UsageError(choice.message);
  }
  const ir = choice.ir;
  let model: CompiledModel | undefined;
  // A resumed run is locked before anything in it is read or cleaned up; a new one once its directory exists.
  const runDir = runDirOf(ctx, ir, flags);
  const shownDir = displayPath(runDir, ctx.cwd);
  const warn = (message: string) => ctx.err(`warning: ${message}\n`);
  let lock = flags.resume && fs.existsSync(runDir) ? await lockRunDir(runDir, shownDir, warn) : undefined;
  try {
    const plan = await planRun(ctx, ir, specAbs, dataAbs, userSources(checked.sources), flags);
    // Before the weights exist: a step past the wasm heap would abort the process minutes in.
    const { chooseBackend } = await import('../../backends/tfjs/backend.js');
    checkStepFits(ir, await chooseBackend(flags.backend), { batch: plan.info.settings.batch, seq: stepSeq(plan) });
    model ??= await compileModel(plan.info.settings.seed);
    const { describeBackend } = await import('../../backends/tfjs/backend.js'); // loaded by now: no start-up cost
    ctx.err(`backend: ${describeBackend(model.backend, flags.backend)}\n`); // shown even with --quiet: results depend on it
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
    if (!lock) {
      lock = await lockRunDir(paths.dir, shownDir, warn);
      // Another new run may have started in the same directory since it was found empty.
      if (!flags.resume && fs.readdirSync(paths.dir).some((f) => !isLockEntry(f))) {
        throw new RunError(`${shownDir} is no longer empty: another run started in it; nothing was overwritten`);
      }
    }
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
    for (const note of plan.notes) say(`note: ${note}`);
    return await loop({ ctx, model, task, examples, info, paths, start, say, specArg });
  } finally {
    model?.dispose();
    await lock?.release();
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
  /** What the user should know about the flags of a resumed run. */
  notes: string[];
}

/** `--tokenizer`: char (the default), bpe, or a Hugging Face tokenizer.json resolved against the working directory. */
function tokenizerKind(ctx: CliContext, flag: string | undefined): string {
  if (flag === undefined) return 'char';
  return flag.endsWith('.json') ? path.resolve(ctx.cwd, flag) : flag;
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

  const outDir = runDirOf(ctx, ir, flags);
  const paths = runPaths(outDir);
  let previous: { info: RunInfo; checkpoint?: CheckpointContents } | undefined;
  if (flags.resume) {
    previous = await prepareResume(outDir, ir, task, specDigest, sha256(raw), flags, ctx);
  } else if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) {
    const isRun = fs.existsSync(paths.run);
    throw new RunError(`${displayPath(outDir, ctx.cwd)} ${isRun ? 'already holds a training run' : 'exists and is not empty'}; nothing was overwritten. ${isRun ? 'Add --resume to continue that run, or choose' : 'Choose'} another directory with --out`);
  }

  // Token-id data is recognised first (it names its own fields); then data made for another task is refused.
  const ids = records !== undefined && usesTokenIds(task, records, dataArg);
  if (ids && flags.tokenizer !== undefined && !previous) throw new UsageError(`${dataArg} gives token ids ("source_ids"/"target_ids"), which need no tokenizer: drop --tokenizer ${flags.tokenizer}`);
  checkDataFits(task, ir.name, format, text, records, dataArg);
  if (task.kind === 'tag' && flags.tokenizer !== undefined) {
    throw new UsageError(`--tokenizer ${flags.tokenizer} does not apply to model \`${ir.name}\`, a token classifier: it reads one model position per listed token, with the data's tokens as its vocabulary (tokenizer "tokens"); leave --tokenizer out`);
  }
  const tok: Tokenizer = previous
    ? tokenizerFromJSON(JSON.parse(fs.readFileSync(paths.tokenizer, 'utf8')))
    : ids
      ? idsTokenizerFor(task)
      : task.kind === 'tag'
        ? tagTokenizer(readTaggedLines(records!, dataArg))
        : createTokenizer(tokenizerKind(ctx, flags.tokenizer), () => textsOf(task, format, text, records), flags.tokenizer);
  checkVocab(ir, task, tok);

  const settings = previous ? previous.info.settings : newSettings(task, flags);
  const examples =
    task.kind === 'tag'
      ? tagExamples(task, tok as TokenVocabTokenizer, records!, { valFraction: settings.valFraction, seed: settings.seed, file: dataArg })
      : buildExamples(task, tok, format, text, records, { seq: settings.seq, valFraction: settings.valFraction, seed: settings.seed, file: dataArg });
  // After the data's own errors (which name a line): then whether the spec pads as the tokenizer does.
  checkPadding(ir, task, tok);
  const perEpoch = batchesPerEpoch(examples.train.length, settings.batch);
  const total = flags.steps ?? (flags.epochs !== undefined ? flags.epochs * perEpoch : (previous?.info.steps ?? perEpoch));
  // How often to evaluate and save may change on resume (they do not change what is computed).
  const resolved: RunSettings = {
    ...settings,
    warmup: settings.warmup < 0 ? Math.min(100, Math.floor(total / 10)) : settings.warmup,
    evalEvery: flags.evalEvery ?? (previous ? settings.evalEvery : Math.max(1, Math.round(total / 10))),
    saveEvery: flags.saveEvery ?? (previous ? settings.saveEvery : Math.max(1, Math.min(200, Math.round(total / 10)))),
    patience: flags.patience ?? settings.patience,
  };
  if (resolved.patience > 0 && examples.validation.length === 0) {
    throw new UsageError(`--patience needs validation examples to watch, but ${resolved.valFraction === 0 ? '--val-fraction 0 holds none back' : `${dataArg} gives none with --val-fraction ${resolved.valFraction}`}; give --val-fraction (e.g. 0.1) or drop --patience`);
  }
  const notes: string[] = [];
  if (previous && resolved.schedule !== 'constant' && total !== previous.info.steps) {
    notes.push(`the run's ${resolved.schedule} schedule decayed towards step ${previous.info.steps}; with --steps ${total} it now reaches 0 at step ${total}, so the learning rates from here differ from the run's plan`);
  }
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
  return { task, tok, examples, info, paths, checkpoint: previous?.checkpoint, notes };
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
    schedule: flags.schedule ?? 'constant',
    patience: flags.patience ?? 0,
  };
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

/**
 * A padding mask built from a token input must use the id the tokenizer pads with: a spec that
 * says `padding(src, pad: 0)` while the tokenizer pads with another id (GPT-2's BPE pads with
 * 50256, and 0 is `!`) would mask real tokens and never the padding, silently.
 */
function checkPadding(ir: ModelIR, task: Task, tok: Tokenizer): void {
  const inputs = task.kind === 'lm' ? [task.ids] : task.kind === 'seq2seq' ? [task.source, task.target] : [task.tokens];
  for (const input of inputs) {
    const value = ir.inputs.find((i) => i.name === input.name)?.value;
    for (const node of ir.nodes) {
      if (node.op !== 'padding_mask' || node.inputs[0] !== value) continue;
      const pad = Number(node.attrs.pad);
      if (pad === tok.pad) continue;
      const meaning = pad >= 0 && pad < tok.vocabSize ? tok.decode([pad]) : '';
      throw new RunError(
        `the spec masks \`${input.name}\` with \`padding(${input.name}, pad: ${pad})\`, but the ${tok.kind} tokenizer pads with id ${tok.pad}` +
          `${meaning ? ` and id ${pad} is the token ${JSON.stringify(meaning)}` : ''}: real tokens would be masked and the padding would not. ` +
          `Write \`pad: ${tok.pad}\` in the spec (or make it a config value and --set it)`,
      );
    }
  }
}

/** The sequence length of a step: the window of a language model, else the longest training example. */
function stepSeq({ task, examples, info }: RunPlan): number {
  if (task.kind === 'lm') return info.settings.seq;
  let longest = 1;
  for (const e of examples.train) for (const v of Object.values(e)) if (Array.isArray(v)) longest = Math.max(longest, v.length);
  return longest;
}

function taskInputs(task: Task): Record<string, string> {
  if (task.kind === 'lm') return { ids: task.ids.name, ...(task.labels ? { labels: task.labels.name } : {}) };
  if (task.kind === 'seq2seq') return { source: task.source.name, target: task.target.name, labels: task.labels.name };
  return { tokens: task.tokens.name, labels: task.labels.name };
}

function describeTask(task: Task): string {
  if (task.kind === 'lm') return `a language model on \`${task.ids.name}\``;
  if (task.kind === 'seq2seq') return `an encoder-decoder (\`${task.source.name}\` → \`${task.target.name}\`)`;
  if (task.kind === 'tag') return `a token classifier on \`${task.tokens.name}\` (a label per token)`;
  return `${task.regression ? 'a regression head' : 'a classifier'} on \`${task.tokens.name}\``;
}

function runDirOf(ctx: CliContext, ir: ModelIR, flags: TrainFlags): string {
  return path.resolve(ctx.cwd, flags.out ?? path.join('runs', defaultRunName(ir.name)));
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

