/** The error of a weights file that cannot be read or does not fit a model. */
import { TfmcUserError } from '../backends/tfjs/api-errors.js';
import type { KnownCode } from '../diagnostics/diagnostic.js';

/** A safetensors file that cannot be read, or whose tensors do not fit the model; the message lists every difference. */
export class WeightsFileError extends TfmcUserError {
  constructor(
    readonly file: string,
    message: string,
    /** One line per difference (missing, unexpected, shape, dtype), empty for format errors. */
    readonly differences: string[] = [],
    /** The catalogue code of a malformed file (`TFM6005`) or a non-finite weight (`TFM6006`), shown by the command line. */
    readonly code?: KnownCode,
  ) {
    super(`${file}: ${message}`);
    this.name = 'WeightsFileError';
  }
}
