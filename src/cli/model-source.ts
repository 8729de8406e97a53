/**
 * Where `tfmc generate`, `predict` and `weights` get a model and its weights from (docs/cli.md,
 * "Models and weights"):
 *
 * - a **run directory** of `tfmc train`: its best checkpoint (`best/`, the lowest validation loss)
 *   when it has one, else the latest (`checkpoint/`), its tokenizer and its `run.json`; a run's
 *   `best/` or `checkpoint/` folder given directly picks that one, with the run's tokenizer;
 * - a **checkpoint directory** (`model.save()`, a run's `checkpoint/`, `tfmc compile --target
 *   tfjs`): the spec and the weights, no tokenizer;
 * - a **spec** with `--weights W` (and `--model`, `--set`): W is a checkpoint directory, a run
 *   directory (its checkpoint, and its tokenizer) or a safetensors file. The weights must fit the
 *   spec's model exactly; every difference is listed.
 *
 * {@link planSource} decides from the file system alone (and checks the spec), so a wrong path or
 * a missing flag fails before TensorFlow.js loads; {@link loadSource} then builds the model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../backends/tfjs/backend.js';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import type { ModelIR } from '../ir/types.js';
import { selectModel } from '../pipeline/select-model.js';
import { renderHuman } from '../render/human.js';
import { displayPath } from '../render/paths.js';
import { checkSpec } from './check-spec.js';
import { type CliContext, notice, UsageError } from './context.js';
import { RunError } from './train/errors.js';
import { formatLoss } from './train/progress.js';
import { BEST_DIR, CHECKPOINT_DIR, checkpointFacts, readRunInfo, runPaths, type RunInfo } from './train/run-dir.js';
import { tokenizerFromJSON, type Tokenizer } from './train/tokenizer.js';

export interface SourceFlags {
  weights?: string;
  model?: string;
  set?: Record<string, string>;
  backend?: BackendName;
  /** Initial weights of a spec given without `--weights` (only where that is allowed). */
  seed?: number;
}

export type DirKind = 'run' | 'run-without-checkpoint' | 'checkpoint' | 'other';

/** What a directory holds: a tfmc train run (with or without a checkpoint yet), a checkpoint, or neither. */
export function dirKind(abs: string): DirKind {
  if (fs.existsSync(path.join(abs, 'manifest.json'))) return 'checkpoint';
  const paths = runPaths(abs);
  if (fs.existsSync(paths.run)) return fs.existsSync(path.join(paths.checkpoint, 'manifest.json')) ? 'run' : 'run-without-checkpoint';
  // A run directory whose run.json is gone still has its checkpoint where the commands look for it.
  if (fs.existsSync(path.join(paths.checkpoint, 'manifest.json'))) return 'run';
  return 'other';
}

export interface SourcePlan {
  /** What the positional argument is. */
  kind: 'run' | 'checkpoint' | 'spec';
  /** The argument as typed, for messages. */
  shown: string;
  /** The checkpoint to load (the run's `checkpoint/`, the directory itself, or `--weights`). */
  checkpoint?: string;
  /** `--weights FILE.safetensors`. */
  safetensors?: { abs: string; shown: string };
  /** A spec source: its file and the model chosen (checked clean). */
  spec?: { abs: string; ir: ModelIR; overrides: Record<string, string> };
  /** `run.json` of a run directory given as the source. */
  run?: RunInfo;
  /** The run directory's tokenizer (the source's, or that of a run directory given as `--weights`). */
  tokenizer?: Tokenizer;
  /** `--seed` initial weights: a spec without `--weights` where that is allowed. */
  initial?: boolean;
  /** The run directory whose checkpoint is used (to say which one on stderr). */
  runDir?: string;
}

export interface PlanOptions {
  /** Whether a spec may come without `--weights` (its initial weights): `tfmc weights export`. */
  initialWeights?: boolean;
  /** The command, for messages (`tfmc generate`). */
  command: string;
}

const WEIGHTS_HELP = 'a checkpoint directory, a tfmc train run directory or a .safetensors file';

