/**
 * Token definitions and the lexer for `.tfm`.
 *
 * Broken literals still become tokens (`UnterminatedString`, `BadNumber`, ...) that the parser
 * accepts where a literal may stand: the lexer reports the mistake once and the parser carries on
 * as if the literal were fine, so one typo yields one diagnostic instead of a cascade.
 */
import { createToken, Lexer, type IToken, type TokenType } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../check/diagnostics.js';
import { CONTEXTUAL_KEYWORDS, KEYWORDS, type Keyword } from './keywords.js';
import type { LineIndex } from './spans.js';

// ── categories (never matched directly; the parser consumes them to accept any member) ──

export const KeywordCat = createToken({ name: 'Keyword', pattern: Lexer.NA });
/** Every binary operator; build-ast applies their precedence. */
export const BinaryOp = createToken({ name: 'BinaryOp', pattern: Lexer.NA, label: 'binaryOp' });
/** The arithmetic ones, allowed in a repeat count: `+ - * / % @ ^`. */
export const ArithOp = createToken({ name: 'ArithOp', pattern: Lexer.NA, label: 'arithOp', categories: [BinaryOp] });
export const UnaryOp = createToken({ name: 'UnaryOp', pattern: Lexer.NA, label: "'-' | '!'" });
/** Integer literals, well-formed or not (a malformed number is accepted where an integer is). */
export const IntLiteral = createToken({ name: 'IntLiteral', pattern: Lexer.NA, label: 'INT' });

// ── trivia ──

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\f\v\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\r\n]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  group: 'comments',
  line_breaks: true,
});
/** A `/*` with no closing `*\/`: runs to the end of the file. */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: /\/\*[\s\S]*/,
  group: 'comments',
  line_breaks: true,
});

// ── literals and names ──

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, label: 'IDENT' });

export const StringLiteral = createToken({
  name: 'StringLiteral',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/,
  label: 'STRING',
});
/** A string with no closing quote on its line; it ends at the line end (TFM1002). */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\[^\r\n]?)*/,
  categories: [StringLiteral],
});
/** `'abc'`: a common slip; lexed whole so it is one error, not three. */
export const SingleQuotedString = createToken({
  name: 'SingleQuotedString',
  pattern: /'[^'\r\n]*'?/,
  categories: [StringLiteral],
});

/**
 * Anything that starts like a number but is not one: `1__0`, `10_`, `1e`, `3px`, `2.` (TFM1005).
 * Only reached through `longer_alt` of `Int`/`Float`; build-ast turns it into an ErrorExpr.
 */
export const BadNumber = createToken({
  name: 'BadNumber',
  pattern: /[0-9][0-9_]*\.(?![0-9A-Za-z_])|[0-9][0-9_]*(?:\.[0-9][0-9_]*)?(?:[eE][+-]?[0-9_]*)?[A-Za-z0-9_]*/,
  categories: [IntLiteral],
});
export const Int = createToken({
  name: 'Int',
  pattern: /[0-9](?:_?[0-9])*/,
  longer_alt: BadNumber,
  categories: [IntLiteral],
});
export const Float = createToken({
  name: 'Float',
  pattern: /[0-9](?:_?[0-9])*(?:\.[0-9](?:_?[0-9])*(?:[eE][+-]?[0-9](?:_?[0-9])*)?|[eE][+-]?[0-9](?:_?[0-9])*)/,
  longer_alt: BadNumber,
  label: 'FLOAT',
});

// ── keywords ──

function keyword(word: Keyword): TokenType {
  const name = 'Kw' + word[0].toUpperCase() + word.slice(1);
  // Contextual keywords are also names: `memory` is the natural name of a decoder's encoder
  // input, `shared` of a shared embedding; the parser tells them apart by what follows.
  const categories = CONTEXTUAL_KEYWORDS.has(word) ? [KeywordCat, Identifier] : [KeywordCat];
  return createToken({ name, pattern: word, longer_alt: Identifier, categories, label: `'${word}'` });
}

/** Keyword token types by spelling. */
export const Kw = Object.fromEntries(KEYWORDS.map((w) => [w, keyword(w)])) as Record<Keyword, TokenType>;

// ── punctuation and operators ──

function punct(name: string, image: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, pattern: image, categories, label: `'${image}'` });
}

