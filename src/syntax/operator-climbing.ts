/**
 * Operator precedence for the expressions the parser reads flat, `operand { op operand }`: the
 * parser collects the operands and operators, and `climb` turns them into a tree
 * (grammar/README.md has the precedence table). A rule per precedence level would cost a dozen
 * nested rule calls for every name or number in the file.
 */
import type { IToken } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from './ast.js';
import { BINARY_PRECEDENCE, COMPARISON_PRECEDENCE } from './ast.js';
import { errorExpr } from './build-ast.js';
import { spanCover, type Span } from '../diagnostics/spans.js';
import { tokSpan } from './token-spans.js';

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

/** The operators and operands after the first of an operator sequence (see `TfmParser.seq`). */
export interface Sequence {
  ops: IToken[];
  rest: Operand[];
  /** `late.length` after each operand, for placing chained-comparison errors among nested ones. */
  lateMarks: number[];
}

/**
 * Applies precedence to an operator sequence (most are one operand without prefixes). Chained
 * comparisons are reported into `late`, whose entries from `lateMark` on came from the operands.
 */
export function climb(
  first: A.Expr,
  firstOuter: Span,
  firstPrefixes: IToken[] | undefined,
  seq: Sequence | undefined,
  file: string,
  late: Diagnostic[],
  lateMark: number,
): A.Expr {
  if (seq === undefined && firstPrefixes === undefined) return first;
  const operands: Operand[] = [{ expr: first, outer: firstOuter, prefixes: firstPrefixes }];
  if (seq) operands.push(...seq.rest);
  let reports: { operandsBefore: number; diagnostic: Diagnostic }[] | undefined;
  const report = (a: IToken, b: IToken, operandsBefore: number) =>
    (reports ??= []).push({ operandsBefore, diagnostic: chainedComparison(file, a, b) });
  const expr = new Climber(operands, seq?.ops ?? [], report).run();
  if (reports) {
    // Errors in source order: each after those nested in the operands read before it.
    const marks = [lateMark, ...(seq?.lateMarks ?? [late.length])];
    const merged: Diagnostic[] = [];
    for (let k = 0; k < operands.length; k++) {
      merged.push(...late.slice(marks[k], marks[k + 1]));
      for (const r of reports) if (r.operandsBefore === k + 1) merged.push(r.diagnostic);
    }
    late.splice(lateMark, late.length - lateMark, ...merged);
  }
  return expr;
}

function chainedComparison(file: string, first: IToken, second: IToken): Diagnostic {
  return diagnostic('TFM1004', 'comparison operators cannot be chained', { file, span: tokSpan(second) }, {
    secondary: [{ file, span: tokSpan(first), message: 'after this comparison' }],
    help: { message: 'combine comparisons with `&&`, e.g. `a < b && b < c`' },
  });
}

// Binary operators by precedence (`BINARY_PRECEDENCE`); `^` never reaches here: it is handled with its operand.
const PRECEDENCE: Readonly<Record<string, number>> = BINARY_PRECEDENCE;
const COMPARISON = COMPARISON_PRECEDENCE;

/**
 * Precedence climbing over a flat `operand { op operand }` sequence. Unary prefixes bind looser
 * than `^` and tighter than everything else; `^` is right-associative; comparisons do not chain.
 * A chained comparison is reported through `report`, with the number of operands built before it.
 */
class Climber {
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
