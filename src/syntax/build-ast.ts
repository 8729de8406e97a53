/**
 * CST → AST, by a direct walk over chevrotain's CST.
 *
 * After error recovery any child may be missing or a virtual (inserted) token. The rule here:
 * a missing name becomes an `Ident` with name `""`, a missing expression an `ErrorExpr`, an
 * empty statement an `ErrorStmt`, each with an empty span just after the last token that was
 * there, so later phases can keep going (and stay quiet) without null checks.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../check/diagnostics.js';
import type * as A from './ast.js';
import { BadNumber, Float, Int, Kw, SingleQuotedString, UnterminatedString, unescapeString } from './lexer.js';
import { spanCover, type LineIndex, type Span } from './spans.js';

type Tok = IToken | undefined;

const isToken = (e: CstElement | undefined): e is IToken => e !== undefined && 'image' in e;
const isNode = (e: CstElement | undefined): e is CstNode => e !== undefined && 'children' in e;
const isReal = (t: Tok): t is IToken => t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);

// A CST key holds only tokens (a token type or its label) or only nodes (a rule name or label),
// so the plural accessors can return chevrotain's arrays as they are.
const NONE: never[] = [];

function tok(n: CstNode, key: string, i = 0): Tok {
  const e = n.children[key]?.[i];
  return isToken(e) ? e : undefined;
}
function toks(n: CstNode, key: string): IToken[] {
  return (n.children[key] as IToken[] | undefined) ?? NONE;
}
function sub(n: CstNode | undefined, key: string, i = 0): CstNode | undefined {
  const e = n?.children[key]?.[i];
  return isNode(e) ? e : undefined;
}
function subs(n: CstNode, key: string): CstNode[] {
  return (n.children[key] as CstNode[] | undefined) ?? NONE;
}

/** End offset (exclusive) of a real token or located node, if it has one. */
function endOf(e: CstElement | undefined): number | undefined {
  if (isToken(e)) return isReal(e) ? e.startOffset + e.image.length : undefined;
  const end = e?.location?.endOffset;
  return end !== undefined && Number.isFinite(end) ? end + 1 : undefined;
}

export interface BuildContext {
  lines: LineIndex;
  file: string;
  /** Receives the few syntax errors only visible in the tree (chained comparisons). */
  diagnostics: Diagnostic[];
  /**
   * Offsets of tokens a parser error was reported at, mid-line. A statement starting there is
   * an artefact of recovery (`f(a b)` re-syncs at `b` and reads `b ...` as a new statement), so
   * it becomes an ErrorStmt: the checker must not see a made-up assignment to `b`.
   */
  suspectStarts: ReadonlySet<number>;
}

export function buildAst(cst: CstNode, comments: IToken[], text: string, ctx: BuildContext): A.SourceFile {
  const b = new Builder(ctx);
  const items: A.Item[] = [];
  for (const item of subs(cst, 'item')) {
    const built = b.item(item);
    if (built) items.push(built);
  }
  return {
    kind: 'SourceFile',
    items,
    comments: buildComments(comments, ctx.lines),
    span: ctx.lines.span(0, text.length),
  };
}

/** Comment tokens (which may span lines, hence `LineIndex`) as AST comments. */
export function buildComments(comments: IToken[], lines: LineIndex): A.Comment[] {
  return comments.map((c) => ({
    kind: 'Comment',
    text: c.image,
    span: lines.span(c.startOffset, c.startOffset + c.image.length),
  }));
}

class Builder {
  constructor(private readonly ctx: BuildContext) {}

  // ── spans ──

  /**
   * Span of a token from the lexer's own line/column bookkeeping (cheaper than a LineIndex
   * lookup). Valid because every parser token lies on one line; comments use `LineIndex`.
   */
  tokSpan(t: IToken): Span {
    const line = t.startLine!;
    const column = t.startColumn!;
    const length = t.image.length;
    return {
      start: { offset: t.startOffset, line, column },
      end: { offset: t.startOffset + length, line, column: column + length },
    };
  }

  private empty(at: number): Span {
    return this.ctx.lines.span(at, at);
  }

  /** The node's own extent, or an empty span at `at` if recovery left it without real tokens. */
  nodeSpan(n: CstNode | undefined, at: number): Span {
    const loc = n?.location;
    if (loc && Number.isFinite(loc.startOffset) && loc.endOffset !== undefined && Number.isFinite(loc.endOffset)) {
      return {
        start: { offset: loc.startOffset, line: loc.startLine!, column: loc.startColumn! },
        end: { offset: loc.endOffset + 1, line: loc.endLine!, column: loc.endColumn! + 1 },
      };
    }
    return this.empty(at);
  }

