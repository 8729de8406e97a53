/**
 * Opens a run directory written by `tfmc train` for `tfmc predict` and `tfmc generate`: its
 * `run.json`, its tokenizer and the model of one of its checkpoints (checksums verified on load).
 *
 * Which checkpoint: `best/` (the lowest validation loss) when the run has one, else
 * `checkpoint/` (the latest). Giving a checkpoint folder of a run (`runs/lm/checkpoint`,
 * `runs/lm/best`) instead of the run directory picks that one. The choice is printed on stderr
 * beside the backend, since results depend on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../backends/tfjs/backend.js';
import type { CompiledModel } from '../../backends/tfjs/compiled-model.js';
import { displayPath } from '../../render/paths.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../context.js';
import { RunError } from './errors.js';
import { formatLoss } from './progress.js';
import { BEST_DIR, CHECKPOINT_DIR, readRunInfo, runPaths, RUN_FILE, type RunInfo } from './run-dir.js';
import { tokenizerFromJSON, type Tokenizer } from './tokenizer.js';

export interface OpenRun {
  info: RunInfo;
  tokenizer: Tokenizer;
  model: CompiledModel;
}

export async function openRun(ctx: CliContext, dirArg: string, backend: BackendName | undefined): Promise<OpenRun> {
  let dir = path.resolve(ctx.cwd, dirArg);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`cannot read '${dirArg}': no such run directory`);
  // A checkpoint folder of a run: that checkpoint, with the run's tokenizer.
  let chosen: string | undefined;
  const base = path.basename(dir);
  if ((base === BEST_DIR || base === CHECKPOINT_DIR) && fs.existsSync(path.join(path.dirname(dir), RUN_FILE))) {
    chosen = dir;
    dir = path.dirname(dir);
  }
  const shown = displayPath(dir, ctx.cwd);
  const paths = runPaths(dir);
  if (!fs.existsSync(paths.run)) throw new RunError(`${shown} is not a tfmc train run directory (it has no run.json)`);
  let info: RunInfo;
  let tokenizer: Tokenizer;
  try {
    info = readRunInfo(dir);
    tokenizer = tokenizerFromJSON(JSON.parse(fs.readFileSync(paths.tokenizer, 'utf8')));
  } catch (e) {
    throw new RunError(`the run directory ${shown} is damaged: ${(e as Error).message}`);
  }
  const has = (d: string) => fs.existsSync(path.join(d, 'manifest.json'));
  if (chosen && !has(chosen)) throw new RunError(`${displayPath(chosen, ctx.cwd)} holds no checkpoint${chosen === paths.best ? ': the run has had no evaluation after step 0 yet' : ''}`);
  if (!chosen && !has(paths.checkpoint) && !has(paths.best)) {
    throw new RunError(`${shown} has no checkpoint yet: its training stopped before the first save`);
  }
  const ckpt = chosen ?? (has(paths.best) ? paths.best : paths.checkpoint);
  const { loadModel } = await import('../../api/compile.js');
  const model = await loadModel(ckpt, { backend, optimizer: false });
  ctx.err(`backend: ${model.backend}\n`);
  ctx.err(`checkpoint: ${describeChoice(ckpt, paths, ctx.cwd)}\n`);
  return { info, tokenizer, model };
}

/** `runs/lm/best (the best: step 30, validation loss 1.8342; the latest, step 40, is runs/lm/checkpoint)`. */
function describeChoice(ckpt: string, paths: ReturnType<typeof runPaths>, cwd: string): string {
  const step = (d: string): { step?: number; validationLoss?: number } => {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf8'));
      return { step: m.step, validationLoss: m.metrics?.validationLoss };
    } catch {
      return {};
    }
  };
  const at = step(ckpt);
  if (ckpt === paths.best) {
    const last = step(paths.checkpoint);
    const loss = at.validationLoss !== undefined ? `, validation loss ${formatLoss(at.validationLoss)}` : '';
    const other = last.step !== undefined && last.step !== at.step ? `; the latest, step ${last.step}, is ${displayPath(paths.checkpoint, cwd)}` : '';
    return `${displayPath(ckpt, cwd)} (the best: step ${at.step}${loss}${other})`;
  }
  const hasBest = fs.existsSync(path.join(paths.best, 'manifest.json'));
  return `${displayPath(ckpt, cwd)} (the latest: step ${at.step}${hasBest ? `; the best is ${displayPath(paths.best, cwd)}` : ''})`;
}
