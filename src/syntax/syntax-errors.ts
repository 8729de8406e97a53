/**
 * Turns chevrotain's recognition errors into TFM1004 diagnostics: "expected `)`, found `{`".
 *
 * Recovery can report one mistake several times (the original error, then the re-synced parse
 * tripping over the leftovers). We keep one error per line, and drop a parser error right after a
 * lexer error (an unterminated string swallowed the `)` the parser then misses).
 */
import { EOF, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import { diagnostic, type Diagnostic, type Label } from '../check/diagnostics.js';
import {
  BadNumber,
  Colon,
  Comma,
  Eq,
  Identifier,
  KeywordCat,
  LBrace,
  LBracket,
  LParen,
  RBrace,
  RBracket,
  RParen,
  SingleQuotedString,
  UnterminatedString,
  allTokens,
  printable,
} from './lexer.js';
import { decodeExpectation, type ExpectationInfo } from './parser.js';
import type { LineIndex } from './spans.js';

const byName = new Map<string, TokenType>(allTokens.map((t) => [t.name, t]));
const LIST_ITEM: Record<string, string> = {
  paramList: 'a parameter',
  suffix: 'an argument',
  enumType: 'a name',
  tensorType: 'a dimension',
};
const EXPRESSION_RULES = new Set([
  'expr',
  'orExpr',
  'andExpr',
  'maskAndExpr',
  'compareExpr',
  'additiveExpr',
  'multiplicativeExpr',
  'unaryExpr',
  'powerExpr',
  'postfixExpr',
  'primary',
]);
const CLOSER_OF: ReadonlyMap<TokenType, TokenType> = new Map([
  [RParen, LParen],
  [RBracket, LBracket],
  [RBrace, LBrace],
]);

export interface SyntaxErrorContext {
  file: string;
  text: string;
  lines: LineIndex;
  /** The lexer's tokens (what the parser saw). */
  tokens: IToken[];
  /** Lexer diagnostics, already reported: parser errors at the same spot are dropped. */
  lexDiagnostics: Diagnostic[];
}

const isReal = (t: IToken | undefined): t is IToken =>
  t !== undefined && t.tokenType !== EOF && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);

const endOffset = (t: IToken) => t.startOffset + t.image.length;