/** Decides where the model and its weights come from; checks paths and the spec, loads nothing heavy. */
export function planSource(ctx: CliContext, arg: string, flags: SourceFlags, options: PlanOptions): SourcePlan {
  const abs = path.resolve(ctx.cwd, arg);
  const shown = displayPath(abs, ctx.cwd);
  const stat = statOf(abs);
  if (!stat) throw new UsageError(`cannot read '${arg}': no such file or directory`);
  if (stat.isDirectory()) {
    const kind = dirKind(abs);
    if (kind === 'other') {
      throw new RunError(`${shown} is neither a tfmc train run directory (it has no run.json) nor a checkpoint directory (it has no manifest.json); give one of those, or a .tfm spec with --weights`);
    }
    if (kind === 'run-without-checkpoint') throw new RunError(`${shown} has no checkpoint yet: its training stopped before the first save`);
    for (const [flag, given] of [['--weights', flags.weights], ['--model', flags.model], ['--set', flags.set]] as const) {
      if (given !== undefined) {
        throw new UsageError(`${flag} goes with a spec (${options.command} SPEC --weights W): ${shown} is a ${kind === 'run' ? 'run' : 'checkpoint'} directory, whose model and weights are fixed`);
      }
    }
    const parent = path.dirname(abs);
    if (kind === 'checkpoint' && [BEST_DIR, CHECKPOINT_DIR].includes(path.basename(abs)) && fs.existsSync(runPaths(parent).run)) {
      // One checkpoint of a run: that one, with the run's tokenizer.
      const { run, tokenizer } = readRun(parent, displayPath(parent, ctx.cwd));
      return { kind: 'run', shown, checkpoint: abs, run, tokenizer, runDir: parent };
    }
    if (kind === 'checkpoint') return { kind, shown, checkpoint: abs };
    const { run, tokenizer } = readRun(abs, shown);
    return { kind: 'run', shown, checkpoint: runCheckpoint(abs), run, tokenizer, runDir: abs };
  }
  if (/\.safetensors$/i.test(arg)) {
    throw new UsageError(`${shown} holds weights but not the model they belong to: give the spec first, as in ${options.command} SPEC --weights ${arg}`);
  }
  if (!/\.tfm$/i.test(arg)) {
    throw new UsageError(`${shown} is not a .tfm spec: ${options.command} takes a tfmc train run directory, a checkpoint directory, or a .tfm spec with --weights`);
  }
  // A spec: checked (and the model chosen) before anything else.
  const spec = checkedSpec(ctx, arg, abs, flags);
  const plan: SourcePlan = { kind: 'spec', shown, spec };
  if (flags.weights === undefined) {
    if (options.initialWeights) return { ...plan, initial: true };
    throw new UsageError(
      `${shown} is a spec: say which weights to use with --weights FILE_OR_DIR (${WEIGHTS_HELP}); ` +
        `for its initial weights, tfmc train ${arg} --data FILE --steps 0 makes a run directory`,
    );
  }
  const wAbs = path.resolve(ctx.cwd, flags.weights);
  const wShown = displayPath(wAbs, ctx.cwd);
  const w = statOf(wAbs);
  if (!w) throw new UsageError(`cannot read --weights '${flags.weights}': no such file or directory`);
  if (w.isDirectory()) {
    const kind = dirKind(wAbs);
    if (kind === 'checkpoint') return { ...plan, checkpoint: wAbs };
    if (kind === 'run') return { ...plan, checkpoint: runCheckpoint(wAbs), tokenizer: fs.existsSync(runPaths(wAbs).tokenizer) ? readRun(wAbs, wShown).tokenizer : undefined };
    if (kind === 'run-without-checkpoint') throw new RunError(`--weights ${wShown} has no checkpoint yet: its training stopped before the first save`);
    throw new RunError(`--weights ${wShown} is a directory without weights: give ${WEIGHTS_HELP}`);
  }
  return { ...plan, safetensors: { abs: wAbs, shown: wShown } };
}

/** Builds the model of a plan on a tfjs backend with its weights (checksums and shapes verified), and prints the backend line. */
export async function loadSource(ctx: CliContext, plan: SourcePlan, flags: SourceFlags): Promise<CompiledModel> {
  let model: CompiledModel;
  if (plan.kind !== 'spec') {
    const { loadModel } = await import('../api/compile.js');
    model = await loadModel(fsPath(ctx, plan.checkpoint!), { backend: flags.backend, optimizer: false });
  } else {
    const { compile } = await import('../api/compile.js');
    const spec = plan.spec!;
    // A safetensors file's values are read straight into the model's variables (no random initialisation first).
    const weights = plan.safetensors;
    model = await compile(spec.abs, { model: spec.ir.name, overrides: spec.overrides, backend: flags.backend, seed: flags.seed ?? 0, weights: weights?.abs, weightsShown: weights?.shown });
    try {
      if (plan.checkpoint) await model.load(fsPath(ctx, plan.checkpoint), { optimizer: false });
    } catch (e) {
      model.dispose();
      throw e;
    }
  }
  const { describeBackend } = await import('../backends/tfjs/backend.js'); // loaded by now: no start-up cost
  ctx.err(`backend: ${describeBackend(model.backend, flags.backend)}\n`);
  if (plan.runDir && plan.checkpoint) ctx.err(`checkpoint: ${describeChoice(plan.checkpoint, runPaths(plan.runDir), ctx.cwd)}\n`);
  return model;
}

/** A run's best checkpoint when it has one, else its latest. */
function runCheckpoint(dir: string): string {
  const paths = runPaths(dir);
  return fs.existsSync(path.join(paths.best, 'manifest.json')) ? paths.best : paths.checkpoint;
}

