/**
 * Argument errors say what to change when the cause is not the argument itself: a binding that
 * hides an option of the same name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/invalid');

function errorsOf(text: string) {
  return checkSource(text, join(FIXTURES, 'case.tfm')).diagnostics.filter((d) => d.severity === 'error');
}

describe('argument help', () => {
  it('says a binding hides an enum option, and renaming the binding checks', () => {
    const text = readFileSync(join(FIXTURES, 'enum-option-hidden-by-binding.tfm'), 'utf8');
    const [d] = errorsOf(text);
    expect(d.code).toBe('TFM4001');
    expect(d.help?.message).toContain('`cls` here names your own binding, which hides the option `cls`');
    const renamed = /e\.g\. `(\w+)`/.exec(d.help?.message ?? '')?.[1];
    expect(renamed).toBe('cls_layer');
    const fixed = text.replace('let cls = ', `let ${renamed} = `).replace('cls(tok(ids))', `${renamed}(tok(ids))`);
    expect(errorsOf(fixed)).toEqual([]);
  });

  it('says nothing of hiding when the name is not an option', () => {
    const text = readFileSync(join(FIXTURES, 'enum-option-hidden-by-binding.tfm'), 'utf8').replace(/\bcls\b(?!_)/g, 'first');
    const [d] = errorsOf(text);
    expect(d.code).toBe('TFM4001');
    expect(d.help?.message ?? '').not.toContain('hides');
  });
});
