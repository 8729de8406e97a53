/**
 * `CompiledModel.generate`: greedy decoding is the arg-max of the model's own forward pass at each
 * step, beam search finds the most likely sequence (checked exhaustively on a tiny vocabulary),
 * sampling is seeded and honours top-k, end tokens and length limits stop rows, encoder-decoder
 * models start from a start token, and bad requests get one clear error.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, GenerationError, ModelInputError, selectBackend, type CompiledModel } from '../../../../src/tfjs.js';
import { logProbs } from '../../../../src/backends/tfjs/generate/choose.js';

// A decoder-only model with a 5-token vocabulary, so every 3-token continuation can be scored.
const TINY_LM = `model TinyLm {
  config { vocab = 5  ctx = 8  d_model = 16  heads = 2 }
  input ids: int32[batch, seq] where seq <= ctx
  let wte = Embedding(vocab, d_model)
  let layer = DecoderLayer(d_model, heads, norm: pre, dropout: 0.0)
  output logits = Linear(vocab)(LayerNorm(d_model)(layer(wte(ids) + PositionEmbedding(ctx, d_model)(ids), self_mask: causal)))
}`;

let lm: CompiledModel;
let gpt: CompiledModel;
let seq2seq: CompiledModel;
beforeAll(async () => {
  await selectBackend('cpu');
  lm = await compile(TINY_LM, { seed: 2 });
  // Sharper distributions than the default initialisation: arg-max ties are then impossible.
  lm.setWeights(tf.tidy(() => Object.fromEntries(Object.entries(lm.getWeights()).map(([k, v]) => [k, tf.mul(v, 3)]))));
  gpt = await compile('specs/gpt2.tfm', { model: 'Gpt2Tiny', seed: 3 });
  seq2seq = await compile('specs/transformer.tfm', { model: 'TransformerTiny', seed: 4 });
});
afterAll(() => [lm, gpt, seq2seq].forEach((m) => m.dispose()));

/** log p(continuation | prompt) under the model, from one full forward pass. */
function sequenceLogProb(model: CompiledModel, prompt: number[], continuation: number[]): number {
  const ids = [...prompt, ...continuation];
  const logits = model.predict({ ids: [ids] }).logits;
  const rows = logits.arraySync() as number[][][];
  logits.dispose();
  let total = 0;
  continuation.forEach((t, i) => (total += logProbs(rows[0][prompt.length - 1 + i])[t]));
  return total;
}

describe('greedy', () => {
  it('takes the arg-max of a full forward pass at each step', async () => {
    const prompt = [3, 17, 42];
    const r = await gpt.generate({ prompt }, { maxNewTokens: 6 });
    expect(r.cached).toBe(true);
    const ids = [...prompt];
    for (let i = 0; i < 6; i++) {
      const next = tf.tidy(() => {
        const logits = gpt.predict({ ids: [ids] }).logits;
        return tf.argMax(tf.squeeze(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, -1])), -1).dataSync()[0];
      });
      ids.push(next);
    }
    expect(r.sequences[0]).toEqual(ids);
    expect(r.newTokens[0]).toEqual(ids.slice(3));
    expect(r.finished).toEqual(['length']);
    expect(r.scores[0]).toBeCloseTo(sequenceLogProb(gpt, prompt, ids.slice(3)), 4);
  });

  it('stops a row at the end token, which is not returned', async () => {
    const free = await gpt.generate({ prompt: [[3, 17, 42], [9, 9, 1]] }, { maxNewTokens: 6 });
    const end = free.newTokens[0][2];
    const r = await gpt.generate({ prompt: [[3, 17, 42], [9, 9, 1]] }, { maxNewTokens: 6, endToken: end });
    const cut = free.newTokens[0].indexOf(end);
    expect(r.newTokens[0]).toEqual(free.newTokens[0].slice(0, cut));
    expect(r.finished[0]).toBe('end');
    // The other row is unaffected unless it meets the same token.
    const otherCut = free.newTokens[1].indexOf(end);
    expect(r.newTokens[1]).toEqual(otherCut < 0 ? free.newTokens[1] : free.newTokens[1].slice(0, otherCut));
  });

  it('stops at the model maximum length and says so', async () => {
    const r = await lm.generate({ prompt: [1, 2, 3, 4, 0] }, { maxNewTokens: 10 });
    // ctx = 8: the prompt's 5 tokens, then 3 fed back, make 8; the 4th new token needs no feeding.
    expect(r.newTokens[0]).toHaveLength(4);
    expect(r.finished[0]).toBe('length');
  });

  it('decodes prompts of different lengths as if alone', async () => {
    const together = await gpt.generate({ prompt: [[5, 6], [7, 8, 9, 10], [11, 12]] }, { maxNewTokens: 4 });
    for (const [i, p] of [[5, 6], [7, 8, 9, 10], [11, 12]].entries()) {
      const alone = await gpt.generate({ prompt: p }, { maxNewTokens: 4 });
      expect(together.newTokens[i]).toEqual(alone.newTokens[0]);
    }
  });
});