  /** Where a missing piece should have been: just after the last of `before` that exists. */
  private after(at: number, ...before: (CstElement | undefined)[]): number {
    let best = at;
    for (const e of before) best = Math.max(best, endOf(e) ?? best);
    return best;
  }

  private start(n: CstNode): number {
    const s = n.location?.startOffset;
    return s !== undefined && Number.isFinite(s) ? s : 0;
  }

  private ident(t: Tok, at: number): A.Ident {
    return isReal(t)
      ? { kind: 'Ident', name: t.image, span: this.tokSpan(t) }
      : { kind: 'Ident', name: '', span: this.empty(at) };
  }

  error(span: Span): A.ErrorExpr {
    return { kind: 'ErrorExpr', span };
  }

  // ── items ──

  item(n: CstNode): A.Item | undefined {
    const imp = sub(n, 'importDecl');
    if (imp) return this.importDecl(imp);
    const block = sub(n, 'blockDecl');
    if (block) return this.blockDecl(block);
    const model = sub(n, 'modelDecl');
    if (model) return this.modelDecl(model);
    return undefined;
  }

  /** An import whose path is missing is dropped: there is nothing to resolve. */
  private importDecl(n: CstNode): A.ImportDecl | undefined {
    const path = tok(n, 'StringLiteral');
    if (!isReal(path)) return undefined;
    const value = path.tokenType === SingleQuotedString ? path.image.replace(/^'|'$/g, '') : unescapeString(path.image).value;
    return {
      kind: 'ImportDecl',
      path: { kind: 'StringLit', value, text: path.image, span: this.tokSpan(path) },
      span: this.nodeSpan(n, this.start(n)),
    };
  }

  private blockDecl(n: CstNode): A.BlockDecl {
    const at = this.start(n);
    const kw = tok(n, 'KwBlock');
    const name = tok(n, 'Identifier');
    const list = sub(n, 'paramList');
    return {
      kind: 'BlockDecl',
      name: this.ident(name, this.after(at, kw)),
      params: list ? subs(list, 'param').map((p) => this.param(p)) : [],
      body: this.body(sub(n, 'body')),
      span: this.nodeSpan(n, at),
    };
  }

  private param(n: CstNode): A.ParamDecl {
    const at = this.start(n);
    const name = tok(n, 'Identifier');
    const colon = tok(n, 'Colon');
    const eq = tok(n, 'Eq');
    const param: A.ParamDecl = { kind: 'ParamDecl', name: this.ident(name, at), span: this.nodeSpan(n, at) };
    if (colon) param.type = this.valueType(sub(n, 'valueType'), this.after(at, name, colon));
    if (eq) param.default = this.expr(sub(n, 'expr'), this.after(at, name, colon, sub(n, 'valueType'), eq));
    return param;
  }

  private valueType(n: CstNode | undefined, at: number): A.ValueType {
    const en = sub(n, 'enumType');
    if (en) {
      const start = this.start(en);
      return {
        kind: 'EnumType',
        members: toks(en, 'Identifier').map((t) => this.ident(t, this.after(start, tok(en, 'LParen')))),
        span: this.nodeSpan(en, start),
      };
    }
    const name = this.ident(n && tok(n, 'Identifier'), at);
    return { kind: 'NamedType', name, span: name.span };
  }

  private modelDecl(n: CstNode): A.ModelDecl {
    const at = this.start(n);
    const kw = tok(n, 'KwModel');
    const name = tok(n, 'name');
    const ext = tok(n, 'KwExtends');
    const model: A.ModelDecl = {
      kind: 'ModelDecl',
      name: this.ident(name, this.after(at, kw)),
      body: this.body(sub(n, 'body')),
      span: this.nodeSpan(n, at),
    };
    if (ext) model.base = this.ident(tok(n, 'base'), this.after(at, ext));
    return model;
  }

  // ── statements ──

  private body(n: CstNode | undefined): A.Stmt[] {
    return n ? subs(n, 'stmt').map((s) => this.stmt(s)) : [];
  }

