/**
 * Errors of the model API (training, checkpoints, generation; a spec that does not compile is
 * `TfmcCompileError` in src/api/). This module does not load
 * TensorFlow.js, so the package entry point can export the classes (for `instanceof`) without
 * making `tfmc check` pay for importing tfjs.
 *
 * Each error says what went wrong in one message a user can act on; none of them is a bug
 * report (those stay ordinary `Error`s with a stack trace).
 */

import type { KnownCode } from '../../diagnostics/diagnostic.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * An error caused by the user (a spec, data or a checkpoint), not by tfmc. Its message is meant
 * to be shown as it is; `util.inspect`/`console.log` show only `Name: message`, and the data it
 * carries is non-enumerable, so an uncaught one prints its message and stack, not a data dump.
 */
export class TfmcUserError extends Error {
  [INSPECT](): string {
    return `${this.name}: ${this.message}`;
  }

  /** Attaches data without making it enumerable. */
  protected hide<K extends string>(key: K, value: unknown): void {
    Object.defineProperty(this, key, { value, enumerable: false, writable: true, configurable: true });
  }
}

/**
 * Training produced a loss or a gradient that is NaN or infinite. Training stops; the model keeps
 * the last weights whose loss was finite (see `restored`).
 */
export class TrainingDivergedError extends TfmcUserError {
  /** What `fit` had done before the failure (set when the error comes out of `fit`; non-enumerable). */
  declare history?: unknown;

  /** @internal Called by `fit`. */
  attachHistory(history: unknown): void {
    this.hide('history', history);
  }

  constructor(
    /** The optimizer step that failed (1 = the first update). */
    readonly step: number,
    /** What was not finite, e.g. `loss \`nll\``, `the gradient norm`. */
    readonly what: string,
    /** The values of the step, by loss name (`NaN`, `Infinity` …), and `gradNorm` when computed. */
    readonly values: Record<string, number>,
    /** True when the weights were rolled back to the ones before the previous update. */
    readonly restored: boolean,
    /** The loss of the weights the model now holds, when it is known to be finite. */
    readonly lastGoodLoss: number | undefined,
    /** The step at which that loss was measured. */
    readonly lastGoodStep: number | undefined,
  ) {
    const vals = Object.entries(values)
      .map(([k, v]) => `${k} = ${v}`)
      .join(', ');
    const good = lastGoodLoss !== undefined ? ` (loss ${lastGoodLoss.toPrecision(5)} at step ${lastGoodStep})` : '';
    const kept = restored
      ? `the previous update was undone, so the model holds the last weights whose loss was finite${good}`
      : lastGoodLoss !== undefined
        ? `the update was not applied, so the model holds the last weights whose loss was finite${good}`
        : 'the update was not applied, and the weights the model holds give this loss';
    super(
      `training stopped at step ${step}: ${what} is not finite (${vals}); ${kept}. ` +
        'A lower learning rate, gradient clipping (clipNorm) or a warm-up schedule usually helps.',
    );
    this.name = 'TrainingDivergedError';
  }
}

/** A checkpoint directory could not be written or read: missing files, a bad checksum, an unknown format. */
export class CheckpointError extends TfmcUserError {
  constructor(
    /** The checkpoint directory. */
    readonly dir: string,
    message: string,
    /** The catalogue code of a damaged (`TFM6004`) or malformed (`TFM6005`) checkpoint, shown by the command line. */
    readonly code?: KnownCode,
  ) {
    super(`checkpoint ${dir}: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** A checkpoint's parameters do not fit the model they are loaded into. */
export class CheckpointMismatchError extends CheckpointError {
  constructor(
    dir: string,
    /** Parameters of the model that the checkpoint lacks. */
    readonly missing: string[],
    /** Parameters in the checkpoint that the model does not have. */
    readonly unexpected: string[],
    /** Parameters of both whose shapes differ. */
    readonly shapeMismatches: Array<{ name: string; model: number[]; checkpoint: number[] }>,
    /** The model names, when they differ (for the message). */
    models: { model: string; checkpoint: string },
  ) {
    const list = (names: string[]) => names.slice(0, 5).map((n) => `\`${n}\``).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
    const parts: string[] = [];
    if (missing.length) parts.push(`${missing.length} parameter${missing.length === 1 ? '' : 's'} of the model ${missing.length === 1 ? 'is' : 'are'} not in the checkpoint: ${list(missing)}`);
    if (unexpected.length) parts.push(`${unexpected.length} parameter${unexpected.length === 1 ? '' : 's'} in the checkpoint ${unexpected.length === 1 ? 'is' : 'are'} not in the model: ${list(unexpected)}`);
    if (shapeMismatches.length) {
      const shown = shapeMismatches
        .slice(0, 5)
        .map((m) => `\`${m.name}\` is [${m.model.join(', ')}] in the model but [${m.checkpoint.join(', ')}] in the checkpoint`)
        .join('; ');
      parts.push(`${shapeMismatches.length} shape${shapeMismatches.length === 1 ? ' differs' : 's differ'}: ${shown}${shapeMismatches.length > 5 ? ` and ${shapeMismatches.length - 5} more` : ''}`);
    }
    const who = models.model === models.checkpoint ? `model \`${models.model}\`` : `model \`${models.model}\` (the checkpoint holds \`${models.checkpoint}\`)`;
    super(dir, `its weights do not fit ${who}: ${parts.join('; ')}`);
    this.name = 'CheckpointMismatchError';
  }
}

/** `generate` was asked for something the model or the options cannot do (no logits output, a bad option, a prompt out of range). */
export class GenerationError extends TfmcUserError {
  constructor(message: string) {
    super(`generate: ${message}`);
    this.name = 'GenerationError';
  }
}