export const LParen = punct('LParen', '(');
export const RParen = punct('RParen', ')');
export const LBracket = punct('LBracket', '[');
export const RBracket = punct('RBracket', ']');
export const LBrace = punct('LBrace', '{');
export const RBrace = punct('RBrace', '}');
export const Comma = punct('Comma', ',');
export const Colon = punct('Colon', ':');
export const Semi = punct('Semi', ';');
export const Dot = punct('Dot', '.');
export const Question = punct('Question', '?');
export const EqEq = punct('EqEq', '==', [BinaryOp]);
export const Eq = punct('Eq', '=');
export const NotEq = punct('NotEq', '!=', [BinaryOp]);
export const Bang = punct('Bang', '!', [UnaryOp]);
export const LtEq = punct('LtEq', '<=', [BinaryOp]);
export const Lt = punct('Lt', '<', [BinaryOp]);
export const GtEq = punct('GtEq', '>=', [BinaryOp]);
export const Gt = punct('Gt', '>', [BinaryOp]);
export const Plus = punct('Plus', '+', [ArithOp]);
export const Minus = punct('Minus', '-', [ArithOp, UnaryOp]);
export const Star = punct('Star', '*', [ArithOp]);
export const Slash = punct('Slash', '/', [ArithOp]);
export const Percent = punct('Percent', '%', [ArithOp]);
export const At = punct('At', '@', [ArithOp]);
export const Caret = punct('Caret', '^', [ArithOp]);
export const AmpAmp = punct('AmpAmp', '&&', [BinaryOp]);
export const Amp = punct('Amp', '&', [BinaryOp]);
export const PipePipe = punct('PipePipe', '||', [BinaryOp]);

/** Longer spellings first: the lexer takes the first pattern that matches (`longer_alt` aside). */
const KEYWORD_ORDER: Keyword[] = [...KEYWORDS].sort((a, b) => b.length - a.length);

/** Every token type, in lexer priority order (categories included for the parser's vocabulary). */
export const allTokens: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  StringLiteral,
  UnterminatedString,
  SingleQuotedString,
  ...KEYWORD_ORDER.map((w) => Kw[w]),
  Identifier,
  Float,
  Int,
  BadNumber,
  EqEq,
  Eq,
  NotEq,
  Bang,
  LtEq,
  Lt,
  GtEq,
  Gt,
  AmpAmp,
  Amp,
  PipePipe,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Comma,
  Colon,
  Semi,
  Dot,
  Question,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  At,
  Caret,
  KeywordCat,
  BinaryOp,
  ArithOp,
  UnaryOp,
  IntLiteral,
];

const lexer = new Lexer(allTokens, {
  positionTracking: 'full',
  // Lines end at `\n` only, matching `LineIndex` (a `\r\n` pair is one break, a lone `\r` none).
  lineTerminatorsPattern: /\n/g, // must be global: chevrotain scans with lastIndex
  lineTerminatorCharacters: ['\n'],
  ensureOptimizations: true,
});

export interface LexResult {
  tokens: IToken[];
  comments: IToken[];
  diagnostics: Diagnostic[];
}

/** Tokenises `text`, reporting lexical mistakes (TFM1001–1003, 1005, 1007). Never throws. */
export function lex(text: string, file: string, lines: LineIndex): LexResult {
  const result = lexer.tokenize(text);
  const diagnostics: Diagnostic[] = [];
  const at = (start: number, end: number) => ({ file, span: lines.span(start, end) });

  for (const e of result.errors) {
    const chars = text.slice(e.offset, e.offset + e.length);
    const what = chars.length === 1 ? 'character' : 'characters';
    const help = unexpectedCharHelp(chars);
    diagnostics.push(
      diagnostic('TFM1001', `unexpected ${what} \`${printable(chars)}\``, at(e.offset, e.offset + e.length), {
        help: help ? { message: help } : undefined,
      }),
    );
  }

  for (const t of result.tokens) {
    const start = t.startOffset;
    const end = start + t.image.length;
    switch (t.tokenType) {
      case StringLiteral:
      case UnterminatedString:
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
      case SingleQuotedString:
        diagnostics.push(
          diagnostic('TFM1001', "unexpected character `'`", at(start, start + 1), {
            help: { message: 'strings use double quotes, e.g. `"std/attention.tfm"`' },
          }),
        );
        break;
      case BadNumber:
        diagnostics.push(
          diagnostic('TFM1005', `malformed number literal \`${t.image}\``, at(start, end), {
            help: { message: numberProblem(t.image) },
          }),
        );
        break;
    }
  }

  const comments = result.groups.comments ?? [];
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
  if (chars === '|') return 'did you mean `||`?';
  if (chars === '#') return 'comments start with `//`';
  return undefined;
}

/** Shows control characters and the like as escapes so a message never contains raw garbage. */
export function printable(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff) ? `\\u{${cp.toString(16)}}` : ch;
  }
  return out.length > 40 ? out.slice(0, 37) + '...' : out;
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
