/**
 * AST construction for the parser's actions: spans of tokens, literals, comments, and precedence
 * climbing over the flat operator sequences the grammar reads.
 *
 * After error recovery any piece may be missing or a virtual (inserted) token. The rule: a missing
 * name becomes an `Ident` with name `""`, a missing expression an `ErrorExpr`, an empty statement
 * an `ErrorStmt`, each with an empty span just after the last token that was there, so later
 * phases can keep going (and stay quiet) without null checks.
 */
import type { IToken } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../check/diagnostics.js';
import type * as A from './ast.js';
import { BINARY_PRECEDENCE, COMPARISON_PRECEDENCE } from './ast.js';
import { unescapeString } from './lexer.js';
import { spanCover, type LineIndex, type Span } from './spans.js';
import { BadNumber, Float, Int, SingleQuotedString, UnterminatedString } from './tokens.js';

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
export function tokensSpan(first: IToken, last: IToken): Span {
  return {
    start: { offset: first.startOffset, line: first.startLine!, column: first.startColumn! },
    end: { offset: last.endOffset! + 1, line: last.endLine!, column: last.endColumn! + 1 },
  };
}

export function errorExpr(span: Span): A.ErrorExpr {
  return { kind: 'ErrorExpr', span };
}

/** A name, or the empty placeholder `Ident` at `at` when recovery left none. */
export function ident(t: Tok, at: number, lines: LineIndex): A.Ident {
  return isReal(t) ? { kind: 'Ident', name: t.image, span: tokSpan(t) } : { kind: 'Ident', name: '', span: lines.span(at, at) };
}

/** A literal token. One the lexer already rejected (malformed number, unterminated string) is an ErrorExpr. */
export function literal(t: IToken): A.Expr {
  const span = tokSpan(t);
  const tt = t.tokenType;
  if (tt === BadNumber || tt === UnterminatedString || tt === SingleQuotedString) return errorExpr(span);
  if (tt === Int) return { kind: 'IntLit', value: numberValue(t.image), text: t.image, span };
  if (tt === Float) return { kind: 'FloatLit', value: numberValue(t.image), text: t.image, span };
  return { kind: 'StringLit', value: unescapeString(t.image).value, text: t.image, span };
}

function numberValue(image: string): number {
  return Number(image.includes('_') ? image.replace(/_/g, '') : image);
}

/** The path of an import: a string's value (a single-quoted one, already reported, without its quotes). */
export function importPath(t: IToken): A.StringLit {
  const value = t.tokenType === SingleQuotedString ? t.image.replace(/^'|'$/g, '') : unescapeString(t.image).value;
  return { kind: 'StringLit', value, text: t.image, span: tokSpan(t) };
}

/** Comment tokens (which may span lines, hence `LineIndex`) as AST comments. */
export function buildComments(comments: IToken[], lines: LineIndex): A.Comment[] {
  return comments.map((c) => ({
    kind: 'Comment',
    text: c.image,
    span: lines.span(c.startOffset, c.startOffset + c.image.length),
  }));
}

export function chainedComparison(file: string, first: IToken, second: IToken): Diagnostic {
  return diagnostic('TFM1004', 'comparison operators cannot be chained', { file, span: tokSpan(second) }, {
    secondary: [{ file, span: tokSpan(first), message: 'after this comparison' }],
    help: { message: 'combine comparisons with `&&`, e.g. `a < b && b < c`' },
  });
}

// ── precedence ──

/** One operand of a flat operator sequence, `{ prefix } primary { suffix }`, as the parser read it. */
export interface Operand {
  /** The primary with its suffixes applied; the prefixes are applied by the climber. */
  expr: A.Expr;
  /** The operand's extent without prefixes, parentheses included (binary spans are built from these). */
  outer: Span;
  /** Its prefix operators (`-`, `!`), if any. */
  prefixes: IToken[] | undefined;
}

type Located = { expr: A.Expr; outer: Span };

// Binary operators by precedence (`BINARY_PRECEDENCE`); `^` never reaches here: it is handled with its operand.
const PRECEDENCE: Readonly<Record<string, number>> = BINARY_PRECEDENCE;
const COMPARISON = COMPARISON_PRECEDENCE;

/**
 * Precedence climbing over a flat `operand { op operand }` sequence. Unary prefixes bind looser
 * than `^` and tighter than everything else; `^` is right-associative; comparisons do not chain.
 * A chained comparison is reported through `report`, with the number of operands built before it.
 */
export class Climber {
  private i = 0; // next operator
  private k = 0; // next operand

  constructor(
    private readonly operands: Operand[],
    private readonly ops: IToken[],
    private readonly report: (first: IToken, second: IToken, operandsBefore: number) => void,
  ) {}

  run(): A.Expr {
    return this.binary(1).expr;
  }

  private binary(minPrec: number): Located {
    let left = this.unary();
    let comparedAt: IToken | undefined; // the comparison `left` ends with, if any
    let reported = false; // one error per chain
    while (this.i < this.ops.length) {
      const op = this.ops[this.i];
      const prec = PRECEDENCE[op.image];
      if (prec === undefined || prec < minPrec) break;
      this.i++;
      const right = this.binary(prec + 1);
      const outer = spanCover(left.outer, right.outer);
      if (prec === COMPARISON && comparedAt) {
        if (!reported) this.report(comparedAt, op, this.k);
        reported = true;
        left = { expr: errorExpr(outer), outer };
        continue;
      }
      comparedAt = prec === COMPARISON ? op : undefined;
      left = {
        expr: { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left: left.expr, right: right.expr, opSpan: tokSpan(op), span: outer },
        outer,
      };
    }
    return left;
  }

  /** `{ prefix } operand [ "^" unary ]`, prefixes applied outside the power. */
  private unary(): Located {
    const operand = this.operands[this.k++];
    let result: Located = { expr: operand.expr, outer: operand.outer };
    const caret = this.ops[this.i];
    if (caret?.image === '^') {
      this.i++;
      const right = this.unary();
      const outer = spanCover(result.outer, right.outer);
      result = {
        expr: { kind: 'BinaryExpr', op: '^', left: result.expr, right: right.expr, opSpan: tokSpan(caret), span: outer },
        outer,
      };
    }
    const prefixes = operand.prefixes;
    if (prefixes) {
      for (let p = prefixes.length - 1; p >= 0; p--) {
        const outer = spanCover(tokSpan(prefixes[p]), result.outer);
        result = { expr: { kind: 'UnaryExpr', op: prefixes[p].image as A.UnaryOp, operand: result.expr, span: outer }, outer };
      }
    }
    return result;
  }
}
