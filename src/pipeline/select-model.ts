/**
 * Which model of a checked file a command works on. One rule for every front door (`check`,
 * `summary`, `graph`, `compile`, `train`, `compile()` in the library):
 * - a name the file does not declare is the caller's mistake (the CLI makes it a usage error);
 * - a spec with errors yields no model;
 * - without a name, a file with exactly one model yields it, and several are ambiguous.
 */
import { didYouMean } from '../util/did-you-mean.js';
import type { ModelIR } from '../ir/types.js';
import type { CheckResult } from './check-result.js';

export type ModelChoice =
  | { ok: true; ir: ModelIR }
  | { ok: false; reason: 'unknown-model' | 'several-models' | 'no-model'; message: string }
  | { ok: false; reason: 'spec-errors' };

/**
 * `what` names the spec in messages (a display path, or "the spec" for text); `how` says how the
 * caller names a model (`--model` on the command line, the `model` option in the library).
 */
export function selectModel(result: CheckResult, name: string | undefined, what: string, how = '--model'): ModelChoice {
  const unknown = name !== undefined ? unknownModel(result, name, what) : undefined;
  if (unknown) return { ok: false, reason: 'unknown-model', message: unknown };
  if (result.diagnostics.some((d) => d.severity === 'error')) return { ok: false, reason: 'spec-errors' };
  const models = result.models;
  if (name !== undefined) {
    const ir = models.find((m) => m.name === name);
    // Declared and error-free, so it lowered; a missing IR would be a bug, reported as one.
    if (!ir) throw new Error(`model \`${name}\` of ${what} checked clean but has no IR`);
    return { ok: true, ir };
  }
  if (models.length === 1) return { ok: true, ir: models[0] };
  if (models.length === 0) return { ok: false, reason: 'no-model', message: `${what} declares no model` };
  return { ok: false, reason: 'several-models', message: `${what} has ${models.length} models (${modelList(result.declared)}); choose one with ${how}` };
}

/** The message for a `--model` the file does not declare, or undefined when it does (or the file could not be parsed). */
export function unknownModel(result: CheckResult, name: string, what: string): string | undefined {
  if (!result.found || result.declared.includes(name)) return undefined;
  // A file that does not parse declares what the parser recovered; do not guess from that.
  if (result.declared.length === 0 && result.diagnostics.some((d) => d.code.startsWith('TFM1'))) return undefined;
  const hint = didYouMean(name, result.declared);
  const list = result.declared.length ? `its models: ${modelList(result.declared)}` : 'it declares no model';
  return `${what} has no model named \`${name}\` (${hint ? `${hint} ` : ''}${list})`;
}

function modelList(names: readonly string[]): string {
  return names.map((n) => `\`${n}\``).join(', ');
}
