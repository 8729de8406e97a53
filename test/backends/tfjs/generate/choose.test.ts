/** Token choice: log-probabilities, temperature, top-k and top-p filtering, seeded sampling. */
import { describe, expect, it } from 'vitest';
import { argmax, logProbs, samplingDistribution, sampleToken, topIndices } from '../../../../src/backends/tfjs/generate/choose.js';
import { rng } from '../../../../src/backends/tfjs/data.js';

const LOGITS = [2.0, -1.0, 0.5, 3.0, 0.5, -4.0];

function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('logProbs and argmax', () => {
  it('log-probabilities exponentiate to a distribution, in logit order', () => {
    const lp = logProbs(LOGITS);
    expect([...lp].map(Math.exp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(lp[3] - lp[0]).toBeCloseTo(1.0, 12);
    expect(logProbs([1e4, 0])[0]).toBeCloseTo(0, 12); // no overflow
  });
  it('argmax takes the first of equal values', () => {
    expect(argmax(LOGITS)).toBe(3);
    expect(argmax([1, 5, 5])).toBe(1);
  });
});

describe('temperature 0', () => {
  it('puts all the mass on the arg-max, and sampling always draws it', () => {
    expect(samplingDistribution(LOGITS, { temperature: 0, topK: 3 })).toEqual({ tokens: [3], probs: [1] });
    const random = rng(1);
    for (let i = 0; i < 20; i++) expect(sampleToken(LOGITS, { temperature: 0, topP: 0.5 }, random)).toBe(3);
  });
});

describe('samplingDistribution', () => {
  it('is the softmax of logits / temperature, most likely first', () => {
    for (const temperature of [0.5, 1, 2]) {
      const { tokens, probs } = samplingDistribution(LOGITS, { temperature });
      expect(tokens).toEqual([3, 0, 2, 4, 1, 5]);
      const want = softmax(LOGITS.map((x) => x / temperature));
      tokens.forEach((t, i) => expect(probs[i]).toBeCloseTo(want[t], 12));
    }
  });
  it('top-k keeps the k most likely tokens, renormalised', () => {
    const { tokens, probs } = samplingDistribution(LOGITS, { temperature: 1, topK: 2 });
    expect(tokens).toEqual([3, 0]);
    const want = softmax([3.0, 2.0]);
    expect(probs[0]).toBeCloseTo(want[0], 12);
    expect(probs[0] + probs[1]).toBeCloseTo(1, 12);
  });
  it('top-p keeps the smallest most-likely set that reaches p', () => {
    const full = softmax(LOGITS); // token 3: 0.61, token 0: 0.23, ...
    const { tokens } = samplingDistribution(LOGITS, { temperature: 1, topP: full[3] + 0.01 });
    expect(tokens).toEqual([3, 0]);
    expect(samplingDistribution(LOGITS, { temperature: 1, topP: full[3] - 0.01 }).tokens).toEqual([3]);
    expect(samplingDistribution(LOGITS, { temperature: 1, topP: 1 }).tokens).toHaveLength(6);
  });
});

describe('sampleToken', () => {
  it('draws tokens with their probabilities', () => {
    const random = rng(123);
    const n = 40_000;
    const counts = new Array<number>(LOGITS.length).fill(0);
    for (let i = 0; i < n; i++) counts[sampleToken(LOGITS, { temperature: 1 }, random)]++;
    const want = softmax(LOGITS);
    // Binomial standard deviation is at most 0.0025 here; 4σ.
    counts.forEach((c, t) => expect(Math.abs(c / n - want[t])).toBeLessThan(0.01));
  });
  it('never draws a token outside top-k / top-p', () => {
    const random = rng(9);
    for (let i = 0; i < 2000; i++) {
      expect([3, 0]).toContain(sampleToken(LOGITS, { temperature: 1.5, topK: 2 }, random));
      expect(sampleToken(LOGITS, { temperature: 1, topP: 0.5 }, random)).toBe(3);
    }
  });
  it('is reproducible from the seed', () => {
    const draw = (seed: number) => {
      const r = rng(seed);
      return Array.from({ length: 50 }, () => sampleToken(LOGITS, { temperature: 2 }, r));
    };
    expect(draw(4)).toEqual(draw(4));
    expect(draw(4)).not.toEqual(draw(5));
  });
});

describe('topIndices', () => {
  it('equals sorting everything and keeping the first n, ties in index order', () => {
    const random = rng(77);
    for (const size of [1, 7, 300]) {
      for (const n of [1, 3, 64, 65, 299, 300, 400]) {
        // Few distinct values, so ties are common.
        const values = Float64Array.from({ length: size }, () => Math.floor(random() * 20));
        const want = [...values.keys()].sort((a, b) => values[b] - values[a] || a - b).slice(0, n);
        expect(topIndices(values, n)).toEqual(want);
      }
    }
  });
});
