/**
 * AST construction for the parser's actions: each rule hands what it read to `AstBuilder`, which
 * makes the rule's node, its span from the tokens the rule consumed (token-spans.ts). Operator
 * sequences are the exception: operator-climbing.ts makes their trees.
 *
 * After error recovery any piece may be missing or a virtual (inserted) token. The rule: a missing
 * name becomes an `Ident` with name `""`, a missing expression an `ErrorExpr`, an empty statement
 * an `ErrorStmt`, each with an empty span just after the last token that was there, so later
 * phases can keep going (and stay quiet) without null checks.
 *
 * In chevrotain's recording phase (the grammar analysis, which runs the rules on fake tokens)
 * nothing is built: the methods return `undefined`.
 */
import type { IToken } from 'chevrotain';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type * as A from './ast.js';
import { numberRangeProblem, numberValue, unescapeString } from './lexer.js';
import { spanCover, type LineIndex, type Span } from '../diagnostics/spans.js';
import { isReal, tokEnd, tokSpan, type RuleSpans, type Tok } from './token-spans.js';
import { BadNumber, Float, Int, Kw, SingleQuotedString, UnterminatedString } from './tokens.js';

export function errorExpr(span: Span): A.ErrorExpr {
  return { kind: 'ErrorExpr', span };
}

