/**
 * `tfmc train --resume`: checks that a run directory can be continued with this spec, data and
 * flags, puts back a checkpoint a killed save left between its two renames, and reads the latest
 * checkpoint (checksums verified). Nothing is changed when the run cannot be resumed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readCheckpoint, type CheckpointContents } from '../../backends/tfjs/checkpoint.js';
import type { ModelIR } from '../../ir/types.js';
import { displayPath } from '../../render/paths.js';
import type { CliContext } from '../context.js';
import { RunError } from './errors.js';
import { BEST_DIR, CHECKPOINT_DIR, readRunInfo, removeStaleTemporaries, runPaths, type RunInfo, type RunSettings } from './run-dir.js';
import type { TrainFlags } from './flags.js';
import type { Task } from './task.js';

/** Settings that change what a step computes: a resumed run must keep them. */
const FIXED: ReadonlyArray<keyof RunSettings & keyof TrainFlags> = ['batch', 'seq', 'lr', 'warmup', 'schedule', 'seed', 'valFraction', 'clipNorm'];

/**
 * Checks that the run directory can be resumed with this spec and data and reads its checkpoint
 * (checksums verified). Every difference is listed in one message; nothing is changed.
 */
export async function prepareResume(dir: string, ir: ModelIR, task: Task, specDigest: string, dataDigest: string, flags: TrainFlags, ctx: CliContext): Promise<{ info: RunInfo; checkpoint?: CheckpointContents }> {
  const shown = displayPath(dir, ctx.cwd);
  const paths = runPaths(dir);
  if (!fs.existsSync(paths.run)) throw new RunError(`cannot resume: ${shown} holds no training run (no run.json); start one without --resume`);
  const info = readRunInfo(dir);
  await recoverCheckpoint(dir, CHECKPOINT_DIR);
  await recoverCheckpoint(dir, BEST_DIR);
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
  for (const key of FIXED) {
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
 * A kill between the two renames of a checkpoint swap leaves `<name>.old-*` (the previous
 * checkpoint) and a complete `<name>.tmp-*` (the new one) but no `<name>`: put the newest one
 * that verifies back in place.
 */
async function recoverCheckpoint(dir: string, name: string): Promise<void> {
  const target = path.join(dir, name);
  if (fs.existsSync(target)) return;
  let newest: { entry: string; step: number } | undefined;
  for (const entry of fs.readdirSync(dir).filter((n) => n.startsWith(`${name}.tmp-`) || n.startsWith(`${name}.old-`))) {
    try {
      const c = await readCheckpoint(path.join(dir, entry));
      if (!newest || c.manifest.step > newest.step) newest = { entry, step: c.manifest.step };
    } catch {
      // incomplete: removed with the other temporaries
    }
  }
  if (newest) fs.renameSync(path.join(dir, newest.entry), target);
}
