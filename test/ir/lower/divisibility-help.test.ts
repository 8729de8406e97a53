/**
 * Divisibility errors point at the value to change and say what would work: applying the help's
 * suggestion makes the spec check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/invalid');

function errorsOf(text: string) {
  return checkSource(text, join(FIXTURES, 'case.tfm')).diagnostics.filter((d) => d.severity === 'error');
}

describe('divisibility help', () => {
  it('notices two swapped config values, and swapping them back checks', () => {
    const text = readFileSync(join(FIXTURES, 'heads-and-layers-swapped.tfm'), 'utf8');
    const [d] = errorsOf(text);
    expect(d.code).toBe('TFM3003');
    expect(d.primary.span.start.line).toBe(7); // `heads   = 6`
    expect(d.help?.message).toContain('were `heads` and `layers` swapped?');
    expect(errorsOf(text.replace('heads   = 6', 'heads   = 8').replace('layers  = 8', 'layers  = 6'))).toEqual([]);
  });

  it('gives the divisors of heads for kv_heads, and one of them checks', () => {
    const text = readFileSync(join(FIXTURES, 'kv-heads-not-dividing.tfm'), 'utf8');
    const [d] = errorsOf(text);
    expect(d.code).toBe('TFM4003');
    expect(d.primary.span.start.line).toBe(8); // `kv_heads = 3`
    const suggested = /try kv_heads = (\d+)/.exec(d.help?.message ?? '')?.[1];
    expect(suggested).toBe('2');
    expect(errorsOf(text.replace('kv_heads = 3', `kv_heads = ${suggested}`))).toEqual([]);
  });

  it('puts a whole float on its config line, and the integer form checks', () => {
    const text = readFileSync(join(FIXTURES, 'whole-float-size.tfm'), 'utf8');
    const [d] = errorsOf(text);
    expect(d.code).toBe('TFM3011');
    expect(d.primary.span.start.line).toBe(7); // `d_ff = 2.5 * d_model`
    expect(d.help?.message).toContain('`640`');
    expect(errorsOf(text.replace('d_ff    = 2.5 * d_model', 'd_ff    = 5 * d_model / 2'))).toEqual([]);
  });

  it('names a config cycle once, and breaking it checks', () => {
    const text = readFileSync(join(FIXTURES, 'config-cycle.tfm'), 'utf8');
    const errors = errorsOf(text);
    expect(errors.map((d) => d.code)).toEqual(['TFM2004']);
    expect(errorsOf(text.replace('d_model = d_ff / 4', 'd_model = 64'))).toEqual([]);
  });
});
