/**
 * Property tests: `parse` never throws, never hangs, and never hides a problem: whenever the
 * AST has a recovery hole (ErrorExpr, ErrorStmt, a nameless Ident), a diagnostic was reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../src/syntax/parse.js';
import { GPT2 } from './helpers.js';

const TIME_LIMIT_MS = 2_000; // a hang guard, not a speed test
/** `FUZZ_RUNS=20000 npx vitest run test/syntax/fuzz.test.ts` for a longer search. */
const RUNS = Number(process.env.FUZZ_RUNS) || 300;

function holes(node: unknown): number {
  if (Array.isArray(node)) return node.reduce((n: number, c) => n + holes(c), 0);
  if (!node || typeof node !== 'object') return 0;
  const o = node as Record<string, unknown>;
  let n = o.kind === 'ErrorExpr' || o.kind === 'ErrorStmt' || (o.kind === 'Ident' && o.name === '') ? 1 : 0;
  for (const [k, v] of Object.entries(o)) if (k !== 'span' && k !== 'opSpan') n += holes(v);
  return n;
}

function check(text: string): void {
  const t0 = performance.now();
  const r = parse(text, 'fuzz.tfm');
  expect(performance.now() - t0).toBeLessThan(TIME_LIMIT_MS);
  expect(r.ast.kind).toBe('SourceFile');
  if (r.diagnostics.length === 0) expect(holes(r.ast)).toBe(0);
  for (const d of r.diagnostics) {
    expect(d.code).toMatch(/^TFM100[1-9]$/); // TFM1010 (not UTF-8) is found when a file is read, not by parse
    expect(d.message).not.toMatch(/\{"kind"|undefined|NaN/);
    for (const label of [d.primary, ...d.secondary]) {
      expect(label.file).toBe('fuzz.tfm');
      const { start, end } = label.span;
      expect(start.line).toBeGreaterThanOrEqual(1);
      expect(start.column).toBeGreaterThanOrEqual(1);
      expect(start.offset).toBeLessThanOrEqual(end.offset);
      expect(end.offset).toBeLessThanOrEqual(text.length);
    }
  }
}

const TOKENS = [
  'model', 'block', 'config', 'input', 'in', 'out', 'output', 'let', 'loss', 'mask', 'memory', 'expect', 'if',
  'else', 'repeat', 'shared', 'where', 'enum', 'import', 'extends', 'true', 'false', 'x', 'y', 'd_model', 'B',
  'Linear', 'float32', 'int32', '0', '12', '1_024', '0.5', '1e-6', '1__0', '"s.tfm"', '"\\q"', '"open', "'",
  '(', ')', '[', ']', '{', '}', ',', ':', ';', '.', '?', '=', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*',
  '/', '%', '^', '@', '&', '&&', '||', '!', '|', '#', '\n', ' ', '//c\n', '/*', '*/', '\\', 'é', '😀', '\t',
];

/** Splits a spec into token-ish chunks (words, numbers, strings, punctuation, whitespace). */
function chunks(text: string): string[] {
  return text.match(/"[^"\n]*"?|[A-Za-z_][A-Za-z0-9_]*|[0-9][0-9_.eE+-]*|\/\/[^\n]*|\s+|[^\sA-Za-z0-9_]/g) ?? [];
}

type Edit = { kind: 'delete' | 'insert' | 'duplicate' | 'swap'; at: number; other: number; token: string };

function applyEdits(parts: string[], edits: Edit[]): string {
  const p = [...parts];
  for (const e of edits) {
    if (p.length === 0) break;
    const i = e.at % p.length;
    const j = e.other % p.length;
    if (e.kind === 'delete') p.splice(i, 1);
    else if (e.kind === 'insert') p.splice(i, 0, e.token);
    else if (e.kind === 'duplicate') p.splice(i, 0, ...p.slice(i, i + 1 + (e.other % 8)));
    else [p[i], p[j]] = [p[j], p[i]];
  }
  return p.join('');
}

const edit = fc.record({
  kind: fc.constantFrom('delete', 'insert', 'duplicate', 'swap') as fc.Arbitrary<Edit['kind']>,
  at: fc.nat(),
  other: fc.nat(),
  token: fc.constantFrom(...TOKENS),
});

describe('parse never throws, never hangs', () => {
  it('on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), check), { numRuns: RUNS });
  });

  it('on random token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 200 }), (ts) => check(ts.join(' '))),
      { numRuns: RUNS },
    );
  });

  it('on random mutations of a valid spec', () => {
    const parts = chunks(GPT2);
    expect(parts.join('')).toBe(GPT2);
    fc.assert(fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), (edits) => check(applyEdits(parts, edits))), {
      numRuns: RUNS,
    });
  });

  it('one mistake, one diagnostic: single-token edits of a valid spec rarely cascade', () => {
    const parts = chunks(GPT2);
    const oneToken = fc.record({
      kind: fc.constantFrom('delete', 'insert') as fc.Arbitrary<Edit['kind']>,
      at: fc.nat(),
      other: fc.constant(0), // a duplicate of one chunk
      token: fc.constantFrom(...TOKENS),
    });
    const edits = fc.sample(fc.oneof(oneToken, oneToken.map((e) => ({ ...e, kind: 'duplicate' as const }))), {
      numRuns: 1500,
      seed: 42,
    });
    let broken = 0;
    let single = 0;
    for (const e of edits) {
      const n = parse(applyEdits(parts, [e]), 'fuzz.tfm').diagnostics.length;
      if (n > 0) broken++;
      if (n === 1) single++;
    }
    expect(broken).toBeGreaterThan(400);
    expect(single / broken).toBeGreaterThan(0.95);
  });

  it('on a large garbage file', () => {
    const big = fc.sample(fc.array(fc.constantFrom(...TOKENS), { minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 7 })[0];
    check(big.join(' '));
  });
});