/** `runs/lm/best (the best: step 30, validation loss 1.8342; the latest, step 40, is runs/lm/checkpoint)`. */
function describeChoice(ckpt: string, paths: ReturnType<typeof runPaths>, cwd: string): string {
  const read = (d: string) => checkpointFacts(d) ?? {};
  const at = read(ckpt);
  if (ckpt === paths.best) {
    const last = read(paths.checkpoint);
    const loss = at.validationLoss !== undefined ? `, validation loss ${formatLoss(at.validationLoss)}` : '';
    const other = last.step !== undefined && last.step !== at.step ? `; the latest, step ${last.step}, is ${displayPath(paths.checkpoint, cwd)}` : '';
    return `${displayPath(ckpt, cwd)} (the best: step ${at.step}${loss}${other})`;
  }
  const hasBest = fs.existsSync(path.join(paths.best, 'manifest.json'));
  return `${displayPath(ckpt, cwd)} (the latest: step ${at.step}${hasBest ? `; the best is ${displayPath(paths.best, cwd)}` : ''})`;
}

/** `--tokenizer FILE` of generate and predict: a Hugging Face tokenizer.json, in place of the source's tokenizer. */
export async function withTokenizerFlag(ctx: CliContext, plan: SourcePlan, file: string | undefined): Promise<SourcePlan> {
  if (file === undefined) return plan;
  const abs = path.resolve(ctx.cwd, file);
  const { readHfTokenizer } = await import('./train/hf-tokenizer.js');
  return { ...plan, tokenizer: readHfTokenizer(abs, displayPath(abs, ctx.cwd)) };
}

/** Why there is no tokenizer, for messages: "runs/x/checkpoint is a checkpoint directory, which holds no tokenizer". */
export function noTokenizerReason(plan: SourcePlan): string {
  if (plan.kind === 'checkpoint') return `${plan.shown} is a checkpoint directory, which holds no tokenizer (a tfmc train run directory does)`;
  if (plan.kind === 'spec') return `a spec with --weights has no tokenizer (give a Hugging Face tokenizer.json with --tokenizer FILE, or a tfmc train run directory as --weights)`;
  return `${plan.shown} holds no text tokenizer`;
}

/** Says which characters (or words) of an input the tokenizer does not know; they became `<unk>`. */
export function noticeUnknown(ctx: CliContext, tokenizer: Tokenizer, text: string, what: string): void {
  const unknown = tokenizer.unknown?.(text) ?? [];
  if (unknown.length === 0) return;
  const unit = tokenizer.kind === 'char' ? 'characters' : 'words';
  const shown = unknown.slice(0, 10).map((u) => JSON.stringify(u)).join(', ') + (unknown.length > 10 ? `, … (${unknown.length} in all)` : '');
  notice(ctx, `note: ${what} ${JSON.stringify(text)} has ${unit} the run's ${tokenizer.kind} tokenizer does not know: ${shown}; they became <unk> (the tokenizer has ${tokenizer.describe()}, from the training data)\n`);
}

function checkedSpec(ctx: CliContext, arg: string, abs: string, flags: SourceFlags): NonNullable<SourcePlan['spec']> {
  const checked = checkSpec(ctx, arg, abs, { model: flags.model, set: flags.set });
  if (!checked.found) throw new UsageError(`cannot read '${arg}': no such file`);
  const choice = selectModel(checked, flags.model, displayPath(abs, ctx.cwd));
  if (!choice.ok) {
    if (choice.reason !== 'spec-errors') throw new UsageError(choice.message);
    ctx.err(renderHuman(checked.diagnostics.filter((d) => d.severity === 'error'), checked.sources, { color: ctx.colorErr, cwd: ctx.cwd, summary: true }));
    throw new RunError(`no model loaded: fix the errors in ${displayPath(abs, ctx.cwd)} above (tfmc check shows them too)`);
  }
  return { abs, ir: choice.ir, overrides: { ...(flags.set ?? {}) } };
}

function readRun(abs: string, shown: string): { run?: RunInfo; tokenizer?: Tokenizer } {
  const paths = runPaths(abs);
  try {
    const run = fs.existsSync(paths.run) ? readRunInfo(abs) : undefined;
    const tokenizer = fs.existsSync(paths.tokenizer) ? tokenizerFromJSON(JSON.parse(fs.readFileSync(paths.tokenizer, 'utf8'))) : undefined;
    return { run, tokenizer };
  } catch (e) {
    throw new RunError(`the run directory ${shown} is damaged: ${(e as Error).message}`);
  }
}

function statOf(abs: string): fs.Stats | undefined {
  try {
    return fs.statSync(abs);
  } catch {
    return undefined;
  }
}

/** The path to hand to readers whose errors name it: relative to the working directory when that is the process's. */
function fsPath(ctx: CliContext, abs: string): string {
  return ctx.cwd === process.cwd() ? displayPath(abs, ctx.cwd) : abs;
}
