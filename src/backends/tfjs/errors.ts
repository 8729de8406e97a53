/**
 * Errors a compiled model raises at run time. They are typed so the CLI and the library API can
 * print one clear line instead of a stack trace.
 */

/** Bad data given to a model: a missing input, the wrong rank/dtype/size, an id out of range. */
export class ModelInputError extends Error {
  constructor(
    /** The model input at fault. */
    readonly input: string,
    /** What the model expects, e.g. `int32 [batch, seq] with seq <= 64`. */
    readonly expected: string,
    /** What it got, e.g. `float32 [2, 70]`. */
    readonly got: string,
    detail?: string,
  ) {
    super(`input \`${input}\`: ${detail ?? `expected ${expected}, got ${got}`}`);
    this.name = 'ModelInputError';
  }
}

/** A value computed at run time contradicts the model (a sequence longer than a table, a mask of the wrong size). */
export class ModelRuntimeError extends Error {
  constructor(
    message: string,
    /** The module path of the node that failed (`blocks.0.self_attn`), '' at model level. */
    readonly module: string,
    /** The IR op that failed. */
    readonly op: string,
  ) {
    super(module ? `${module} (${op}): ${message}` : `${op}: ${message}`);
    this.name = 'ModelRuntimeError';
  }
}
