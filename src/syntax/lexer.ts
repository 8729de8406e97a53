/**
 * The lexer for `.tfm`: text → tokens (token types in tokens.ts), and the lexical diagnostics.
 *
 * Lexing is done by a hand-written scanner, `tokenize`, which produces exactly the tokens that
 * chevrotain's `Lexer` would produce from the definitions in tokens.ts (test/syntax/lexer.test.ts
 * compares the two on random input) at a fraction of the time and garbage: a 10,000-line file has
 * some 55,000 tokens.
 *
 * Broken literals still become tokens (`UnterminatedString`, `BadNumber`, ...) that the parser
 * accepts where a literal may stand: the lexer reports the mistake once and the parser carries on
 * as if the literal were fine, so one typo yields one diagnostic instead of a cascade.
 */
import type { IToken, TokenType } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { escapeUnsafe, isBidiControl, isUnsafeCodePoint } from '../util/unsafe-text.js';
import { KEYWORDS } from './keywords.js';
import type { LineIndex } from '../diagnostics/spans.js';
import {
  Amp,
  AmpAmp,
  At,
  BadNumber,
  Bang,
  BlockComment,
  Caret,
  Colon,
  Comma,
  Dot,
  Eq,
  EqEq,
  Float,
  Gt,
  GtEq,
  Identifier,
  Int,
  Kw,
  LBrace,
  LBracket,
  LineComment,
  LParen,
  Lt,
  LtEq,
  Minus,
  NotEq,
  Percent,
  Pipe,
  PipePipe,
  Plus,
  Question,
  RBrace,
  RBracket,
  RParen,
  Semi,
  SingleQuotedString,
  Slash,
  Star,
  StringLiteral,
  UnterminatedBlockComment,
  UnterminatedString,
} from './tokens.js';

// ── the scanner ──

export interface TokenizeResult {
  /** The tokens the parser reads. */
  tokens: IToken[];
  /** Line and block comments (the `comments` group). */
  comments: IToken[];
  /** The string tokens and the numbers among `tokens` that may be lexical mistakes (malformed, floats, long integers). */
  literals: IToken[];
  /** Runs of characters that start no token (chevrotain's lexer errors). */
  errors: { offset: number; length: number }[];
}

const SPACE = 1;
const NAME = 2;
const DIGIT = 3;
/** Character classes of ASCII codes (0: anything else). */
const CHAR_CLASS = new Uint8Array(128);
for (const c of ' \t\r\n\f\v') CHAR_CLASS[c.charCodeAt(0)] = SPACE;
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(ch)) CHAR_CLASS[c] = NAME;
  if (/[0-9]/.test(ch)) CHAR_CLASS[c] = DIGIT;
}
const BOM = 0xfeff;

/** Tokens of one character that no longer token starts with, by character code. */
const SINGLE: (TokenType | undefined)[] = [];
for (const t of [LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Semi, Dot, Question, Plus, Minus, Star, Percent, At, Caret]) {
  SINGLE[(t.PATTERN as string).charCodeAt(0)] = t;
}
/** Characters that start a token of two characters, or of one when the second does not follow. */
const PAIRS: (readonly [second: number, long: TokenType, short: TokenType | undefined] | undefined)[] = [];
PAIRS[0x3d] = [0x3d, EqEq, Eq]; // `==` `=`
PAIRS[0x21] = [0x3d, NotEq, Bang]; // `!=` `!`
PAIRS[0x3c] = [0x3d, LtEq, Lt]; // `<=` `<`
PAIRS[0x3e] = [0x3d, GtEq, Gt]; // `>=` `>`
PAIRS[0x26] = [0x26, AmpAmp, Amp]; // `&&` `&`
PAIRS[0x7c] = [0x7c, PipePipe, Pipe]; // `||` `|`

/** Keyword token types by first character code and length, to recognise a keyword without slicing it out. */
const KEYWORDS_BY_START: (TokenType[] | undefined)[] = [];
for (const w of KEYWORDS) (KEYWORDS_BY_START[w.charCodeAt(0) * 8 + w.length] ??= []).push(Kw[w]);

/** The keyword spelled by `text` from `start` to `end`, if any. */
function keywordAt(text: string, start: number, end: number): TokenType | undefined {
  const length = end - start;
  if (length > 7) return undefined;
  const candidates = KEYWORDS_BY_START[text.charCodeAt(start) * 8 + length];
  if (candidates === undefined) return undefined;
  for (const t of candidates) if (text.startsWith(t.PATTERN as string, start)) return t;
  return undefined;
}

