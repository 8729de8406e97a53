/**
 * One error per cause across a file's models: a variant (`extends`) re-runs its base's statements,
 * so a mistake in the base fails the variant too. The repeat is not shown again, and the
 * variant's `expect params` (over an incomplete graph) must not add an error of its own.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/index.js';

const SPEC = join(import.meta.dirname, '../../../specs/transformer.tfm');

describe('errors in a base model', () => {
  const text = readFileSync(SPEC, 'utf8');

  it('the shipped spec has variants with their own parameter counts (the premise)', () => {
    expect(text).toMatch(/model TransformerBig extends TransformerBase/);
    expect(text).toMatch(/expect params == 214_245_376/);
    expect(checkSource(text, SPEC).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('are reported once, with no failed expectation from a variant', () => {
    // A causal mask given to the cross-attention: a mistake in the base, inherited by every variant.
    const broken = text.replace('memory_mask: src_mask,', 'memory_mask: tgt_mask,');
    expect(broken).not.toBe(text);
    const errors = checkSource(broken, SPEC).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => d.code)).toEqual(['TFM3005']);
  });
});
