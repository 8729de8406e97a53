/**
 * The token types of `.tfm`: what the parser matches on, and a complete chevrotain lexer
 * definition (`allTokens` with `LEXER_CONFIG`) that the hand-written scanner in lexer.ts follows
 * token for token.
 *
 * Broken literals have token types of their own (`UnterminatedString`, `BadNumber`, ...) in the
 * category of the literal they resemble, so the parser accepts them where a literal may stand and
 * the one diagnostic for the mistake comes from the lexer.
 */
import type { ILexerConfig, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import { CONTEXTUAL_KEYWORDS, KEYWORDS, type Keyword } from './keywords.js';

// ── categories (never matched directly; the parser consumes them to accept any member) ──

export const KeywordCat = createToken({ name: 'Keyword', pattern: Lexer.NA });
/** Every binary operator; operator-climbing.ts applies their precedence. */
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
 * Only reached through `longer_alt` of `Int`/`Float`; build-ast.ts turns it into an ErrorExpr.
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
export const Pipe = punct('Pipe', '|', [BinaryOp]);

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
  Pipe,
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

/** How `allTokens` is meant to be lexed, as a chevrotain `Lexer` configuration (see `tokenize` in lexer.ts). */
export const LEXER_CONFIG: ILexerConfig = {
  positionTracking: 'full',
  // Lines end at `\n` only, matching `LineIndex` (a `\r\n` pair is one break, a lone `\r` none).
  lineTerminatorsPattern: /\n/g, // must be global: chevrotain scans with lastIndex
  lineTerminatorCharacters: ['\n'],
  ensureOptimizations: true,
};
