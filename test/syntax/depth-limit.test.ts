/**
 * Expressions nested beyond MAX_EXPRESSION_DEPTH are one clear error, not a stack overflow in a
 * later stage: operator chains parse in loops, but lowering and the rules walk them recursively.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSource } from '../../src/index.js';
import { MAX_EXPRESSION_DEPTH } from '../../src/syntax/depth-limit.js';

const spec = (expr: string) => `model M {\n  input x: float32[batch, 4]\n  let y = ${expr}\n  output z = x + y\n}\n`;

const CHAINS: Array<[string, (n: number) => string]> = [
  ['unary minus', (n) => '-'.repeat(n - 1) + 'x'],
  ['addition', (n) => Array(n).fill('x').join(' + ')],
  ['member access', (n) => 'x' + '.b'.repeat(n - 1)],
];

describe('expression depth', () => {
  // A chain of 100,000 is a line longer than the default line limit (TFM1011, docs/limits.md):
  // raised here so the depth limit itself is what is tested.
  const saved = process.env.TFMC_MAX_LINE_LENGTH;
  beforeAll(() => void (process.env.TFMC_MAX_LINE_LENGTH = '1000000'));
  afterAll(() => void (saved === undefined ? delete process.env.TFMC_MAX_LINE_LENGTH : (process.env.TFMC_MAX_LINE_LENGTH = saved)));

  it.each(CHAINS)('a %s chain far past the limit is one TFM1004 at its line', (_, chain) => {
    const r = checkSource(spec(chain(100_000)), '/tmp/deep.tfm');
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.primary.span.start.line, d.message])).toEqual([
      ['TFM1004', 3, `this expression nests more than ${MAX_EXPRESSION_DEPTH} levels deep`],
    ]);
  });

  it.each(CHAINS)('a %s chain at the limit goes through every stage', (name, chain) => {
    const r = checkSource(spec(chain(MAX_EXPRESSION_DEPTH)), '/tmp/deep.tfm');
    expect(r.diagnostics.filter((d) => d.code === 'TFM1004')).toEqual([]);
    // Unary minus and addition of x stay [batch, 4]: the model checks clean.
    if (name !== 'member access') expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});
