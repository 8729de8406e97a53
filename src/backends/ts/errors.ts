/** The IR uses something the TypeScript backend cannot write; the message says what. */
export class EmitError extends Error {
  override name = 'EmitError';
}