/** Index in `tokens` of `t`, or `tokens.length` for EOF. */
function indexOf(tokens: IToken[], t: IToken): number {
  if (!isReal(t)) return tokens.length;
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < t.startOffset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index of a sorted array whose value is `>= x`. */
function lowerBound(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function syntaxDiagnostics(errors: readonly IRecognitionException[], ctx: SyntaxErrorContext): Diagnostic[] {
  const { tokens, lines, text } = ctx;
  const eofSpan = lines.span(text.length, text.length);
  const sorted = errors
    .map((e) => ({ e, index: indexOf(tokens, e.token) }))
    .sort((a, b) => a.index - b.index);

  const errorLines = new Set(ctx.lexDiagnostics.map((d) => d.primary.span.start.line));
  const lexOffsets = ctx.lexDiagnostics.map((d) => d.primary.span.start.offset).sort((a, b) => a - b);
  const lexErrorIn = (from: number, to: number) => {
    const i = lowerBound(lexOffsets, from);
    return i < lexOffsets.length && lexOffsets[i] <= to;
  };
  const unclosed = new UnclosedDelimiters(tokens);

  const out: Diagnostic[] = [];
  for (const { e, index } of sorted) {
    const token = tokens[index];
    const span = token ? lines.span(token.startOffset, endOffset(token)) : eofSpan;
    if (errorLines.has(span.start.line)) continue;
    const prev = tokens[index - 1];
    if (prev && (isLexErrorToken(prev) || lexErrorIn(endOffset(prev), token ? endOffset(token) : text.length))) continue;
    if (!prev && lexErrorIn(0, token ? endOffset(token) : text.length)) continue;
    errorLines.add(span.start.line);

    const info = decodeExpectation(e.message);
    const found = describeFound(token);
    const message = info ? `expected ${describeExpected(info, prev)}, found ${found}` : `unexpected ${found}`;
    const secondary: Label[] = [];
    const opener = info ? unclosed.openerFor(info, index) : undefined;
    if (opener) secondary.push({ file: ctx.file, span: lines.span(opener.startOffset, endOffset(opener)), message: 'unclosed delimiter opened here' });
    const next = tokens[index + 1];
    const usedAsName =
      (info?.kind === 'mismatch' && info.expected[0] === Identifier.name) ||
      next?.tokenType === Colon ||
      next?.tokenType === Eq;
    const keywordHelp =
      token && usedAsName && isKeyword(token)
        ? { message: `\`${token.image}\` is a reserved word and cannot be used as a name` }
        : undefined;
    out.push(diagnostic('TFM1004', message, { file: ctx.file, span }, { secondary, help: keywordHelp }));
  }
  return out;
}

function isLexErrorToken(t: IToken): boolean {
  return t.tokenType === UnterminatedString || t.tokenType === BadNumber || t.tokenType === SingleQuotedString;
}

function isKeyword(t: IToken): boolean {
  return (t.tokenType.CATEGORIES ?? []).includes(KeywordCat);
}

function describeFound(t: IToken | undefined): string {
  if (!t) return 'end of file';
  const image = `\`${printable(t.image)}\``;
  return isKeyword(t) ? `keyword ${image}` : image;
}

/** A friendly name for one token type: "a name", "`)`", ... */
function tokenName(name: string): string {
  switch (name) {
    case 'Identifier':
      return 'a name';
    case 'Int':
    case 'IntLiteral':
    case 'Float':
      return 'a number';
    case 'StringLiteral':
      return 'a string';
    case EOF.name:
      return 'end of file';
  }
  const t = byName.get(name);
  const pattern = t?.PATTERN;
  return typeof pattern === 'string' ? `\`${pattern}\`` : name;
}

function oneOf(names: string[]): string {
  const uniq = [...new Set(names)];
  if (uniq.length <= 1) return uniq[0] ?? 'something else';
  return `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

function describeExpected(info: ExpectationInfo, prev: IToken | undefined): string {
  const { rule, kind } = info;
  if (rule === 'file' || kind === 'notAllInput' || rule === 'item') return '`import`, `block` or `model`';
  if (kind === 'mismatch') {
    const expected = info.expected[0];
    if (expected === RBrace.name && rule === 'body') return 'a statement or `}`';
    if (expected === RBrace.name && rule === 'configBlock') return 'a config entry or `}`';
    if ((expected === RParen.name || expected === RBracket.name) && LIST_ITEM[rule]) {
      const closer = tokenName(expected);
      const afterSeparator = prev && (prev.tokenType === Comma || CLOSER_OF.get(byName.get(expected)!) === prev.tokenType);
      return afterSeparator ? `${LIST_ITEM[rule]} or ${closer}` : `\`,\` or ${closer}`;
    }
    return tokenName(expected);
  }
  if (EXPRESSION_RULES.has(rule)) return 'an expression';
  if (rule === 'stmt') return 'a statement';
  if (rule === 'valueType') return 'a type';
  if (rule === 'tensorType') return 'an element type such as `float32`';
  return oneOf(info.expected.map(tokenName));
}

/**
 * Finds the opening delimiter a missing closer would close, for the "unclosed delimiter opened
 * here" label. Errors are visited in token order, so one forward sweep serves them all.
 */
class UnclosedDelimiters {
  private readonly stack: number[] = [];
  private next = 0;

  constructor(private readonly tokens: IToken[]) {}

  openerFor(info: ExpectationInfo, index: number): IToken | undefined {
    if (info.kind !== 'mismatch') return undefined;
    const closer = byName.get(info.expected[0]);
    const open = closer && CLOSER_OF.get(closer);
    if (!open) return undefined;
    this.advanceTo(index);
    const found = this.tokens[index];
    // Only worth a label when the closer was forgotten: at end of file, on a later line, or
    // (for `}`) right before the next item.
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const opener = this.tokens[this.stack[i]];
      if (opener.tokenType !== open) continue;
      if (!found) return opener;
      if (open === LBrace) return isItemStart(found) ? opener : undefined;
      return found.startLine !== opener.startLine ? opener : undefined;
    }
    return undefined;
  }

  private advanceTo(index: number): void {
    for (; this.next < index && this.next < this.tokens.length; this.next++) {
      const t = this.tokens[this.next];
      if (t.tokenType === LParen || t.tokenType === LBracket || t.tokenType === LBrace) this.stack.push(this.next);
      else {
        const open = CLOSER_OF.get(t.tokenType);
        if (open && this.stack.length > 0 && this.tokens[this.stack[this.stack.length - 1]].tokenType === open) {
          this.stack.pop();
        }
      }
    }
  }
}

function isItemStart(t: IToken): boolean {
  return ['KwImport', 'KwBlock', 'KwModel'].includes(t.tokenType.name);
}
