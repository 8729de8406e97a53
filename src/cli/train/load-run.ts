/**
 * Opens a run directory written by `tfmc train` for `tfmc predict` and `tfmc generate`: its
 * `run.json`, its tokenizer and the model of its checkpoint (checksums verified on load).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendName } from '../../backends/tfjs/backend.js';
import type { CompiledModel } from '../../backends/tfjs/compiled-model.js';
import { displayPath } from '../../render/paths.js';
import type { CliContext } from '../context.js';
import { UsageError } from '../context.js';
import { RunError } from './errors.js';
import { readRunInfo, runPaths, type RunInfo } from './run-dir.js';
import { tokenizerFromJSON, type Tokenizer } from './tokenizer.js';

export interface OpenRun {
  info: RunInfo;
  tokenizer: Tokenizer;
  model: CompiledModel;
}

export async function openRun(ctx: CliContext, dirArg: string, backend: BackendName | undefined): Promise<OpenRun> {
  const dir = path.resolve(ctx.cwd, dirArg);
  const shown = displayPath(dir, ctx.cwd);
  const paths = runPaths(dir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`cannot read '${dirArg}': no such run directory`);
  if (!fs.existsSync(paths.run)) throw new RunError(`${shown} is not a tfmc train run directory (it has no run.json)`);
  let info: RunInfo;
  let tokenizer: Tokenizer;
  try {
    info = readRunInfo(dir);
    tokenizer = tokenizerFromJSON(JSON.parse(fs.readFileSync(paths.tokenizer, 'utf8')));
  } catch (e) {
    throw new RunError(`the run directory ${shown} is damaged: ${(e as Error).message}`);
  }
  if (!fs.existsSync(path.join(paths.checkpoint, 'manifest.json'))) {
    throw new RunError(`${shown} has no checkpoint yet: its training stopped before the first save`);
  }
  const { loadModel } = await import('../../api/compile.js');
  const model = await loadModel(paths.checkpoint, { backend, optimizer: false });
  ctx.err(`backend: ${model.backend}\n`);
  return { info, tokenizer, model };
}
