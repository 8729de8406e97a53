/**
 * Where something came from in a spec. Its own module, below both the IR types (types.ts) and the
 * dimensions (dims.ts), which each carry one, so neither has to import the other for it.
 */
import type { Span } from '../diagnostics/spans.js';

export interface SourceRef {
  file: string;
  span: Span;
}