/** The token types' own patterns, anchored at `lastIndex`, for the rarer and more intricate tokens. */
const sticky = (t: TokenType) => new RegExp((t.PATTERN as RegExp).source, 'y');
const FLOAT = sticky(Float);
const INT = sticky(Int);
const BAD_NUMBER = sticky(BadNumber);
const STRING = sticky(StringLiteral);
const UNTERMINATED_STRING = sticky(UnterminatedString);
const SINGLE_QUOTED = sticky(SingleQuotedString);

/** Length of the match of sticky `re` at `offset`, or -1. */
function matchLength(re: RegExp, text: string, offset: number): number {
  re.lastIndex = offset;
  return re.test(text) ? re.lastIndex - offset : -1;
}

/**
 * A token on one line (every token the parser reads): chevrotain's token fields, the end ones
 * derived from the start and the image. A class rather than an object literal: chevrotain's own
 * tokens (end of file, tokens inserted by recovery) have the literal's shape with `NaN`
 * positions, which makes V8 store every number of every such object as a separate heap number.
 * Positions here are always small integers.
 */
class Token implements IToken {
  constructor(
    public image: string,
    public startOffset: number,
    public startLine: number,
    public startColumn: number,
    public tokenTypeIdx: number,
    public tokenType: TokenType,
  ) {}

  get endOffset(): number {
    return this.startOffset + this.image.length - 1;
  }

  get endLine(): number {
    return this.startLine;
  }

  get endColumn(): number {
    return this.startColumn + this.image.length - 1;
  }
}

/** A comment, which may span lines: all of chevrotain's token fields. */
class CommentToken implements IToken {
  constructor(
    public image: string,
    public startOffset: number,
    public endOffset: number,
    public startLine: number,
    public endLine: number,
    public startColumn: number,
    public endColumn: number,
    public tokenTypeIdx: number,
    public tokenType: TokenType,
  ) {}
}

/**
 * Token objects to reuse from one `tokenize` to the next. A 10,000-line file has some 55,000
 * tokens, all alive until the parse ends; fresh ones would be copied by the garbage collector's
 * young generation, reused ones are old and stay put (a quarter of the parse time). Only for a
 * caller whose tokens never outlive the next `tokenize` with the same pool: `parse` uses one,
 * since nothing it returns (AST, diagnostics) refers to a token, only to strings and numbers.
 */
export class TokenPool {
  /** More tokens than this (some 20 MB) are not kept between files. */
  static readonly MAX = 1 << 18;
  private readonly tokens: Token[] = [];
  private used = 0;

  /** Makes every token available again: those handed out before must no longer be in use. */
  reset(): void {
    this.used = 0;
  }

  take(type: TokenType, image: string, offset: number, line: number, column: number): IToken {
    const t = this.tokens[this.used];
    if (t === undefined) {
      const fresh = new Token(image, offset, line, column, type.tokenTypeIdx!, type);
      if (this.used < TokenPool.MAX) {
        this.tokens.push(fresh);
        this.used++;
      }
      return fresh;
    }
    this.used++;
    t.image = image;
    t.startOffset = offset;
    t.startLine = line;
    t.startColumn = column;
    t.tokenTypeIdx = type.tokenTypeIdx!;
    t.tokenType = type;
    return t;
  }
}

/** Whether some token starts at `offset` (where a run of unexpected characters ends). */
function startsToken(text: string, offset: number): boolean {
  const c = text.charCodeAt(offset);
  if (c >= 128) return c === BOM;
  if (CHAR_CLASS[c] !== 0 || SINGLE[c] !== undefined) return true;
  const pair = PAIRS[c];
  if (pair) return pair[2] !== undefined || text.charCodeAt(offset + 1) === pair[0];
  return c === 0x22 || c === 0x27 || c === 0x2f; // `"` `'` `/`
}

/**
 * Splits `text` into tokens exactly as chevrotain's `Lexer` does with `allTokens` and
 * `LEXER_CONFIG`: at each offset the first token type in `allTokens` order whose pattern matches,
 * unless its `longer_alt` matches more (a name that starts with a keyword is a name), and a run of
 * characters where nothing matches is one error. With a `pool`, the token objects come from it.
 */
