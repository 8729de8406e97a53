/**
 * Turns chevrotain's recognition errors into TFM1004 diagnostics: "expected `)`, found `{`".
 *
 * Recovery can report one mistake several times: the original error, then the re-synced parse
 * tripping over the leftovers. `CascadeFilter` keeps the first and drops what follows from it.
 */
import type { IRecognitionException, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.js';
import { diagnostic, type Diagnostic, type Label } from '../diagnostics/diagnostic.js';
import { isKeyword as isReserved } from './keywords.js';
import { printable } from './lexer.js';
import { decodeExpectation, type ExpectationInfo } from './recovery.js';
import type { LineIndex, Position } from '../diagnostics/spans.js';
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
} from './tokens.js';

export interface SyntaxErrorContext {
  file: string;
  text: string;
  lines: LineIndex;
  /** The lexer's tokens (what the parser saw). */
  tokens: IToken[];
  /** Lexer diagnostics, already reported: parser errors they caused are dropped. */
  lexDiagnostics: Diagnostic[];
}

export function syntaxDiagnostics(errors: readonly IRecognitionException[], ctx: SyntaxErrorContext): Diagnostic[] {
  if (errors.length === 0) return [];
  const { tokens, lines, text, file } = ctx;
  const eof = lines.position(text.length);
  const filter = new CascadeFilter(tokens, ctx.lexDiagnostics, eof);
  const out: Diagnostic[] = [];
  const offsets = tokens.map((t) => t.startOffset);
  const sorted = errors.map((e) => ({ e, index: indexOf(offsets, e.token) })).sort((a, b) => a.index - b.index);
  for (const { e, index } of sorted) {
    const info = decodeExpectation(e.message);
    const verdict = filter.admit(index, info);
    if (!verdict) continue;
    const token = tokens[index];
    const span = token ? lines.span(token.startOffset, endOffset(token)) : { start: eof, end: eof };
    const found = describeFound(token);
    const message = info ? `expected ${describeExpected(info, tokens[index - 1])}, found ${found}` : `unexpected ${found}`;
    const secondary: Label[] = [];
    const opener = verdict.opener;
    if (opener && forgotten(opener, token)) {
      secondary.push({ file, span: lines.span(opener.startOffset, endOffset(opener)), message: 'unclosed delimiter opened here' });
    }
    const help = keywordHelp(info, token, tokens[index + 1]) ?? formHelp(info, index, ctx);
    out.push(diagnostic('TFM1004', message, { file, span }, { secondary, help }));
  }
  return out;
}

// ── cascades ──

/**
 * Decides, error by error in token order, whether a parser error is a new mistake. Dropped:
 * - a second error on a line (after a lexer or parser error there);
 * - an error right after a lexer error (the broken literal is the mistake);
 * - a missing closer whose bracket was opened on a line that already has an error, or before an
 *   unterminated string (which ran to the end of its line, taking the closer with it);
 * - a missing closer when every bracket before it is closed: recovery from an earlier error used
 *   one of them for something else.
 */
class CascadeFilter {
  /** Lines holding a reported error. */
  private readonly errorLines: Set<number>;
  /** Lines a reported error is about (an error at a line start is about the previous line). */
  private readonly originLines: Set<number>;
  private readonly lexOffsets: number[];
  private readonly unterminated: number[];
  private readonly unclosed: UnclosedBrackets;
  private reported = 0;
  /** Reported errors that expected a `{`: recovery then expects its `}`, which is the same mistake. */
  private missingOpenBraces = 0;

  constructor(
    private readonly tokens: IToken[],
    lexDiagnostics: Diagnostic[],
    private readonly eof: Position,
  ) {
    this.errorLines = new Set(lexDiagnostics.map((d) => d.primary.span.start.line));
    this.originLines = new Set(this.errorLines);
    this.lexOffsets = lexDiagnostics.map((d) => d.primary.span.start.offset).sort((a, b) => a - b);
    this.unterminated = tokens.filter((t) => t.tokenType === UnterminatedString).map((t) => t.startOffset);
    this.unclosed = new UnclosedBrackets(tokens);
  }

