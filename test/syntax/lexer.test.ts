/** The lexer: token kinds, keywords vs names, literals, and one diagnostic per lexical mistake. */
import type { IToken } from 'chevrotain';
import { Lexer } from '../../src/syntax/chevrotain.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEYWORDS } from '../../src/syntax/keywords.js';
import { lex, tokenize, unescapeString } from '../../src/syntax/lexer.js';
import { parse } from '../../src/syntax/parse.js';
import { LineIndex } from '../../src/diagnostics/spans.js';
import { allTokens, Kw, KeywordCat, LEXER_CONFIG } from '../../src/syntax/tokens.js';
import { GPT2, spanStr } from './helpers.js';

function tokens(src: string): string[] {
  return lex(src, 'l.tfm', new LineIndex(src)).tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

function diags(src: string): string[] {
  return parse(src, 'l.tfm').diagnostics.map((d) => `${d.code} ${spanStr(d.primary.span)} ${d.message}`);
}

describe('lexer', () => {
  it('every keyword is its own token and belongs to the Keyword category', () => {
    for (const word of KEYWORDS) {
      const [t] = lex(word, 'k.tfm', new LineIndex(word)).tokens;
      expect(t.tokenType).toBe(Kw[word]);
      expect(t.tokenType.CATEGORIES).toContain(KeywordCat);
    }
  });

  it('names that start with a keyword are identifiers (longer_alt)', () => {
    const names = ['input_ids', 'inner', 'output_proj', 'maskless', 'lets', 'outs', 'model2', 'if_gelu', 'memory_mask', 'shared_emb'];
    expect(tokens(names.join(' '))).toEqual(names.map((n) => `Identifier:${n}`));
    expect(tokens('in input inp out output outp')).toEqual([
      'KwIn:in',
      'KwInput:input',
      'Identifier:inp',
      'KwOut:out',
      'KwOutput:output',
      'Identifier:outp',
    ]);
  });

  it('numbers: underscores between digits only; floats need a digit after the dot', () => {
    expect(tokens('123 124_439_808 0.1 1e-6 1.5E+3 1_000.5 2e10')).toEqual([
      'Int:123',
      'Int:124_439_808',
      'Float:0.1',
      'Float:1e-6',
      'Float:1.5E+3',
      'Float:1_000.5',
      'Float:2e10',
    ]);
    // A member access on an integer is not a float.
    expect(tokens('3.x')).toEqual(['Int:3', 'Dot:.', 'Identifier:x']);
  });

  it('malformed numbers are one TFM1005 each', () => {
    for (const bad of ['1__0', '10_', '1e', '1e+', '3px', '1_.5', '2.', '0x1F']) {
      expect(diags(`model M { expect ${bad} == 1 }`)).toEqual([
        `TFM1005 1:18-1:${18 + bad.length} malformed number literal \`${bad}\``,
      ]);
    }
  });

  it('operators: longest match first', () => {
    expect(tokens('== = != ! <= < >= > && & || | + - * / % ^ @ ? . , : ;').map((t) => t.split(':')[0])).toEqual([
      'EqEq', 'Eq', 'NotEq', 'Bang', 'LtEq', 'Lt', 'GtEq', 'Gt', 'AmpAmp', 'Amp', 'PipePipe', 'Pipe',
      'Plus', 'Minus', 'Star', 'Slash', 'Percent', 'Caret', 'At', 'Question', 'Dot', 'Comma', 'Colon', 'Semi',
    ]);
  });

  it('comments are collected, not tokens', () => {
    const r = lex('a // one\n/* two\n three */ b /**/ c', 'c.tfm', new LineIndex('a // one\n/* two\n three */ b /**/ c'));
    expect(r.tokens.map((t) => t.image)).toEqual(['a', 'b', 'c']);
    expect(r.comments.map((t) => t.image)).toEqual(['// one', '/* two\n three */', '/**/']);
  });

  it('block comments do not nest', () => {
    expect(diags('/* a /* b */ model M { } */')).toEqual(['TFM1004 1:26-1:27 expected `import`, `block` or `model`, found `*`']);
  });

  it('strings: escapes are decoded', () => {
    expect(unescapeString('"a\\"b\\\\c\\n\\t\\r\\0\\u{1F600}\\u{41}"')).toEqual({ value: 'a"b\\c\n\t\r\0😀A', errors: [] });
  });

  it('invalid escapes are TFM1007, one per escape, at the escape', () => {
    expect(diags('import "a\\qb\\u{110000}c\\u{zz}"')).toEqual([
      'TFM1007 1:10-1:12 invalid escape `\\q`',
      'TFM1007 1:13-1:23 invalid escape `\\u{110000}`: not a Unicode scalar value',
      'TFM1007 1:24-1:26 invalid escape `\\u`: expected `\\u{` followed by 1 to 6 hex digits and `}`',
    ]);
  });

  it('an unterminated string ends at the line end: TFM1002 and nothing else', () => {
    expect(diags('model M {\n  let s = f("abc)\n  let t = 1\n}')).toEqual(['TFM1002 2:13-2:18 unterminated string literal']);
    expect(diags('import "std/x.tfm')).toEqual(['TFM1002 1:8-1:18 unterminated string literal']);
  });

  it('an unterminated block comment: TFM1003 at the `/*`, and nothing else', () => {
    expect(diags('model M {\n /* oops\n let x = 1\n}')).toEqual(['TFM1003 2:2-2:4 unterminated block comment']);
  });

  it('unexpected characters: TFM1001 with a hint for likely slips (a single `|` is mask union)', () => {
    const r = parse("model M { let x = 1 # note\n let y = 'a' | b }", 'u.tfm');
    expect(r.diagnostics.map((d) => `${d.code} ${spanStr(d.primary.span)} ${d.message} | ${d.help?.message}`)).toEqual([
      'TFM1001 1:21-1:22 unexpected character `#` | comments start with `//`',
      "TFM1001 2:10-2:11 unexpected character `'` | strings use double quotes, e.g. `\"std/attention.tfm\"`",
    ]);
  });

  it('control characters are shown escaped', () => {
    expect(diags('model M { \u0007 }')).toEqual(['TFM1001 1:11-1:12 unexpected character `\\u{7}`']);
  });

  describe('the scanner agrees with chevrotain\'s Lexer on the same token definitions', () => {
    const reference = new Lexer(allTokens, LEXER_CONFIG);
    const fields = (t: IToken) => ({
      type: t.tokenType.name,
      idx: t.tokenTypeIdx === t.tokenType.tokenTypeIdx,
      image: t.image,
      at: [t.startOffset, t.endOffset, t.startLine, t.endLine, t.startColumn, t.endColumn],
    });
    const agree = (text: string) => {
      const want = reference.tokenize(text);
      const got = tokenize(text);
      expect(got.tokens.map(fields)).toEqual(want.tokens.map(fields));
      expect(got.comments.map(fields)).toEqual((want.groups.comments ?? []).map(fields));
      expect(got.errors).toEqual(want.errors.map((e) => ({ offset: e.offset, length: e.length })));
    };
    // Pieces of every token kind, broken ones and the characters around them.
    const PIECES = [
      'in', 'input', 'inp', 'out', 'output', 'memory', 'shared', 'x', 'Z_9', '_', '0', '12', '1_0', '1__0', '10_', '.', '5', 'e', 'E', '+', '-',
      '1e', '1e-6', '2.', '3px', '0x1F', '"', '"a"', '"\\', '\\', "'", "'s'", '/', '*', '//', '/*', '*/', '\n', '\r\n', '\r', '\t', ' ', '\uFEFF',
      '\f', '\v', '=', '==', '!', '!=', '<', '<=', '>', '>=', '&', '&&', '|', '||', '(', ')', '[', ']', '{', '}', ',', ':', ';', '?', '%', '@',
      '^', '#', '$', '`', '~', 'é', '😀', '\u2028', '\u0000',
    ];

    it('on token soup', () => {
      fc.assert(fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 80 }), (ps) => agree(ps.join(''))), { numRuns: 500 });
    });

    it('on random text', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), agree), { numRuns: 300 });
    });

    it('on a spec', () => {
      agree(`${GPT2}\n/* a block\ncomment */ x /* unterminated\n`);
    });
  });
});
