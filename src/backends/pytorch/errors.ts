/** The IR uses something the PyTorch backend cannot express; the message says what. */
export class PytorchEmitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PytorchEmitError';
  }
}