  /** Undefined to drop the error; otherwise the unclosed bracket it is about, if any. */
  admit(index: number, info: ExpectationInfo | undefined): { opener?: IToken } | undefined {
    const token = this.tokens[index];
    const prev = this.tokens[index - 1];
    const line = token ? token.startLine! : this.eof.line;
    const start = token?.startOffset ?? this.eof.offset;
    const end = token ? endOffset(token) : this.eof.offset;
    if (this.errorLines.has(line)) return undefined;
    if (prev ? isLexErrorToken(prev) || hasBetween(this.lexOffsets, endOffset(prev), end + 1) : hasBetween(this.lexOffsets, 0, end + 1)) {
      return undefined;
    }
    const closer = expectedCloser(info);
    const opener = closer && this.unclosed.openerOf(closer, index);
    if (opener && (this.originLines.has(opener.startLine!) || hasBetween(this.unterminated, opener.startOffset, start))) return undefined;
    if (closer && !opener && (this.reported > 0 || hasBetween(this.lexOffsets, 0, start))) return undefined;
    if (closer === RBrace && this.missingOpenBraces > 0) {
      this.missingOpenBraces--;
      return undefined;
    }
    if (info?.kind === 'mismatch' && info.expected[0] === LBrace.name) this.missingOpenBraces++;

    this.reported++;
    this.errorLines.add(line);
    this.originLines.add(prev && token && prev.endLine! < token.startLine! ? prev.endLine! : line);
    return { opener };
  }
}

/**
 * The innermost unclosed opening bracket of a kind, at a token index. Errors are visited in token
 * order, so one forward sweep over the tokens serves them all.
 */
class UnclosedBrackets {
  private readonly stack: IToken[] = [];
  private next = 0;

  constructor(private readonly tokens: IToken[]) {}

  openerOf(closer: TokenType, index: number): IToken | undefined {
    for (; this.next < index && this.next < this.tokens.length; this.next++) {
      const t = this.tokens[this.next];
      if (CLOSER_OF.has(t.tokenType)) this.stack.push(t); // an opening bracket
      else if (this.stack.length > 0 && OPENER_OF.get(t.tokenType) === this.stack[this.stack.length - 1].tokenType) {
        this.stack.pop();
      }
    }
    const open = OPENER_OF.get(closer);
    for (let i = this.stack.length - 1; i >= 0; i--) if (this.stack[i].tokenType === open) return this.stack[i];
    return undefined;
  }
}

/**
 * Whether "unclosed delimiter opened here" helps: when the closer was forgotten, at end of file,
 * on a later line, or (for `}`) right before the next item.
 */
function forgotten(opener: IToken, found: IToken | undefined): boolean {
  if (!found) return true;
  if (opener.tokenType === LBrace) return ITEM_KEYWORDS.has(found.tokenType.name);
  return found.startLine !== opener.startLine;
}

// ── messages ──

const byName = new Map<string, TokenType>(allTokens.map((t) => [t.name, t]));
/** Opening bracket → closing bracket, and back. */
const CLOSER_OF: ReadonlyMap<TokenType, TokenType> = new Map([
  [LParen, RParen],
  [LBracket, RBracket],
  [LBrace, RBrace],
]);
const OPENER_OF: ReadonlyMap<TokenType, TokenType> = new Map([...CLOSER_OF].map(([o, c]) => [c, o]));
const ITEM_KEYWORDS = new Set(['KwImport', 'KwBlock', 'KwModel']);
/** What a comma-separated list holds, for "expected an argument or `)`". */
const LIST_ITEM: Record<string, string> = {
  paramList: 'a parameter',
  suffix: 'an argument',
  enumType: 'a name',
  tensorType: 'a dimension',
};
const EXPRESSION_RULES = new Set(['expr', 'arithExpr', 'operand', 'primary']);

function expectedCloser(info: ExpectationInfo | undefined): TokenType | undefined {
  const t = info?.kind === 'mismatch' ? byName.get(info.expected[0]) : undefined;
  return t && OPENER_OF.has(t) ? t : undefined;
}

