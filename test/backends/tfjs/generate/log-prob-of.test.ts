import { describe, expect, it } from 'vitest';
import { logProbOf, logProbs } from '../../../../src/backends/tfjs/generate/choose.js';

describe('logProbOf', () => {
  it("is logProbs' entry for the token, to the bit", () => {
    const logits = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.37) * 9 + (i % 7));
    const all = logProbs(logits);
    for (const token of [0, 1, 499, 998, 999]) expect(logProbOf(logits, token)).toBe(all[token]);
    expect(logProbOf([1e4, 0], 0)).toBeCloseTo(0, 12); // no overflow
  });
});