/** The path of an import: a string's value (a single-quoted one, already reported, without its quotes). */
function importPath(t: IToken): A.StringLit {
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

/** What `AstBuilder` reads of the parser (`TfmParser` has it). */
export interface ParserState {
  readonly RECORDING_PHASE: boolean;
  /** Index of the last consumed token: a node's tokens end there. */
  readonly currIdx: number;
  /** Offsets where recovery resumed in the middle of a line (see `RecoveringParser.suspects`). */
  readonly suspects: ReadonlySet<number>;
  /** Syntax errors only visible in the tree; a statement that turns out to be an artefact drops its own. */
  readonly late: Diagnostic[];
}

/**
 * Builds the node of each rule from the tokens and sub-nodes the rule read, `entry` being the
 * token index at the rule's start (a rule cut short by an error passes what it has).
 */
export class AstBuilder {
  constructor(
    private readonly parser: ParserState,
    private readonly spans: RuleSpans,
  ) {}

  // ── names, literals and placeholders ──

  /** A name, or the empty placeholder `Ident` at `at` when recovery left none. */
  ident(t: Tok, at: number): A.Ident {
    if (isReal(t)) return { kind: 'Ident', name: t.image, span: tokSpan(t) };
    return { kind: 'Ident', name: '', span: this.spans.empty(at) };
  }

  /** A literal token. One the lexer already rejected (malformed number, unterminated string) is an ErrorExpr. */
  literal(t: IToken): A.Expr {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const span = tokSpan(t);
    const tt = t.tokenType;
    if (tt === BadNumber || tt === UnterminatedString || tt === SingleQuotedString) return errorExpr(span);
    // A number out of range was reported by the lexer (TFM1008): no value rather than a wrong one.
    if ((tt === Int || tt === Float) && numberRangeProblem(t.image, tt === Int)) return errorExpr(span);
    if (tt === Int) return { kind: 'IntLit', value: numberValue(t.image), text: t.image, span };
    if (tt === Float) return { kind: 'FloatLit', value: numberValue(t.image), text: t.image, span };
    return { kind: 'StringLit', value: unescapeString(t.image).value, text: t.image, span };
  }

  bool(t: IToken): A.BoolLit {
    return this.parser.RECORDING_PHASE ? (undefined as never) : { kind: 'BoolLit', value: t.tokenType === Kw.true, span: tokSpan(t) };
  }

  name(t: IToken): A.NameExpr {
    return this.parser.RECORDING_PHASE ? (undefined as never) : { kind: 'NameExpr', name: t.image, span: tokSpan(t) };
  }

  /** The placeholder for a missing type. */
  missingType(at: number): A.NamedType {
    const name = this.ident(undefined, at);
    return { kind: 'NamedType', name, span: name.span };
  }

  /** The placeholder for a missing tensor type. */
  missingTensorType(at: number): A.TensorType {
    return { kind: 'TensorType', dtype: this.ident(undefined, at), dims: [], span: this.spans.empty(at) };
  }

  // ── items ──

  importDecl(entry: number, path: Tok): A.ImportDecl | undefined {
    if (this.parser.RECORDING_PHASE || !isReal(path)) return undefined;
    return { kind: 'ImportDecl', path: importPath(path), span: this.spans.spanOf(entry, this.parser.currIdx, 0) };
  }

  blockDecl(entry: number, kw: Tok, name: Tok, params: A.ParamDecl[], body: A.Stmt[]): A.BlockDecl {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    return {
      kind: 'BlockDecl',
      name: this.ident(name, Math.max(at, tokEnd(kw))),
      params,
      body,
      span: this.spans.spanOf(entry, this.parser.currIdx, at),
    };
  }

  paramDecl(
    entry: number,
    name: Tok,
    colon: Tok,
    type: A.ValueType | undefined,
    typeEntry: number,
    typeExit: number,
    eq: Tok,
    value: A.Expr | undefined,
  ): A.ParamDecl {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    const param: A.ParamDecl = { kind: 'ParamDecl', name: this.ident(name, at), span: this.spans.spanOf(entry, this.parser.currIdx, at) };
    if (colon) param.type = type ?? this.missingType(Math.max(at, tokEnd(name), tokEnd(colon)));
    if (eq) {
      const typeEnd = this.spans.nodeEnd(typeEntry, typeExit);
      param.default = value ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(name), tokEnd(colon), typeEnd, tokEnd(eq))));
    }
    return param;
  }

  valueType(result: A.EnumType | IToken | undefined, at: number): A.ValueType {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    if (result !== undefined && 'kind' in result) return result;
    const name = this.ident(result, at);
    return { kind: 'NamedType', name, span: name.span };
  }

  enumType(entry: number, open: Tok, members: Tok[]): A.EnumType {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const start = this.spans.startHere(entry);
    const at = Math.max(start, tokEnd(open));
    return {
      kind: 'EnumType',
      members: members.map((t) => this.ident(t, at)),
      span: this.spans.spanOf(entry, this.parser.currIdx, start),
    };
  }

  modelDecl(entry: number, kw: Tok, name: Tok, ext: Tok, base: Tok, body: A.Stmt[]): A.ModelDecl {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    const model: A.ModelDecl = {
      kind: 'ModelDecl',
      name: this.ident(name, Math.max(at, tokEnd(kw))),
      body,
      span: this.spans.spanOf(entry, this.parser.currIdx, at),
    };
    if (ext) model.base = this.ident(base, Math.max(at, tokEnd(ext)));
    return model;
  }

  // ── statements ──

  /**
   * The statement `inner` (its span does not include a trailing `;`), or an ErrorStmt when there
   * is none or recovery started it in the middle of a broken one (see `RecoveringParser.suspects`).
   */
  stmt(entry: number, inner: A.Stmt | undefined, innerExit: number, lateMark: number): A.Stmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    if (inner === undefined) {
      return { kind: 'ErrorStmt', span: this.spans.spanOf(entry, this.parser.currIdx, this.spans.startHere(entry)) };
    }
    // Statement rules place an empty statement at 0; the statement's own start (its `;`) is better.
    const located = this.spans.firstIn(entry, innerExit) >= 0;
    const span = located ? inner.span : this.spans.empty(this.spans.startHere(entry));
    if (!located && inner.kind !== 'IfStmt') inner.span = span;
    if (this.parser.suspects.size > 0 && this.parser.suspects.has(span.start.offset)) {
      this.parser.late.length = lateMark; // nothing in it was meant as written
      return { kind: 'ErrorStmt', span };
    }
    return inner;
  }

  configBlock(entry: number, entries: A.ConfigEntry[]): A.ConfigBlock {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    return { kind: 'ConfigBlock', entries, span: this.spans.spanOf(entry, this.parser.currIdx, 0) };
  }

  configEntry(
    entry: number,
    name: Tok,
    colon: Tok,
    type: A.ValueType | undefined,
    typeEntry: number,
    typeExit: number,
    eq: Tok,
    value: A.Expr | undefined,
    valueEntry: number,
    valueExit: number,
  ): A.ConfigEntry {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    // The span stops at the value: a trailing `,` or `;` is punctuation, not part of the entry.
    let span = this.spans.spanOf(entry, this.parser.currIdx, at);
    const valueEnd = this.spans.nodeEnd(valueEntry, valueExit);
    const end = valueEnd >= 0 ? valueEnd : tokEnd(eq);
    if (end >= 0 && end > span.start.offset) span = this.spans.lines.span(span.start.offset, end);
    const typeEnd = this.spans.nodeEnd(typeEntry, typeExit);
    const result: A.ConfigEntry = {
      kind: 'ConfigEntry',
      name: this.ident(name, at),
      value: value ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(name), tokEnd(colon), typeEnd, tokEnd(eq)))),
      span,
    };
    if (colon) result.type = type ?? this.missingType(Math.max(at, tokEnd(name), tokEnd(colon)));
    return result;
  }

  valueRange(kwIn: Tok, close: Tok, low: A.Expr, high: A.Expr): A.ValueRange {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const first = isReal(kwIn) ? tokSpan(kwIn) : low.span;
    const last = isReal(close) ? tokSpan(close) : high.span;
    return { kind: 'ValueRange', low, high, highInclusive: isReal(close) && close.image === ']', span: spanCover(first, last) };
  }

  inputDecl(entry: number, kw: Tok, name: Tok, colon: Tok, type: A.TensorType | undefined, question: Tok, constraints: A.Expr[], range?: A.ValueRange): A.InputDecl {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    return {
      kind: 'InputDecl',
      keyword: kw?.tokenType === Kw.input ? 'input' : 'in',
      name: this.ident(name, Math.max(at, tokEnd(kw))),
      type: type ?? this.missingTensorType(Math.max(at, tokEnd(kw), tokEnd(name), tokEnd(colon))),
      optional: isReal(question),
      ...(range ? { range } : {}),
      constraints,
      span: this.spans.spanOf(entry, this.parser.currIdx, 0),
    };
  }

  tensorType(entry: number, at: number, dtype: Tok, dims: A.Expr[]): A.TensorType {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    return { kind: 'TensorType', dtype: this.ident(dtype, at), dims, span: this.spans.spanOf(entry, this.parser.currIdx, at) };
  }

  /**
   * `kw NAME = expr` statements (and `NAME = expr`), the value read after `valueEntry` (-1 if
   * never); a MaskStmt's keyword is `kw`. With neither name nor value left, the statement is an
   * ErrorStmt.
   */
  binding(
    kind: 'LetStmt' | 'AssignStmt' | 'LossStmt' | 'MaskStmt',
    entry: number,
    kw: Tok,
    nameTok: Tok,
    eq: Tok,
    value: A.Expr | undefined,
    valueEntry: number,
  ): A.Stmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const span = this.spans.spanOf(entry, this.parser.currIdx, 0);
    if (!isReal(nameTok) && !isReal(eq) && this.spans.nodeEnd(valueEntry, this.parser.currIdx) < 0) return { kind: 'ErrorStmt', span };
    const at = this.spans.startHere(entry);
    const name = this.ident(nameTok, Math.max(at, tokEnd(kw)));
    const expr = value ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(kw), tokEnd(nameTok), tokEnd(eq))));
    if (kind === 'MaskStmt') return { kind, keyword: kw?.tokenType === Kw.memory ? 'memory' : 'mask', name, value: expr, span };
    return { kind, name, value: expr, span };
  }

  outStmt(entry: number, kw: Tok, name: Tok, eq: Tok, value: A.Expr | undefined): A.OutStmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    const isOutput = kw?.tokenType === Kw.output;
    const stmt: A.OutStmt = {
      kind: 'OutStmt',
      keyword: isOutput ? 'output' : 'out',
      value: value ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(kw), tokEnd(name), tokEnd(eq)))),
      span: this.spans.spanOf(entry, this.parser.currIdx, 0),
    };
    if (isOutput || name) stmt.name = this.ident(name, Math.max(at, tokEnd(kw)));
    return stmt;
  }

  /** `replace` and the binding it marks (an ErrorStmt when nothing of the binding was read). */
  replaceStmt(entry: number, kw: Tok, inner: A.Stmt | undefined): A.Stmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const span = this.spans.spanOf(entry, this.parser.currIdx, 0);
    if (!isReal(kw) || inner === undefined || inner.kind === 'ErrorStmt') return { kind: 'ErrorStmt', span };
    if (inner.kind !== 'LetStmt' && inner.kind !== 'OutStmt' && inner.kind !== 'LossStmt' && inner.kind !== 'MaskStmt') return inner;
    return { ...inner, replace: { kind: 'Replace', span: tokSpan(kw) }, span };
  }

  expectStmt(entry: number, kw: Tok, condition: A.Expr | undefined): A.ExpectStmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    return {
      kind: 'ExpectStmt',
      condition: condition ?? errorExpr(this.spans.empty(Math.max(this.spans.startHere(entry), tokEnd(kw)))),
      span: this.spans.spanOf(entry, this.parser.currIdx, 0),
    };
  }

  ifStmt(entry: number, kw: Tok, condition: A.Expr | undefined, then: A.Stmt[], hasElse: boolean, otherwise: A.Stmt[] | undefined): A.IfStmt {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    const stmt: A.IfStmt = {
      kind: 'IfStmt',
      condition: condition ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(kw)))),
      then,
      span: this.spans.spanOf(entry, this.parser.currIdx, at),
    };
    if (hasElse) stmt.else = otherwise ?? [];
    return stmt;
  }

  // ── expressions ──

  /** `object(args)` or `object.name`. */
  applySuffix(object: A.Expr, suffix: A.Arg[] | A.Ident, span: Span): A.Expr {
    return Array.isArray(suffix)
      ? { kind: 'CallExpr', callee: object, args: suffix, span }
      : { kind: 'MemberExpr', object, name: suffix, span };
  }

  arg(entry: number, name: Tok, colon: Tok, value: A.Expr | undefined): A.Arg {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    const arg: A.Arg = {
      kind: 'Arg',
      value: value ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(name), tokEnd(colon)))),
      span: this.spans.sameExtent(value, entry) ? value!.span : this.spans.spanOf(entry, this.parser.currIdx, at),
    };
    if (name) arg.name = this.ident(name, at);
    return arg;
  }

  repeatExpr(
    entry: number,
    kw: Tok,
    count: A.Expr | undefined,
    countEntry: number,
    countExit: number,
    shared: Tok,
    open: Tok,
    body: A.Expr | undefined,
  ): A.RepeatExpr {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    const at = this.spans.startHere(entry);
    return {
      kind: 'RepeatExpr',
      count: count ?? errorExpr(this.spans.empty(Math.max(at, tokEnd(kw)))),
      shared: isReal(shared),
      body:
        body ??
        errorExpr(this.spans.empty(Math.max(at, tokEnd(kw), this.spans.nodeEnd(countEntry, countExit), tokEnd(shared), tokEnd(open)))),
      span: this.spans.spanOf(entry, this.parser.currIdx, at),
    };
  }

  listExpr(entry: number, items: A.Expr[]): A.ListExpr {
    if (this.parser.RECORDING_PHASE) return undefined as never;
    return { kind: 'ListExpr', items: items.filter((x) => x !== undefined), span: this.spans.spanOf(entry, this.parser.currIdx, this.spans.startHere(entry)) };
  }
}