function describeExpected(info: ExpectationInfo, prev: IToken | undefined): string {
  const { rule, kind } = info;
  if (rule === 'file' || rule === 'item' || kind === 'notAllInput') return '`import`, `block` or `model`';
  if (kind === 'mismatch') {
    const expected = byName.get(info.expected[0]);
    if (expected === RBrace && rule === 'body') return 'a statement or `}`';
    if (expected === RBrace && rule === 'configBlock') return 'a config entry or `}`';
    if ((expected === RParen || expected === RBracket) && LIST_ITEM[rule]) {
      // Right after `(` or `,` an item is missing; after an item, a separator.
      const afterSeparator = prev && (prev.tokenType === Comma || prev.tokenType === OPENER_OF.get(expected));
      return afterSeparator ? `${LIST_ITEM[rule]} or ${tokenName(expected)}` : `\`,\` or ${tokenName(expected)}`;
    }
    return expected ? tokenName(expected) : info.expected[0];
  }
  if (EXPRESSION_RULES.has(rule)) return 'an expression';
  if (rule === 'stmt') return 'a statement';
  if (rule === 'valueType') return 'a type';
  if (rule === 'tensorType') return 'an element type such as `float32`';
  return oneOf(info.expected.map((name) => (byName.has(name) ? tokenName(byName.get(name)!) : name)));
}

/** A friendly name for a token type: "a name", "`)`", ... */
function tokenName(t: TokenType): string {
  switch (t.name) {
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
  return typeof t.PATTERN === 'string' ? `\`${t.PATTERN}\`` : t.name;
}

function oneOf(names: string[]): string {
  const uniq = [...new Set(names)];
  if (uniq.length <= 1) return uniq[0] ?? 'something else';
  return `${uniq.slice(0, -1).join(', ')} or ${uniq[uniq.length - 1]}`;
}

function describeFound(t: IToken | undefined): string {
  if (!t) return 'end of file';
  const image = `\`${printable(t.image)}\``;
  return isKeyword(t) ? `keyword ${image}` : image;
}

/** "`mask` is a reserved word ..." when a keyword stands where a name was expected. */
function keywordHelp(info: ExpectationInfo | undefined, token: IToken | undefined, next: IToken | undefined) {
  if (!token || !isKeyword(token) || !isReserved(token.image)) return undefined;
  const usedAsName =
    (info?.kind === 'mismatch' && info.expected[0] === Identifier.name) || next?.tokenType === Colon || next?.tokenType === Eq;
  return usedAsName ? { message: `\`${token.image}\` is a reserved word and cannot be used as a name` } : undefined;
}

/**
 * Help for a construct written in another language's form: `vocab: 64` in a config (YAML's
 * colon), `repeat layers DecoderLayer(...)` without the braces around the repeated layer.
 */
function formHelp(info: ExpectationInfo | undefined, index: number, ctx: SyntaxErrorContext) {
  const token = ctx.tokens[index];
  const prev = ctx.tokens[index - 1];
  if (!info || !token) return undefined;
  if (info.rule === 'valueType' && prev?.tokenType === Colon && token.tokenType !== Identifier) {
    const span = ctx.lines.span(prev.startOffset, endOffset(prev));
    return { message: 'a config entry is `name = value` (a type, when given, goes between: `name: int = value`)', edits: [{ file: ctx.file, span, text: ' =' }] };
  }
  if (info.rule === 'repeatExpr' && info.kind === 'mismatch' && info.expected[0] === LBrace.name) {
    // Spelled with what the user wrote: `repeat <count> { <layer>(...) }`.
    let kw = index - 1;
    while (kw > 0 && ctx.tokens[kw].image !== 'repeat') kw--;
    const count = ctx.tokens[kw]?.image === 'repeat' ? ctx.text.slice(endOffset(ctx.tokens[kw]), token.startOffset).trim() : '';
    const example = `repeat ${count || 'layers'} { ${token.tokenType === Identifier ? token.image : 'DecoderLayer'}(...) }`;
    return { message: `the repeated layer goes in braces: \`${example}\`` };
  }
  return undefined;
}

// ── tokens ──

const endOffset = (t: IToken) => t.startOffset + t.image.length;

function isKeyword(t: IToken): boolean {
  return (t.tokenType.CATEGORIES ?? []).includes(KeywordCat);
}

function isLexErrorToken(t: IToken): boolean {
  return t.tokenType === UnterminatedString || t.tokenType === BadNumber || t.tokenType === SingleQuotedString;
}

/** Index of token `t` given the tokens' start offsets; their count for EOF (or a token without a position). */
function indexOf(offsets: number[], t: IToken): number {
  if (t.tokenType === EOF || t.isInsertedInRecovery || !Number.isFinite(t.startOffset)) return offsets.length;
  return lowerBound(offsets, t.startOffset);
}

/** Whether a sorted array holds a value in `[from, to)`. */
function hasBetween(sorted: number[], from: number, to: number): boolean {
  const i = lowerBound(sorted, from);
  return i < sorted.length && sorted[i] < to;
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
