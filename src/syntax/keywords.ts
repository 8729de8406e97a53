/**
 * The reserved words of `.tfm` and the lexical facts other tools (TextMate grammar, formatter,
 * docs) share with the lexer. Kept free of chevrotain imports so it is cheap to load.
 */

/** Every keyword. All are reserved (never a name) except the contextual ones below. */
export const KEYWORDS = [
  'import',
  'block',
  'model',
  'extends',
  'config',
  'input',
  'in',
  'out',
  'output',
  'let',
  'loss',
  'mask',
  'memory',
  'expect',
  'replace',
  'if',
  'else',
  'repeat',
  'shared',
  'where',
  'enum',
  'true',
  'false',
] as const;

export type Keyword = (typeof KEYWORDS)[number];

/** Keywords that may also be used as names (`in memory: ...`, `let shared = ...`, `let replace = ...`). */
export const CONTEXTUAL_KEYWORDS: ReadonlySet<string> = new Set(['memory', 'shared', 'replace']);

const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** Whether `word` is reserved: a keyword that can never be used as a name. */
export function isKeyword(word: string): word is Keyword {
  return KEYWORD_SET.has(word) && !CONTEXTUAL_KEYWORDS.has(word);
}

/** Tensor element types. Not reserved (only `mask` is, for its own statement). */
export const DTYPES = ['int32', 'float32', 'bool', 'mask'] as const;