describe('beam search', () => {
  it('finds the most likely continuation (checked against all 125)', async () => {
    const prompt = [2];
    let best = { tokens: [] as number[], score: -Infinity };
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) {
        for (let c = 0; c < 5; c++) {
          const score = sequenceLogProb(lm, prompt, [a, b, c]);
          if (score > best.score) best = { tokens: [a, b, c], score };
        }
      }
    }
    // 25 beams keep every 2-token prefix, so the search is exhaustive.
    const r = await lm.generate({ prompt }, { strategy: 'beam', numBeams: 25, lengthPenalty: 0, maxNewTokens: 3 });
    expect(r.newTokens[0]).toEqual(best.tokens);
    expect(r.scores[0]).toBeCloseTo(best.score, 4);
    // And greedy is never better.
    const greedy = await lm.generate({ prompt }, { maxNewTokens: 3 });
    expect(greedy.scores[0]).toBeLessThanOrEqual(r.scores[0] + 1e-9);
  });

  it('with one beam is greedy decoding', async () => {
    const beam = await gpt.generate({ prompt: [[3, 4, 5], [6, 7, 8]] }, { strategy: 'beam', numBeams: 1, maxNewTokens: 5 });
    const greedy = await gpt.generate({ prompt: [[3, 4, 5], [6, 7, 8]] }, { maxNewTokens: 5 });
    expect(beam.newTokens).toEqual(greedy.newTokens);
  });

  it('gives the same result with and without the cache (encoder-decoder)', async () => {
    const source = { src: [[4, 9, 12, 3, 0], [7, 7, 2, 5, 8]] };
    const opts = { strategy: 'beam' as const, numBeams: 3, maxNewTokens: 6, startToken: 1, endToken: 2 };
    const withCache = await seq2seq.generate({ source }, opts);
    const without = await seq2seq.generate({ source }, { ...opts, cache: false });
    expect(withCache.cached).toBe(true);
    expect(without.cached).toBe(false);
    expect(withCache.newTokens).toEqual(without.newTokens);
    withCache.scores.forEach((s, i) => expect(s).toBeCloseTo(without.scores[i], 4));
    expect(withCache.sequences.every((s) => s[0] === 1)).toBe(true);
  });
});

describe('sampling', () => {
  it('is reproducible from the seed and varies with it', async () => {
    const prompt = [[3, 4], [3, 4], [3, 4], [3, 4]];
    const a = await gpt.generate({ prompt }, { strategy: 'sample', seed: 11, maxNewTokens: 8 });
    const b = await gpt.generate({ prompt }, { strategy: 'sample', seed: 11, maxNewTokens: 8 });
    const c = await gpt.generate({ prompt }, { strategy: 'sample', seed: 12, maxNewTokens: 8 });
    expect(a.newTokens).toEqual(b.newTokens);
    expect(a.newTokens).not.toEqual(c.newTokens);
  });

  it('at temperature 0 is greedy decoding, whatever the seed', async () => {
    const greedy = await gpt.generate({ prompt: [9, 8, 7] }, { maxNewTokens: 6 });
    for (const seed of [0, 5]) {
      const cold = await gpt.generate({ prompt: [9, 8, 7] }, { temperature: 0, topK: 3, seed, maxNewTokens: 6 });
      expect(cold.newTokens).toEqual(greedy.newTokens);
      expect(cold.scores[0]).toBeCloseTo(greedy.scores[0], 5);
    }
  });

  it('with top-k 1 is greedy decoding', async () => {
    const sampled = await gpt.generate({ prompt: [9, 8, 7] }, { topK: 1, temperature: 0.7, seed: 3, maxNewTokens: 6 });
    const greedy = await gpt.generate({ prompt: [9, 8, 7] }, { maxNewTokens: 6 });
    expect(sampled.newTokens).toEqual(greedy.newTokens);
  });
});

