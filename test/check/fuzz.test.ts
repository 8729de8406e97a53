/**
 * Property tests over the whole pipeline (parse → lower → check): random token soup and random
 * mutations of the shipped specs never throw, never hang, and always end in either a checked IR
 * for every model or at least one diagnostic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/index.js';

const SPECS = join(import.meta.dirname, '../../specs');
const specs = readdirSync(SPECS).filter((f) => f.endsWith('.tfm')).map((f) => readFileSync(join(SPECS, f), 'utf8'));
const PATH = join(import.meta.dirname, '../../specs/fuzz-case.tfm');

const TOKENS = [
  'model', 'block', 'config', 'input', 'in', 'out', 'output', 'let', 'loss', 'mask', 'memory', 'expect', 'if', 'else',
  'repeat', 'shared', 'where', 'enum', 'import', 'extends', 'true', 'false', 'x', 'y', 'd_model', 'heads', 'B', 'T',
  'Linear', 'Embedding', 'LayerNorm', 'EncoderLayer', 'DecoderLayer', 'MultiHeadAttention', 'softmax', 'causal',
  'padding', 'split_heads', 'int32', 'float32', 'mask', '0', '1', '-1', '512', '0.5', '1e-6', '"std/x.tfm"',
  '(', ')', '[', ']', '{', '}', ',', ':', '=', '==', '+', '-', '*', '/', '%', '^', '@', '&', '&&', '||', '!', '?',
  '.', ';', '\n', '//c\n', '/*', '*/', '"', '\\', '\u00e9', '\t',
];

/** Every run returns promptly with models or diagnostics. */
function assertSound(text: string): void {
  const t0 = Date.now();
  const r = checkSource(text, PATH);
  const elapsed = Date.now() - t0;
  expect(elapsed).toBeLessThan(5_000); // a hang guard, not a speed test
  const declared = (text.match(/\bmodel\s+[A-Za-z_]\w*/g) ?? []).length;
  const errors = r.diagnostics.filter((d) => d.severity === 'error').length;
  // No error means the IR was built: every spec that declares a model yields at least one.
  if (errors === 0 && declared > 0) expect(r.models.length).toBeGreaterThan(0);
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^TFM\d{4}$/);
    expect(d.primary.span.start.line).toBeGreaterThanOrEqual(1);
    expect(d.primary.span.end.offset).toBeGreaterThanOrEqual(d.primary.span.start.offset);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

type Mutation = { kind: 'delete' | 'duplicate' | 'swap' | 'number' | 'insert' | 'rename'; at: number; arg: number; token: string };

function mutate(text: string, muts: Mutation[]): string {
  let lines = text.split('\n');
  for (const m of muts) {
    const i = m.at % lines.length;
    const j = m.arg % lines.length;
    switch (m.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, lines[i]);
        break;
      case 'swap':
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      case 'number':
        lines[i] = lines[i].replace(/\d+/, String([0, -1, 1, 7, 3, 100000, 2 ** 31][m.arg % 7]));
        break;
      case 'insert': {
        const col = m.arg % (lines[i].length + 1);
        lines[i] = lines[i].slice(0, col) + m.token + lines[i].slice(col);
        break;
      }
      case 'rename':
        lines[i] = lines[i].replace(/[a-z_]{3,}/, (w) => w.slice(0, -1));
        break;
    }
    if (lines.length === 0) lines = [''];
  }
  return lines.join('\n');
}

// Generous timeouts: hundreds of full checks; the property, not the speed, is under test.
describe('the pipeline on arbitrary input', { timeout: 180_000 }, () => {
  it('survives random token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 120 }), (toks) => assertSound(toks.join(' '))),
      { numRuns: 300 },
    );
  });

  it('survives random unicode text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (s) => assertSound(s)), { numRuns: 200 });
  });

  it('survives mutations of the shipped specs', () => {
    const mutation = fc.record({
      kind: fc.constantFrom('delete', 'duplicate', 'swap', 'number', 'insert', 'rename'),
      at: fc.nat(),
      arg: fc.nat(),
      token: fc.constantFrom(...TOKENS),
    }) as fc.Arbitrary<Mutation>;
    fc.assert(
      fc.property(fc.constantFrom(...specs), fc.array(mutation, { minLength: 1, maxLength: 4 }), (spec, muts) => assertSound(mutate(spec, muts))),
      { numRuns: 250 },
    );
  });

  it('reports at least one diagnostic when a spec is broken on purpose', () => {
    // A fixed sample so the property above is known to exercise the error paths.
    const broken = mutate(specs[0], [{ kind: 'insert', at: 3, arg: 0, token: '@' }]);
    expect(checkSource(broken, PATH).diagnostics.length).toBeGreaterThan(0);
  });
});