  private stmt(n: CstNode): A.Stmt {
    const at = this.start(n);
    let inner: CstNode | undefined;
    for (const key in n.children) {
      const first = n.children[key][0];
      if (isNode(first)) inner = first;
    }
    if (!inner) return { kind: 'ErrorStmt', span: this.nodeSpan(n, at) };
    const span = this.nodeSpan(inner, at);
    if (this.ctx.suspectStarts.has(span.start.offset)) return { kind: 'ErrorStmt', span };
    switch (inner.name) {
      case 'configBlock':
        return { kind: 'ConfigBlock', entries: subs(inner, 'configEntry').map((e) => this.configEntry(e)), span };
      case 'inputDecl':
        return this.inputDecl(inner, span);
      case 'letStmt':
        return this.binding(inner, span, 'KwLet', (name, value) => ({ kind: 'LetStmt', name, value, span }));
      case 'assignStmt':
        return this.binding(inner, span, undefined, (name, value) => ({ kind: 'AssignStmt', name, value, span }));
      case 'lossStmt':
        return this.binding(inner, span, 'KwLoss', (name, value) => ({ kind: 'LossStmt', name, value, span }));
      case 'declStmt': {
        const keyword = tok(inner, 'KwMemory') ? 'memory' : 'mask';
        const kwKey = keyword === 'mask' ? 'KwMask' : 'KwMemory';
        return this.binding(inner, span, kwKey, (name, value) => ({ kind: 'MaskStmt', keyword, name, value, span }));
      }
      case 'outStmt':
        return this.outStmt(inner, span);
      case 'expectStmt': {
        const kw = tok(inner, 'KwExpect');
        return { kind: 'ExpectStmt', condition: this.expr(sub(inner, 'expr'), this.after(at, kw)), span };
      }
      case 'ifStmt':
        return this.ifStmt(inner);
    }
    return { kind: 'ErrorStmt', span };
  }

  /** `kw NAME = expr` statements. With neither name nor value left, the statement is an ErrorStmt. */
  private binding(
    n: CstNode,
    span: Span,
    kwKey: string | undefined,
    make: (name: A.Ident, value: A.Expr) => A.Stmt,
  ): A.Stmt {
    const at = this.start(n);
    const kw = kwKey ? tok(n, kwKey) : undefined;
    const nameTok = tok(n, 'Identifier');
    const eq = tok(n, 'Eq');
    const valueNode = sub(n, 'expr');
    if (!isReal(nameTok) && !isReal(eq) && endOf(valueNode) === undefined) return { kind: 'ErrorStmt', span };
    const name = this.ident(nameTok, this.after(at, kw));
    return make(name, this.expr(valueNode, this.after(at, kw, nameTok, eq)));
  }

  private configEntry(n: CstNode): A.ConfigEntry {
    const at = this.start(n);
    const name = tok(n, 'Identifier');
    const colon = tok(n, 'Colon');
    const typeNode = sub(n, 'valueType');
    const eq = tok(n, 'Eq');
    const entry: A.ConfigEntry = {
      kind: 'ConfigEntry',
      name: this.ident(name, at),
      value: this.expr(sub(n, 'expr'), this.after(at, name, colon, typeNode, eq)),
      span: this.entrySpan(n, at),
    };
    if (colon) entry.type = this.valueType(typeNode, this.after(at, name, colon));
    return entry;
  }

  /** A config entry's span stops at its value: a trailing `,` or `;` is punctuation, not part of it. */
  private entrySpan(n: CstNode, at: number): Span {
    const whole = this.nodeSpan(n, at);
    const end = endOf(sub(n, 'expr')) ?? endOf(tok(n, 'Eq'));
    return end !== undefined && end > whole.start.offset ? this.ctx.lines.span(whole.start.offset, end) : whole;
  }

  private inputDecl(n: CstNode, span: Span): A.InputDecl {
    const at = this.start(n);
    const kw = tok(n, 'KwInput') ?? tok(n, 'KwIn');
    const name = tok(n, 'Identifier');
    const colon = tok(n, 'Colon');
    const where = tok(n, 'KwWhere');
    const commas = toks(n, 'Comma');
    return {
      kind: 'InputDecl',
      keyword: tok(n, 'KwInput') ? 'input' : 'in',
      name: this.ident(name, this.after(at, kw)),
      type: this.tensorType(sub(n, 'tensorType'), this.after(at, kw, name, colon)),
      optional: isReal(tok(n, 'Question')),
      constraints: subs(n, 'expr').map((e, i) => this.expr(e, this.after(at, i === 0 ? where : commas[i - 1]))),
      span,
    };
  }

  private tensorType(n: CstNode | undefined, at: number): A.TensorType {
    if (!n) return { kind: 'TensorType', dtype: this.ident(undefined, at), dims: [], span: this.empty(at) };
    const start = this.start(n);
    const dtype = tok(n, 'Identifier') ?? tok(n, 'KwMask');
    const open = tok(n, 'LBracket');
    const commas = toks(n, 'Comma');
    return {
      kind: 'TensorType',
      dtype: this.ident(dtype, at),
      dims: subs(n, 'expr').map((e, i) => this.expr(e, this.after(start, i === 0 ? open : commas[i - 1]))),
      span: this.nodeSpan(n, at),
    };
  }