export function tokenize(text: string, pool?: TokenPool): TokenizeResult {
  pool?.reset();
  const makeToken = (type: TokenType, image: string, offset: number, line: number, column: number): IToken =>
    pool ? pool.take(type, image, offset, line, column) : new Token(image, offset, line, column, type.tokenTypeIdx!, type);
  const tokens: IToken[] = [];
  const comments: IToken[] = [];
  const literals: IToken[] = [];
  const errors: { offset: number; length: number }[] = [];
  const n = text.length;
  let offset = 0;
  let line = 1;
  let lineStart = 0; // offset of the current line's first character
  while (offset < n) {
    const c = text.charCodeAt(offset);
    const cls = c < 128 ? CHAR_CLASS[c] : c === BOM ? SPACE : 0;
    if (cls === NAME) {
      let end = offset + 1;
      for (let d = text.charCodeAt(end); end < n && d < 128 && CHAR_CLASS[d] >= NAME; d = text.charCodeAt(++end));
      const keyword = keywordAt(text, offset, end);
      if (keyword) tokens.push(makeToken(keyword, keyword.PATTERN as string, offset, line, offset - lineStart + 1));
      else tokens.push(makeToken(Identifier, text.slice(offset, end), offset, line, offset - lineStart + 1));
      offset = end;
      continue;
    }
    if (cls === SPACE) {
      let end = offset;
      for (let d = c; ; ) {
        if (d === 10) {
          line++;
          lineStart = end + 1;
        }
        if (++end >= n) break;
        d = text.charCodeAt(end);
        if (d < 128 ? CHAR_CLASS[d] !== SPACE : d !== BOM) break;
      }
      offset = end;
      continue;
    }
    if (cls === DIGIT) {
      // `Float`, else `Int` (which always matches), each with `BadNumber` as the longer alternative.
      let type = Float;
      let length = matchLength(FLOAT, text, offset);
      if (length < 0) {
        type = Int;
        length = matchLength(INT, text, offset);
      }
      const bad = matchLength(BAD_NUMBER, text, offset);
      if (bad > length) {
        type = BadNumber;
        length = bad;
      }
      const token = makeToken(type, text.slice(offset, offset + length), offset, line, offset - lineStart + 1);
      tokens.push(token);
      // Floats and integers of 16 digits or more may not fit a double exactly (TFM1008).
      if (type === BadNumber || type === Float || length >= 16) literals.push(token);
      offset += length;
      continue;
    }
    const single = SINGLE[c];
    if (single !== undefined) {
      tokens.push(makeToken(single, single.PATTERN as string, offset, line, offset - lineStart + 1));
      offset++;
      continue;
    }
    const pair = c < 128 ? PAIRS[c] : undefined;
    if (pair !== undefined) {
      const type = text.charCodeAt(offset + 1) === pair[0] ? pair[1] : pair[2];
      if (type !== undefined) {
        tokens.push(makeToken(type, type.PATTERN as string, offset, line, offset - lineStart + 1));
        offset += (type.PATTERN as string).length;
        continue;
      }
    } else if (c === 0x22) {
      // `"`: a string, or one without its closing quote
      let type = StringLiteral;
      let length = matchLength(STRING, text, offset);
      if (length < 0) {
        type = UnterminatedString;
        length = matchLength(UNTERMINATED_STRING, text, offset);
      }
      const token = makeToken(type, text.slice(offset, offset + length), offset, line, offset - lineStart + 1);
      tokens.push(token);
      literals.push(token);
      offset += length;
      continue;
    } else if (c === 0x27) {
      // `'`
      const length = matchLength(SINGLE_QUOTED, text, offset);
      const token = makeToken(SingleQuotedString, text.slice(offset, offset + length), offset, line, offset - lineStart + 1);
      tokens.push(token);
      literals.push(token);
      offset += length;
      continue;
    } else if (c === 0x2f) {
      // `/`: a comment, or a division
      const next = text.charCodeAt(offset + 1);
      if (next !== 0x2f && next !== 0x2a) {
        tokens.push(makeToken(Slash, '/', offset, line, offset - lineStart + 1));
        offset++;
        continue;
      }
      let type: TokenType;
      let end: number;
      if (next === 0x2f) {
        type = LineComment;
        end = offset + 2;
        for (let d = text.charCodeAt(end); end < n && d !== 10 && d !== 13; d = text.charCodeAt(++end));
      } else {
        const close = text.indexOf('*/', offset + 2);
        type = close < 0 ? UnterminatedBlockComment : BlockComment;
        end = close < 0 ? n : close + 2;
      }
      const image = text.slice(offset, end);
      const column = offset - lineStart + 1;
      const comment = new CommentToken(image, offset, end - 1, line, line, column, column + image.length - 1, type.tokenTypeIdx!, type);
      comments.push(comment);
      // A block comment may span lines (chevrotain: `updateTokenEndLineColumnLocation`).
      let breaks = 0;
      let lastBreak = -1;
      for (let i = image.indexOf('\n'); i >= 0; i = image.indexOf('\n', i + 1)) {
        breaks++;
        lastBreak = i;
      }
      if (breaks > 0) {
        line += breaks;
        lineStart = offset + lastBreak + 1;
        const endsWithBreak = lastBreak === image.length - 1;
        if (!(breaks === 1 && endsWithBreak)) {
          comment.endLine = endsWithBreak ? line - 1 : line;
          comment.endColumn = end - lineStart + (endsWithBreak ? 1 : 0);
        }
      }
      offset = end;
      continue;
    }
    // Nothing starts here: skip to where something does.
    const start = offset;
    do offset++;
    while (offset < n && !startsToken(text, offset));
    errors.push({ offset: start, length: offset - start });
  }
  return { tokens, comments, literals, errors };
}

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
}

