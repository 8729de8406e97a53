import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, suggestionList } from '../../src/util/did-you-mean.js';

describe('did you mean', () => {
  it('counts a transposition as one edit', () => {
    expect(editDistance('haeds', 'heads')).toBe(1);
    expect(editDistance('gleu', 'gelu')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('suggests the closest names first', () => {
    expect(suggestionList('d_modle', ['d_model', 'd_ff', 'heads'])).toEqual(['d_model']);
    expect(didYouMean('haeds', ['heads', 'layers', 'd_model'])).toBe('did you mean `heads`?');
  });

  it('suggests case-only differences', () => {
    expect(didYouMean('layernorm', ['LayerNorm', 'Linear'])).toBe('did you mean `LayerNorm`?');
  });

  it('stays quiet when nothing is close', () => {
    expect(didYouMean('zzzzzz', ['heads', 'layers'])).toBeUndefined();
  });
});
