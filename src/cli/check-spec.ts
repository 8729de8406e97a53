/**
 * How a command checks the spec it was given: through the pipeline, for the one model of
 * `--model` when there is one, with a `--model` the file does not declare made a usage error
 * (exit 2) — the same rule for `check`, `summary`, `graph`, `compile` and `train`.
 */
import { displayPath } from '../render/paths.js';
import { checkFile, type CheckResult } from '../pipeline/check-spec.js';
import { unknownModel } from '../pipeline/select-model.js';
import { type CliContext, UsageError } from './context.js';

export function checkSpec(ctx: CliContext, file: string, abs: string, options: { model?: string; set?: Record<string, string> }): CheckResult {
  const result = checkFile(abs, { overrides: options.set ?? {}, model: options.model });
  const unknown = options.model !== undefined ? unknownModel(result, options.model, displayPath(file, ctx.cwd)) : undefined;
  if (unknown) throw new UsageError(unknown);
  return result;
}
