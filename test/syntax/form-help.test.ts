/**
 * Constructs written in another language's form get help that says the `.tfm` form, and applying
 * the help's edit (when it has one) parses.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEdits } from '../../src/diagnostics/edits.js';
import { checkSource } from '../../src/index.js';
import { parse } from '../../src/syntax/parse.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/invalid');

describe('help for another language form', () => {
  it('`vocab: 64` in a config: the colon becomes `=`, and the spec checks', () => {
    const path = join(FIXTURES, 'config-colon-for-equals.tfm');
    const text = readFileSync(path, 'utf8');
    const [d] = parse(text, path).diagnostics;
    expect(d.help?.message).toContain('a config entry is `name = value`');
    const fixed = applyEdits(text, d.help!.edits!);
    expect(fixed).toContain('vocab = 64');
    expect(checkSource(fixed, path).diagnostics.filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('a `:` before a type is not this mistake', () => {
    const r = parse('model A {\n  config {\n    vocab: int = 64\n  }\n  input x: float32[b, 4]\n  output y = x\n}\n', 'a.tfm');
    expect(r.diagnostics).toEqual([]);
  });

  it('`repeat layers DecoderLayer(...)`: one error, whose help spells the braces with the written count and layer', () => {
    const path = join(FIXTURES, 'repeat-without-braces.tfm');
    const r = parse(readFileSync(path, 'utf8'), path);
    expect(r.diagnostics.map((d) => d.message)).toEqual(['expected `{`, found `DecoderLayer`']);
    expect(r.diagnostics[0].help?.message).toBe('the repeated layer goes in braces: `repeat layers { DecoderLayer(...) }`');
    const other = parse('model A {\n  let b = repeat 2 * n Linear(4)\n  output y = b(x)\n}\n', 'a.tfm');
    expect(other.diagnostics[0].help?.message).toBe('the repeated layer goes in braces: `repeat 2 * n { Linear(...) }`');
  });
});
