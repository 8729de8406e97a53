/**
 * How the training commands report a failed run: user mistakes (bad data, a spec with errors, an
 * incompatible checkpoint, a diverging run) are one paragraph on stderr and exit code 1; anything
 * else is left to `main`, which reports it as an internal error.
 */
import pc from 'picocolors';
import { renderHuman } from '../../render/human.js';
import { TfmcCompileError } from '../../api/compile-error.js';
import { TfmcUserError } from '../../backends/tfjs/api-errors.js';
import { ModelInputError } from '../../backends/tfjs/errors.js';
import type { CliContext } from '../context.js';
import { TfmcFileError, tfmcCodeOf } from '../../diagnostics/file-error.js';
import { DataError } from './data.js';
import { TrainingMemoryError } from './memory-fit.js';
import { TaskError } from './task.js';

/** A run that cannot go on, for a reason the user can fix; the message is shown as it is. */
export class RunError extends Error {
  override name = 'RunError';
}

/** Prints a user-facing failure and returns exit code 1, or returns undefined for anything else. */
export function reportRunFailure(ctx: CliContext, err: unknown): number | undefined {
  const red = (s: string) => (ctx.colorErr ? pc.bold(pc.red(s)) : s);
  if (err instanceof TfmcCompileError && err.errorDiagnostics.length > 0 && !/^the spec stored in/.test(err.message)) {
    ctx.err(renderHuman(err.errorDiagnostics, err.sources, { color: ctx.colorErr, cwd: ctx.cwd, summary: true }));
    ctx.err('no training started: fix the errors above (tfmc check shows them too)\n');
    return 1;
  }
  const known =
    err instanceof RunError ||
    err instanceof DataError ||
    err instanceof TaskError ||
    err instanceof TfmcUserError ||
    err instanceof ModelInputError ||
    err instanceof TfmcFileError ||
    err instanceof TrainingMemoryError ||
    (err instanceof Error && err.name === 'BackendUnavailableError');
  if (!known) return undefined;
  const code = tfmcCodeOf(err);
  ctx.err(`${red(code ? `error[${code}]:` : 'error:')} ${(err as Error).message}\n`);
  return 1;
}
