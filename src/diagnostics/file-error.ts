/**
 * A refusal about files rather than about a spec: an output that would replace something the
 * user did not ask to replace, a weight file that is damaged or crafted, a run directory another
 * process holds. It carries a `TFM6xxx` code from the catalogue but no source span (there is no
 * spec line to point at); the command line prints it as `error[TFM6001]: ...` and exits 1.
 */
import type { KnownCode } from './diagnostic.js';

export class TfmcFileError extends Error {
  override name = 'TfmcFileError';

  constructor(
    readonly code: KnownCode,
    message: string,
  ) {
    super(message);
  }
}

/** The catalogue code an error carries (a `TfmcFileError`, or a user error given one), if any; Node's `EACCES`-style codes are not ours. */
export function tfmcCodeOf(err: unknown): KnownCode | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^TFM\d{4}$/.test(code) ? (code as KnownCode) : undefined;
}