/**
 * Tokenises `text`, reporting lexical mistakes (TFM1001–1003, 1005, 1007–1009). Never throws. With a
 * `pool`, the token objects are reused ones (see `TokenPool` for when that is safe).
 */
export function lex(text: string, file: string, lines: LineIndex, pool?: TokenPool): LexResult {
  const result = tokenize(text, pool);
  const diagnostics: Diagnostic[] = [];
  const at = (start: number, end: number) => ({ file, span: lines.span(start, end) });

  const bidi = (offset: number, cp: number, where: string) =>
    diagnostic('TFM1009', `bidirectional control character \`${escapeUnsafe(String.fromCodePoint(cp))}\` ${where}`, at(offset, offset + 1), {
      notes: ['it makes the code display in a different order than tfmc reads it (Trojan Source)'],
      help: { message: 'delete it; outside comments, write it as an escape in a string, e.g. `"\\u{202e}"`' },
    });

  for (const e of result.errors) {
    const chars = text.slice(e.offset, e.offset + e.length);
    const bidiAt = firstBidi(chars);
    if (bidiAt >= 0) {
      diagnostics.push(bidi(e.offset + bidiAt, chars.codePointAt(bidiAt)!, 'in the code'));
      continue;
    }
    const what = chars.length === 1 ? 'character' : 'characters';
    const help = unexpectedCharHelp(chars);
    diagnostics.push(
      diagnostic('TFM1001', `unexpected ${what} \`${printable(chars)}\``, at(e.offset, e.offset + e.length), {
        help: help ? { message: help } : undefined,
      }),
    );
  }

  for (const t of result.literals) {
    const start = t.startOffset;
    const end = start + t.image.length;
    switch (t.tokenType) {
      case StringLiteral:
      case UnterminatedString: {
        const bidiAt = firstBidi(t.image);
        if (bidiAt >= 0) diagnostics.push(bidi(start + bidiAt, t.image.codePointAt(bidiAt)!, 'in a string'));
        for (const bad of unescapeString(t.image).errors) {
          diagnostics.push(
            diagnostic('TFM1007', bad.message, at(start + bad.offset, start + bad.offset + bad.length), {
              help: { message: 'valid escapes are `\\"` `\\\\` `\\n` `\\t` `\\r` `\\0` and `\\u{1F600}`' },
            }),
          );
        }
        if (t.tokenType === UnterminatedString) {
          diagnostics.push(
            diagnostic('TFM1002', 'unterminated string literal', at(start, end), {
              help: { message: 'add a closing `"` before the end of the line' },
            }),
          );
        }
        break;
      }
      case SingleQuotedString:
        diagnostics.push(
          diagnostic('TFM1001', "unexpected character `'`", at(start, start + 1), {
            help: { message: 'strings use double quotes, e.g. `"std/attention.tfm"`' },
          }),
        );
        break;
      case Int:
      case Float: {
        const problem = numberRangeProblem(t.image, t.tokenType === Int);
        if (problem) diagnostics.push(diagnostic('TFM1008', problem.message, at(start, end), { help: { message: problem.help } }));
        break;
      }
      case BadNumber:
        diagnostics.push(
          diagnostic('TFM1005', `malformed number literal \`${t.image}\``, at(start, end), {
            help: { message: numberProblem(t.image) },
          }),
        );
        break;
    }
  }

  const comments = result.comments;
  for (const c of comments) {
    if (c.tokenType === UnterminatedBlockComment) {
      diagnostics.push(
        diagnostic('TFM1003', 'unterminated block comment', at(c.startOffset, c.startOffset + 2), {
          help: { message: 'close it with `*/` (block comments do not nest)' },
        }),
      );
    }
  }

  return { tokens: result.tokens, comments, diagnostics };
}

function unexpectedCharHelp(chars: string): string | undefined {
  if (chars === '#') return 'comments start with `//`';
  return undefined;
}