describe('onToken and length limits', () => {
  it('reports each token of every row as it is chosen, in order, for greedy decoding and sampling', async () => {
    for (const options of [{}, { temperature: 0.9, seed: 4 }]) {
      const seen: Array<[number, number]> = [];
      const r = await gpt.generate({ prompt: [[3, 17, 42], [9, 9, 1], [5, 6]] }, { ...options, maxNewTokens: 5, onToken: (token, row) => seen.push([token, row]) });
      // Rows of one prompt length decode together: every step reports each of their rows once.
      for (let row = 0; row < 3; row++) expect(seen.filter(([, r]) => r === row).map(([t]) => t)).toEqual(r.newTokens[row]);
      expect(seen.slice(0, 2).map(([, row]) => row)).toEqual([0, 1]);
    }
  });

  it('does not report the end token, and beam search reports its best hypothesis at the end', async () => {
    const free = await gpt.generate({ prompt: [3, 17, 42] }, { maxNewTokens: 6 });
    const end = free.newTokens[0][2];
    const seen: number[] = [];
    const r = await gpt.generate({ prompt: [3, 17, 42] }, { maxNewTokens: 6, endToken: end, onToken: (t) => seen.push(t) });
    expect(seen).toEqual(r.newTokens[0]);
    expect(r.lengthLimit).toEqual([null]);
    const beamSeen: number[] = [];
    const beam = await gpt.generate({ prompt: [3, 17, 42] }, { strategy: 'beam', numBeams: 3, maxNewTokens: 4, onToken: (t) => beamSeen.push(t) });
    expect(beamSeen).toEqual(beam.newTokens[0]);
  });

  it('says which limit stopped a row: maxNewTokens, or the model maximum length', async () => {
    const short = await lm.generate({ prompt: [1, 2] }, { maxNewTokens: 3 });
    expect(short).toMatchObject({ finished: ['length'], lengthLimit: ['maxNewTokens'], maxLength: 8 });
    // ctx = 8: a 5-token prompt leaves room for 4 new tokens, fewer than the 10 asked for.
    const long = await lm.generate({ prompt: [1, 2, 3, 4, 0] }, { maxNewTokens: 10 });
    expect(long).toMatchObject({ finished: ['length'], lengthLimit: ['maxLength'], maxLength: 8 });
    // Both limits at once: raising maxNewTokens would not help, so the model's limit is named.
    expect((await lm.generate({ prompt: [1, 2, 3, 4, 0] }, { maxNewTokens: 4 })).lengthLimit).toEqual(['maxLength']);
  });
});

describe('bad requests get one clear error', () => {
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['an encoder-decoder without a prompt or start token', () => seq2seq.generate({ source: { src: [[4, 5]] } }), /give a `prompt`.*or a `startToken`/],
    ['a missing source input', () => seq2seq.generate({}, { startToken: 1 }), /also needs the input `src`/],
    ['the growing input given as a source', () => gpt.generate({ source: { ids: [[1, 2]] } }), /`ids` is the growing input: give it as `prompt`/],
    ['a token outside the vocabulary', () => gpt.generate({ prompt: [1, 500] }), /holds 500, which is not a token id in 0 … 99/],
    ['an empty prompt', () => gpt.generate({ prompt: [[]] }), /is empty/],
    ['a prompt longer than the model allows', () => lm.generate({ prompt: new Array(9).fill(1) }), /has 9 tokens, but `ids` holds at most 8/],
    ['sampling options with greedy decoding', () => gpt.generate({ prompt: [1] }, { strategy: 'greedy', temperature: 0.5 }), /apply to sampling/],
    ['a negative temperature', () => gpt.generate({ prompt: [1] }, { temperature: -1 }), /`temperature` must be a number ≥ 0 \(0: always the most likely token\), got -1/],
    ['an onToken that is not a function', () => gpt.generate({ prompt: [1] }, { onToken: 'print' as never }), /`onToken` must be a function/],
    ['top-p outside (0, 1]', () => gpt.generate({ prompt: [1] }, { topP: 1.5 }), /`topP` must be a number in \(0, 1\]/],
    ['a fractional beam count', () => gpt.generate({ prompt: [1] }, { strategy: 'beam', numBeams: 2.5 }), /`numBeams` must be an integer ≥ 1/],
    ['an unknown strategy', () => gpt.generate({ prompt: [1] }, { strategy: 'nucleus' as never }), /`strategy` must be 'greedy', 'beam' or 'sample', got 'nucleus'/],
    ['an end token outside the vocabulary', () => gpt.generate({ prompt: [1] }, { endToken: 100 }), /`endToken` must be a token id in 0 … 99/],
    ['an unknown output', () => gpt.generate({ prompt: [1] }, { output: 'probs' }), /has no output `probs`/],
  ];
  it.each(cases)('%s', async (_, run, message) => {
    const err = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GenerationError);
    expect((err as Error).message).toMatch(message);
  });

  it('source rows that do not fit the source input are an input error', async () => {
    const err = await seq2seq.generate({ source: { src: [[1.5, 2]] } }, { startToken: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelInputError);
  });

  it('leaves no tensors behind, whatever happens', async () => {
    const before = tf.memory().numTensors;
    await gpt.generate({ prompt: [[1, 2], [3, 4]] }, { strategy: 'beam', numBeams: 3, maxNewTokens: 4 });
    await seq2seq.generate({ source: { src: [[4, 5, 6]] } }, { startToken: 1, maxNewTokens: 3 });
    await gpt.generate({ prompt: [1, 500] }).catch(() => undefined);
    expect(tf.memory().numTensors).toBe(before);
  });
});
