/**
 * The error of `compile(spec)` and `loadModel(dir)` when the spec does not compile. It does not
 * load TensorFlow.js, so the package entry point can export it for `instanceof` checks cheaply.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { renderHuman } from '../render/human.js';
import { TfmcUserError } from '../backends/tfjs/api-errors.js';

/**
 * The spec could not be compiled: it has errors (the diagnostics are attached, rendered in the
 * message as `tfmc check` prints them), it could not be read, or it has no model of that name.
 */
export class TfmcCompileError extends TfmcUserError {
  /** Every diagnostic of the check, errors and warnings, sorted by position. */
  declare readonly diagnostics: Diagnostic[];
  /** The files read (absolute path → text), for rendering the diagnostics elsewhere. */
  declare readonly sources: ReadonlyMap<string, string>;

  constructor(diagnostics: Diagnostic[], sources: ReadonlyMap<string, string>, message?: string) {
    super(message ?? renderErrors(diagnostics, sources));
    this.name = 'TfmcCompileError';
    this.hide('diagnostics', diagnostics);
    this.hide('sources', sources);
  }

  /** Only the errors (the diagnostics that stopped compilation). Not called `errors`: Node prints an error's `errors` as if it were an AggregateError. */
  get errorDiagnostics(): Diagnostic[] {
    return this.diagnostics.filter((d) => d.severity === 'error');
  }
}

function renderErrors(diagnostics: Diagnostic[], sources: ReadonlyMap<string, string>): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  return renderHuman(errors, sources, { color: false, cwd: process.cwd() }).trimEnd();
}
