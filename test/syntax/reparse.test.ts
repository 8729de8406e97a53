/**
 * `reparse` (the language server's parse of an edited document) gives exactly what `parse` gives,
 * AST and diagnostics, for random edits of every shipped spec, of the standard library and of a
 * generated 2,000-line spec: keystrokes inside and between items, deleted and pasted ranges,
 * opened comments and strings, new lines. Each edit is applied to the previous result, as typing
 * does, so positions shifted by one reparse are shifted again by the next.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/syntax/parse.js';
import { reparse, type Parsed } from '../../src/syntax/reparse.js';

const { generateSpec } = (await import('../../bench/generate.js' as string)) as { generateSpec: (blocks: number) => string };
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const files = [
  ...fs.readdirSync(path.join(ROOT, 'specs')).filter((f) => f.endsWith('.tfm')).map((f) => path.join(ROOT, 'specs', f)),
  ...fs.readdirSync(path.join(ROOT, 'src/std')).filter((f) => f.endsWith('.tfm')).map((f) => path.join(ROOT, 'src/std', f)),
];

const SNIPPETS = ['x', '1', ' ', '\n', '/*', '*/', '//', '"', '}', '{', '(', ')', 'model ', 'block B(n: int) {\n  in x: float32[n]\n  out x\n}\n', '\n\n', '😀', ';', 'let y = x\n'];

function rng(seed: number) {
  return (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
}

/** One random edit: insert a snippet, delete a range, or replace a range with a snippet. */
function edit(text: string, rand: (n: number) => number): string {
  const at = rand(text.length + 1);
  const len = rand(4) === 0 ? rand(40) : rand(3);
  const insert = rand(3) === 0 ? '' : SNIPPETS[rand(SNIPPETS.length)];
  return text.slice(0, at) + insert + text.slice(Math.min(text.length, at + len));
}

function typeAway(file: string, text: string, edits: number, seed: number): { clean: number; reused: number } {
  const rand = rng(seed);
  let previous: Parsed = { text, result: parse(text, file) };
  let reused = 0;
  let clean = 0;
  for (let i = 0; i < edits; i++) {
    const next = edit(previous.text, rand);
    const got = reparse(next, file, previous);
    expect(got, `edit ${i} of ${path.basename(file)}`).toEqual(parse(next, file));
    if (got.diagnostics.length === 0) clean++;
    if (got.ast.items.some((item) => previous.result.ast.items.includes(item))) reused++;
    // Keep typing on a text that parses, so the next edit can reuse it; go back when it does not
    // (after an edit that breaks the text, the next reparse is a whole parse anyway).
    if (got.diagnostics.length === 0) previous = { text: next, result: got };
  }
  return { clean, reused };
}

describe('reparse equals parse', () => {
  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s, under 60 random edits', (_, file) => {
    typeAway(file, fs.readFileSync(file, 'utf8'), 60, file.length);
  });

  it('a spec that starts with a byte-order mark, with CRLF line breaks', () => {
    typeAway('/bom.tfm', '\uFEFF' + fs.readFileSync(files[0], 'utf8').replace(/\n/g, '\r\n'), 40, 5);
  });

  it('a generated 2,000-line spec, reusing the items the edits did not touch', () => {
    const text = generateSpec(41);
    const { clean, reused } = typeAway('/generated.tfm', text, 40, 11);
    expect(clean).toBeGreaterThan(5);
    expect(reused).toBeGreaterThan(clean / 2); // an edit that parses mostly reparses one item, not the file
  });

  it('the same text gives the same result; an edit in one block reuses the blocks before it', () => {
    const text = generateSpec(5);
    const first = parse(text, '/g.tfm');
    expect(reparse(text, '/g.tfm', { text, result: first })).toBe(first);
    const at = text.indexOf('let fc2 = Linear(d_model)', text.indexOf('block Layer3('));
    const next = text.slice(0, at) + text.slice(at).replace('Linear(d_model)', 'Linear(d_ff)');
    const got = reparse(next, '/g.tfm', { text, result: first });
    expect(got).toEqual(parse(next, '/g.tfm'));
    for (let i = 0; i < 3; i++) expect(got.ast.items[i]).toBe(first.ast.items[i]); // reused
    expect(got.ast.items[3]).not.toBe(first.ast.items[3]); // the edited block, parsed again
  });
});