/** Offset of the first bidirectional control character in `s`, or -1. */
function firstBidi(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61c && isBidiControl(c)) return i;
  }
  return -1;
}

/** Shows control characters, bidi controls and the like as escapes so a message never contains raw garbage. */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += isUnsafeCodePoint(cp) || cp === 0x0a ? `\\u{${cp.toString(16)}}` : ch;
  }
  return out.length > 40 ? out.slice(0, 37) + '...' : out;
}

/** The value of a well-formed number literal (`1_024` is 1024). */
export function numberValue(image: string): number {
  return Number(image.includes('_') ? image.replace(/_/g, '') : image);
}

/**
 * Why a well-formed number literal cannot stand for the number it spells, if it cannot: an
 * integer beyond 2^53 − 1 would silently become a neighbour (`9007199254740993` reads as
 * ...992), a float beyond the double range would become infinity, a non-zero float below it zero.
 */
export function numberRangeProblem(image: string, integer: boolean): { message: string; help: string } | undefined {
  const value = numberValue(image);
  if (integer) {
    if (Number.isSafeInteger(value)) return undefined;
    return {
      message: `integer literal \`${image}\` is larger than 2^53 − 1 (9007199254740991) and cannot be represented exactly`,
      help: 'sizes and counts must be at most 9_007_199_254_740_991; write a float (e.g. `1e18`) where an approximate number will do',
    };
  }
  if (!Number.isFinite(value)) {
    return { message: `number literal \`${image}\` is too large: it would be infinity`, help: 'numbers must be at most about 1.8e308' };
  }
  if (value === 0 && /[1-9]/.test(image.replace(/[eE].*$/, ''))) {
    return { message: `number literal \`${image}\` is too small: it would be 0`, help: 'non-zero numbers must be at least about 5e-324; write `0.0` for zero' };
  }
  return undefined;
}

/** Says which rule a malformed number breaks. */
function numberProblem(image: string): string {
  if (/__|_$|_[.eE]|[.eE][+-]?_|^[0-9]+_[^0-9]/.test(image)) {
    return 'an `_` may only stand between two digits, e.g. `1_024`';
  }
  if (/[eE][+-]?$/.test(image)) return 'the exponent needs digits, e.g. `1e-6`';
  if (image.endsWith('.')) return `a fraction needs digits after the \`.\`, e.g. \`${image}0\``;
  return 'a number cannot run into letters; separate them with a space or an operator';
}

export interface EscapeError {
  /** Offset of the bad escape within the token image. */
  offset: number;
  length: number;
  message: string;
}

const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t', r: '\r', '0': '\0' };

/**
 * The value of a string token (with or without its closing quote). An invalid escape is kept
 * as written and reported.
 */
export function unescapeString(image: string): { value: string; errors: EscapeError[] } {
  const closed = image.length >= 2 && image.endsWith('"') && !endsWithEscapedQuote(image);
  const body = image.slice(1, closed ? -1 : undefined);
  const errors: EscapeError[] = [];
  let value = '';
  let i = 0;
  while (i < body.length) {
    const slash = body.indexOf('\\', i);
    if (slash < 0) {
      value += body.slice(i);
      break;
    }
    value += body.slice(i, slash);
    const next = body[slash + 1];
    if (next === undefined) break; // a lone `\` at the end of an unterminated string
    if (next in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[next];
      i = slash + 2;
      continue;
    }
    if (next === 'u') {
      const m = /^\\u\{([0-9A-Fa-f]{1,6})\}/.exec(body.slice(slash, slash + 10));
      const cp = m ? parseInt(m[1], 16) : -1;
      if (m && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) {
        value += String.fromCodePoint(cp);
        i = slash + m[0].length;
        continue;
      }
      const len = m ? m[0].length : 2;
      const text = body.slice(slash, slash + len);
      errors.push({
        offset: 1 + slash,
        length: len,
        message: m
          ? `invalid escape \`${printable(text)}\`: not a Unicode scalar value`
          : 'invalid escape `\\u`: expected `\\u{` followed by 1 to 6 hex digits and `}`',
      });
      value += text;
      i = slash + len;
      continue;
    }
    const bad = String.fromCodePoint(body.codePointAt(slash + 1)!);
    errors.push({ offset: 1 + slash, length: 1 + bad.length, message: `invalid escape \`\\${printable(bad)}\`` });
    value += '\\' + bad;
    i = slash + 1 + bad.length;
  }
  return { value, errors };
}

/** True when the final `"` of `image` is escaped (so the string is not actually closed). */
function endsWithEscapedQuote(image: string): boolean {
  let slashes = 0;
  for (let i = image.length - 2; i > 0 && image[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}