  private outStmt(n: CstNode, span: Span): A.OutStmt {
    const at = this.start(n);
    const isOutput = tok(n, 'KwOutput') !== undefined;
    const kw = tok(n, isOutput ? 'KwOutput' : 'KwOut');
    const name = tok(n, 'Identifier');
    const eq = tok(n, 'Eq');
    const stmt: A.OutStmt = {
      kind: 'OutStmt',
      keyword: isOutput ? 'output' : 'out',
      value: this.expr(sub(n, 'expr'), this.after(at, kw, name, eq)),
      span,
    };
    if (isOutput || name) stmt.name = this.ident(name, this.after(at, kw));
    return stmt;
  }

  private ifStmt(n: CstNode): A.IfStmt {
    const at = this.start(n);
    const stmt: A.IfStmt = {
      kind: 'IfStmt',
      condition: this.expr(sub(n, 'expr'), this.after(at, tok(n, 'KwIf'))),
      then: this.body(sub(n, 'then')),
      span: this.nodeSpan(n, at),
    };
    if (tok(n, 'KwElse')) {
      const elseIf = sub(n, 'elseIf');
      stmt.else = elseIf ? [this.ifStmt(elseIf)] : this.body(sub(n, 'else'));
    }
    return stmt;
  }

  // ── expressions ──

  /** `expr` node → Expr; an absent or empty node is an ErrorExpr at `at`. */
  private expr(n: CstNode | undefined, at: number): A.Expr {
    if (!n) return this.error(this.empty(at));
    const operands = subs(n, 'operand');
    const ops = toks(n, n.name === 'arithExpr' ? 'ArithOp' : 'BinaryOp');
    // Most expressions are one operand without prefixes: skip the climber.
    if (ops.length === 0 && operands.length === 1 && !operands[0].children.UnaryOp) {
      return this.operandCore(operands[0], at).expr;
    }
    return new Climber(this, operands, ops, at).run();
  }

  /**
   * One operand: `{ prefix } primary { suffix }`, without the prefixes (the Climber applies them,
   * since `^` binds tighter: `-x ^ 2` is `-(x ^ 2)`). `outer` includes parentheses.
   */
  operandCore(n: CstNode | undefined, at: number): Operand {
    const prim = sub(n, 'primary');
    let expr = this.primary(prim, at);
    const suffixes = n ? subs(n, 'suffix') : NONE;
    // A bare primary's outer span is only needed by the climber (it asks via `outerOf`).
    if (suffixes.length === 0) return { expr, outer: undefined };
    let outer = this.nodeSpan(prim, at);
    for (const s of suffixes) {
      outer = spanCover(outer, this.nodeSpan(s, outer.end.offset));
      const dot = tok(s, 'Dot');
      if (dot) {
        expr = { kind: 'MemberExpr', object: expr, name: this.ident(tok(s, 'Identifier'), this.after(0, dot)), span: outer };
      } else {
        expr = { kind: 'CallExpr', callee: expr, args: subs(s, 'arg').map((a) => this.arg(a)), span: outer };
      }
    }
    return { expr, outer };
  }

  prefixes(n: CstNode | undefined): IToken[] {
    return n ? toks(n, 'UnaryOp').filter(isReal) : [];
  }

  chainedComparison(first: IToken, second: IToken): void {
    this.ctx.diagnostics.push(
      diagnostic('TFM1004', 'comparison operators cannot be chained', { file: this.ctx.file, span: this.tokSpan(second) }, {
        secondary: [{ file: this.ctx.file, span: this.tokSpan(first), message: 'after this comparison' }],
        help: { message: 'combine comparisons with `&&`, e.g. `a < b && b < c`' },
      }),
    );
  }

  private arg(n: CstNode): A.Arg {
    const at = this.start(n);
    const name = tok(n, 'Identifier');
    const colon = tok(n, 'Colon');
    const arg: A.Arg = {
      kind: 'Arg',
      value: this.expr(sub(n, 'expr'), this.after(at, name, colon)),
      span: this.nodeSpan(n, at),
    };
    if (name) arg.name = this.ident(name, at);
    return arg;
  }

