/** grammar/tfm.tmLanguage.json stays in step with the lexer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allTokens, KeywordCat } from '../../src/syntax/tokens.js';
import { DTYPES } from '../../src/syntax/keywords.js';
import { PUBLIC_OPS } from '../../src/ir/ops/index.js';

interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  include?: string;
  patterns?: Rule[];
  captures?: Record<string, { name: string }>;
}

const grammar = JSON.parse(readFileSync(new URL('../../grammar/tfm.tmLanguage.json', import.meta.url), 'utf8')) as {
  scopeName: string;
  patterns: Rule[];
  repository: Record<string, Rule>;
};

/** Every rule of the grammar with the scope it gives a whole match. */
function rules(): Rule[] {
  const out: Rule[] = [];
  const walk = (r: Rule) => {
    out.push(r);
    r.patterns?.forEach(walk);
  };
  grammar.patterns.forEach(walk);
  Object.values(grammar.repository).forEach(walk);
  return out;
}

/** The scope a standalone word gets from the first top-level rule that matches all of it. */
function scopeOf(word: string): string | undefined {
  for (const top of grammar.patterns) {
    const rule = top.include ? grammar.repository[top.include.slice(1)] : top;
    for (const r of rule.patterns ?? [rule]) {
      if (!r.match || !r.name) continue;
      const m = new RegExp(r.match).exec(word);
      if (m && m.index === 0 && m[0] === word) return r.name;
    }
  }
  return undefined;
}

const keywords = allTokens.filter((t) => (t.CATEGORIES ?? []).includes(KeywordCat)).map((t) => t.PATTERN as string);

describe('TextMate grammar', () => {
  it('is source.tfm and every regex compiles', () => {
    expect(grammar.scopeName).toBe('source.tfm');
    for (const r of rules()) for (const re of [r.match, r.begin, r.end]) if (re) expect(() => new RegExp(re)).not.toThrow();
  });

  it('highlights every keyword of the lexer as a keyword (or boolean constant)', () => {
    expect(keywords.length).toBe(23);
    for (const kw of keywords) expect(scopeOf(kw), kw).toMatch(/^(keyword\.|constant\.language\.)/);
  });

  it('dtypes, numbers, primitives and operators', () => {
    for (const d of DTYPES.filter((d) => d !== 'mask')) expect(scopeOf(d), d).toMatch(/^support\.type/);
    expect(new RegExp(grammar.repository['tensor-types'].match!).exec('mask[B, T]')?.[0]).toBe('mask');
    expect(scopeOf('124_439_808')).toBe('constant.numeric.integer.tfm');
    expect(scopeOf('1e-6')).toBe('constant.numeric.float.tfm');
    expect(scopeOf('1_000.5')).toBe('constant.numeric.float.tfm');
    expect(scopeOf('1__0')).toMatch(/^invalid/);
    for (const f of ['Linear', 'LayerNorm', 'cross_entropy', 'softmax', 'causal']) expect(scopeOf(f), f).toMatch(/^support\.function/);
    for (const op of ['||', '&&', '==', '<=', '&', '+', '^', '@']) expect(scopeOf(op), op).toMatch(/^keyword\.operator/);
    expect(scopeOf('d_model')).toBe('variable.other.tfm');
  });

  it('highlights every primitive a spec can name: layers as layers, functions as functions', () => {
    const patterns = JSON.stringify(grammar);
    const listed = (scope: string) => {
      const m = new RegExp(`"name":"${scope.replace(/\./g, '\\.')}","match":"\\\\\\\\b\\(([^)]*)\\)`).exec(patterns);
      return new Set(m ? m[1].split('|') : []);
    };
    const layers = listed('support.function.layer.tfm');
    const functions = listed('support.function.builtin.tfm');
    for (const [name, op] of PUBLIC_OPS) expect(op.kind === 'layer' ? layers : functions, name).toContain(name);
  });

  it('names block and model declarations', () => {
    const decl = grammar.repository.declarations.patterns!;
    const model = decl.find((r) => r.captures?.['2']?.name.includes('model'))!;
    const m = new RegExp(model.match!).exec('model Gpt2Tiny extends Gpt2Small {')!;
    expect([m[2], m[4]]).toEqual(['Gpt2Tiny', 'Gpt2Small']);
    const block = decl.find((r) => r.captures?.['2']?.name.includes('block'))!;
    expect(new RegExp(block.match!).exec('block FeedForward(')![2]).toBe('FeedForward');
  });

  it('strings with escapes, and comments', () => {
    const str = grammar.repository.strings;
    expect(str.name).toBe('string.quoted.double.tfm');
    const escape = str.patterns!.find((p) => p.name === 'constant.character.escape.tfm')!;
    for (const e of ['\\"', '\\\\', '\\n', '\\t', '\\r', '\\0', '\\u{1F600}']) expect(new RegExp(`^(?:${escape.match})$`).test(e), e).toBe(true);
    const comments = grammar.repository.comments.patterns!.map((p) => p.name);
    expect(comments).toEqual(['comment.block.tfm', 'comment.line.double-slash.tfm']);
  });
});
