/**
 * Spans from tokens: of one token, of a run of tokens, and of the tokens a parser rule consumed.
 *
 * A node's span is the extent of the tokens its rule consumed: rules note the token index at their
 * start (`entry`), and the span runs from the first to the last token consumed since, leaving out
 * tokens recovery skipped and tokens it inserted (which are not in the input).
 */
import type { IToken } from 'chevrotain';
import type * as A from './ast.js';
import { LineIndex, type Span } from '../diagnostics/spans.js';
import { LParen } from './tokens.js';

export type Tok = IToken | undefined;

/** Whether a token came from the source (not inserted by recovery). */
export const isReal = (t: Tok): t is IToken => t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);

/** End offset (exclusive) of a real token, or -1 (so that `Math.max(at, tokEnd(t))` ignores it). */
export function tokEnd(t: Tok): number {
  return isReal(t) ? t.startOffset + t.image.length : -1;
}

/**
 * Span of a token from the lexer's own line/column bookkeeping (cheaper than a LineIndex lookup).
 * Valid because every parser token lies on one line; comments use `LineIndex`.
 */
export function tokSpan(t: IToken): Span {
  const line = t.startLine!;
  const column = t.startColumn!;
  const length = t.image.length;
  return {
    start: { offset: t.startOffset, line, column },
    end: { offset: t.startOffset + length, line, column: column + length },
  };
}

/** The span from the start of token `first` to the end of token `last`. */
function tokensSpan(first: IToken, last: IToken): Span {
  return {
    start: { offset: first.startOffset, line: first.startLine!, column: first.startColumn! },
    end: { offset: last.endOffset! + 1, line: last.endLine!, column: last.endColumn! + 1 },
  };
}

/** What `RuleSpans` reads of the parser (`RecoveringParser` has it all). */
export interface TokenProgress {
  readonly RECORDING_PHASE: boolean;
  /** Index of the last consumed token (-1 before the first). */
  readonly currIdx: number;
  readonly tokVector: IToken[];
  /** `skipped[i]` is 1 when recovery skipped token `i`. */
  readonly skipped: Uint8Array | undefined;
}

/**
 * The spans of what the parser consumed between two token indices: a rule's tokens run from just
 * after its `entry` index to the current one, `exit`.
 */
export class RuleSpans {
  /** The file being parsed (set by the parser's `begin`). */
  lines = new LineIndex('');

  constructor(private readonly parser: TokenProgress) {}

  /** Index of the first token consumed in `(entry, exit]` (recovery skips some), or -1. */
  firstIn(entry: number, exit: number): number {
    let i = entry + 1;
    const skipped = this.parser.skipped;
    if (skipped !== undefined) while (i <= exit && skipped[i] === 1) i++;
    return i <= exit ? i : -1;
  }

  /** Index of the last token consumed in `(entry, exit]`, or -1. */
  private lastIn(entry: number, exit: number): number {
    let i = exit;
    const skipped = this.parser.skipped;
    if (skipped !== undefined) while (i > entry && skipped[i] === 1) i--;
    return i > entry ? i : -1;
  }

  /** The extent of the tokens consumed in `(entry, exit]`, or an empty span at `at` if none. */
  spanOf(entry: number, exit: number, at: number): Span {
    const first = this.firstIn(entry, exit);
    if (first < 0) return this.empty(at);
    const tokens = this.parser.tokVector;
    return tokensSpan(tokens[first], tokens[this.lastIn(entry, exit)]);
  }

  /** Start offset of the first token consumed in `(entry, exit]`, or 0. */
  private startOf(entry: number, exit: number): number {
    const first = this.firstIn(entry, exit);
    return first < 0 ? 0 : this.parser.tokVector[first].startOffset;
  }

  /** End offset of the last token consumed in `(entry, exit]`, or -1. */
  private endOf(entry: number, exit: number): number {
    const last = this.lastIn(entry, exit);
    return last < 0 ? -1 : this.parser.tokVector[last].endOffset! + 1;
  }

  /** The node's start so far: where a rule's placeholders go when nothing real precedes them. */
  startHere(entry: number): number {
    return this.startOf(entry, this.parser.currIdx);
  }

  /** End offset of a sub-rule's tokens, -1 if it consumed none or never ran (`entry` -1). */
  nodeEnd(entry: number, exit: number): number {
    return entry < 0 ? -1 : this.endOf(entry, exit);
  }

  empty(at: number): Span {
    return this.lines.span(at, at);
  }

  /** Whether `node`'s span is the extent of the tokens consumed since `entry` (so the span can be shared). */
  sameExtent(node: A.Expr | undefined, entry: number): boolean {
    if (node === undefined) return false;
    const exit = this.parser.currIdx;
    const first = this.firstIn(entry, exit);
    if (first < 0) return false;
    const span = node.span;
    const tokens = this.parser.tokVector;
    return span.start.offset === tokens[first].startOffset && span.end.offset === tokens[this.lastIn(entry, exit)].endOffset! + 1;
  }

  /**
   * The extent of a primary read after `primEntry`: its node's span, except that a parenthesised
   * expression's own span leaves out the parentheses.
   */
  primaryOuter(expr: A.Expr, primEntry: number, at: number): Span {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const exit = this.parser.currIdx;
    const first = this.firstIn(primEntry, exit);
    if (first >= 0 && this.parser.tokVector[first].tokenType !== LParen) return expr.span;
    return this.spanOf(primEntry, exit, at);
  }
}