  private primary(n: CstNode | undefined, at: number): A.Expr {
    if (!n) return this.error(this.empty(at));
    const lit = tok(n, 'IntLiteral') ?? tok(n, 'Float') ?? tok(n, 'StringLiteral');
    if (isReal(lit)) return this.literal(lit);
    const t = tok(n, 'KwTrue') ?? tok(n, 'KwFalse');
    if (isReal(t)) return { kind: 'BoolLit', value: t.tokenType === Kw.true, span: this.tokSpan(t) };
    const id = tok(n, 'Identifier');
    if (isReal(id)) return { kind: 'NameExpr', name: id.image, span: this.tokSpan(id) };
    const open = tok(n, 'LParen');
    if (isReal(open)) return this.expr(sub(n, 'expr'), open.startOffset + 1);
    const rep = sub(n, 'repeatExpr');
    if (rep) return this.repeat(rep);
    return this.error(this.nodeSpan(n, at));
  }

  /** A literal the lexer already rejected (malformed number, unterminated string) is an ErrorExpr. */
  private literal(t: IToken): A.Expr {
    const span = this.tokSpan(t);
    const tt = t.tokenType;
    if (tt === BadNumber || tt === UnterminatedString || tt === SingleQuotedString) return this.error(span);
    if (tt === Int) return { kind: 'IntLit', value: Number(t.image.replace(/_/g, '')), text: t.image, span };
    if (tt === Float) return { kind: 'FloatLit', value: Number(t.image.replace(/_/g, '')), text: t.image, span };
    return { kind: 'StringLit', value: unescapeString(t.image).value, text: t.image, span };
  }

  private repeat(n: CstNode): A.RepeatExpr {
    const at = this.start(n);
    const kw = tok(n, 'KwRepeat');
    const countNode = sub(n, 'arithExpr');
    const shared = tok(n, 'KwShared');
    const open = tok(n, 'LBrace');
    return {
      kind: 'RepeatExpr',
      count: this.expr(countNode, this.after(at, kw)),
      shared: isReal(shared),
      body: this.expr(sub(n, 'expr'), this.after(at, kw, countNode, shared, open)),
      span: this.nodeSpan(n, at),
    };
  }
}

interface Operand {
  expr: A.Expr;
  /** The operand's full extent, parentheses included (binary spans are built from these); computed on demand. */
  outer: Span | undefined;
}

type Located = { expr: A.Expr; outer: Span };

/** Binding power of each binary operator (higher binds tighter); `^` is handled with the operand. */
const PRECEDENCE: Record<string, number> = {
  '||': 1,
  '&&': 2,
  '&': 3,
  '==': 4,
  '!=': 4,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
  '+': 5,
  '-': 5,
  '*': 6,
  '/': 6,
  '%': 6,
  '@': 6,
};
const COMPARISON = 4;

/**
 * Precedence climbing over a flat `operand { op operand }` sequence. Unary prefixes bind looser
 * than `^` and tighter than everything else; `^` is right-associative; comparisons do not chain.
 */
class Climber {
  private i = 0; // next operator
  private k = 0; // next operand

  constructor(
    private readonly b: Builder,
    private readonly operands: CstNode[],
    private readonly ops: IToken[],
    private readonly at: number,
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
        if (!reported) this.b.chainedComparison(comparedAt, op);
        reported = true;
        left = { expr: this.b.error(outer), outer };
        continue;
      }
      comparedAt = prec === COMPARISON ? op : undefined;
      left = {
        expr: { kind: 'BinaryExpr', op: op.image as A.BinaryOp, left: left.expr, right: right.expr, opSpan: this.b.tokSpan(op), span: outer },
        outer,
      };
    }
    return left;
  }

  /** `{ prefix } operand [ "^" unary ]`, prefixes applied outside the power. */
  private unary(): Located {
    const node = this.operands[this.k++];
    const at = this.i > 0 ? endOfToken(this.ops[this.i - 1]) : this.at;
    const core = this.b.operandCore(node, at);
    let result: Located = { expr: core.expr, outer: core.outer ?? this.b.nodeSpan(sub(node, 'primary'), at) };
    const caret = this.ops[this.i];
    if (caret?.image === '^') {
      this.i++;
      const right = this.unary();
      const outer = spanCover(result.outer, right.outer);
      result = {
        expr: { kind: 'BinaryExpr', op: '^', left: result.expr, right: right.expr, opSpan: this.b.tokSpan(caret), span: outer },
        outer,
      };
    }
    const prefixes = this.b.prefixes(node);
    for (let p = prefixes.length - 1; p >= 0; p--) {
      const outer = spanCover(this.b.tokSpan(prefixes[p]), result.outer);
      result = { expr: { kind: 'UnaryExpr', op: prefixes[p].image as A.UnaryOp, operand: result.expr, span: outer }, outer };
    }
    return result;
  }
}

function endOfToken(t: IToken): number {
  return t.startOffset + t.image.length;
}
