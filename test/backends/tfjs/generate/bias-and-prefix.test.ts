/**
 * `generate` with the key/value cache on models whose attention takes an additive bias (ALiBi, a
 * causal T5 bias in a decoder-only model), a prefix mask longer than the prompt, or a mask given as
 * an input: the cache is used, and its tokens and scores are those of decoding without it (full
 * recomputation at every step), for greedy decoding, beam search and sampling.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel, type GenerateOptions, type GenerateRequest } from '../../../../src/tfjs.js';

const ALIBI_LM = readFileSync('test/fixtures/parity/mask-inputs.tfm', 'utf8');

/** A one-layer decoder-only LM whose self-attention takes `bias` and `mask`; `extra` adds statements before it. */
const lm = (name: string, bias: string, mask: string, extra = '') => `model ${name} {
  config { vocab = 30  d_model = 16  heads = 4 }
  input ids: int32[batch, seq]
  ${extra}
  let h = Embedding(vocab, d_model)(ids)
  let layer = DecoderLayer(d_model, heads, norm: pre, dropout: 0.0)
  output logits = Linear(vocab)(layer(h, self_mask: ${mask}, pos_bias: ${bias}))
}`;

const CASES: Array<{ name: string; spec: string; model: string; request?: () => GenerateRequest }> = [
  { name: 'ALiBi (two decoder layers, causal)', spec: ALIBI_LM, model: 'AlibiLm' },
  { name: 'ALiBi with a sliding window', spec: lm('AlibiWindow', 'alibi(h, h, heads)', 'window(3)'), model: 'AlibiWindow' },
  {
    name: 'a causal T5 bias (RelativePositionBias) in a decoder-only model',
    spec: lm('T5Lm', 't5_bias(h, h)', 'causal', 'let t5_bias = RelativePositionBias(heads, buckets: 8, max_distance: 16, bidirectional: false)'),
    model: 'T5Lm',
  },
  { name: 'ALiBi under a prefix longer than the prompt', spec: lm('AlibiPrefix', 'alibi(h, h, heads)', 'prefix(6)'), model: 'AlibiPrefix' },
  {
    name: 'a memory mask given as data (an encoder-decoder model)',
    spec: `model MaskedMemory {
      config { vocab = 30  d_model = 16  heads = 4 }
      input src: int32[batch, src_len]
      input tgt: int32[batch, tgt_len]
      input src_keep: mask[batch, 1, src_len]
      let embed = Embedding(vocab, d_model)
      memory enc = EncoderLayer(d_model, heads, dropout: 0.0)(embed(src), self_mask: src_keep)
      let h = embed(tgt)
      let y = DecoderLayer(d_model, heads, dropout: 0.0)(h, memory: enc, self_mask: causal, memory_mask: src_keep, pos_bias: alibi(h, h, heads))
      output logits = Linear(vocab)(y)
    }`,
    model: 'MaskedMemory',
    request: () => ({
      prompt: [[1], [1]],
      source: { src: tf.tensor2d([[4, 9, 12, 3, 8], [7, 7, 2, 5, 8]], [2, 5], 'int32'), src_keep: tf.tensor3d([[[1, 1, 1, 0, 0]], [[1, 1, 1, 1, 1]]], [2, 1, 5], 'int32') },
    }),
  },
];

const STRATEGIES: Array<[string, GenerateOptions]> = [
  ['greedy', {}],
  ['beam search', { strategy: 'beam', numBeams: 3 }],
  ['sampling', { temperature: 1.5, topK: 10, seed: 3 }],
];

const models: CompiledModel[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => models.forEach((m) => m.dispose()));

describe.each(CASES)('$name', ({ spec, model, request }) => {
  it.each(STRATEGIES)('%s: the cached tokens and scores are those of full recomputation', async (_strategy, options) => {
    const m = await compile(spec, { model, seed: 5 });
    models.push(m);
    // Sharper distributions than the initial weights give: no near-ties between candidates.
    m.setWeights(tf.tidy(() => Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, tf.mul(v, 3)]))));
    const req = request?.() ?? { prompt: [[3, 1, 4], [1, 5, 9]] };
    const cached = await m.generate(req, { ...options, maxNewTokens: 8 });
    const full = await m.generate(req, { ...options, maxNewTokens: 8, cache: false });
    tf.dispose(Object.values(req.source ?? {}));
    expect(cached.cached, cached.cacheNote).toBe(true);
    expect(full.cached).toBe(false);
    expect(cached.sequences).toEqual(full.sequences);
    cached.scores.forEach((s, i) => expect(s).toBeCloseTo(full.scores[i], 4));
  });
});
