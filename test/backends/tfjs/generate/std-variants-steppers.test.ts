/**
 * The key/value cache stays exact for the standard library's position variants: partial rotary
 * (slices and a concat of each head's features around `rope`) with another rotary base, and
 * positions that start at an offset (OPT's learned table, sinusoids). The cached stepper must
 * give the logits of rerunning the whole model, step after step, and `generate` the same tokens.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel } from '../../../../src/tfjs.js';
import { decodingRoles } from '../../../../src/backends/tfjs/generate/index.js';
import { createStepper } from '../../../../src/backends/tfjs/generate/steppers.js';

const models: CompiledModel[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => models.forEach((m) => m.dispose()));

const NEOX = `model NeoxLm {
  config { vocab = 37  ctx = 24  d_model = 32  heads = 2  layers = 2 }
  input ids: int32[batch, seq] where seq <= ctx
  let blocks = repeat layers {
    DecoderLayer(d_model, heads, norm: pre, activation: gelu, dropout: 0.0,
                 rotary: true, rotary_dims: d_model / heads / 4, rope_base: 500000)
  }
  output logits = Linear(vocab)(blocks(Embedding(vocab, d_model)(ids), self_mask: causal))
}`;

const OPT = `model OptLm {
  config { vocab = 37  ctx = 24  d_model = 16  heads = 2 }
  input ids: int32[batch, seq] where seq <= ctx
  let embed = TokenEmbedding(vocab, d_model, ctx, positions: learned, dropout: 0.0, pos_offset: 2)
  let sines = PositionEmbedding(ctx, d_model, kind: sinusoidal, offset: 5)
  let layer = DecoderLayer(d_model, heads, norm: pre, dropout: 0.0)
  output logits = Linear(vocab)(layer(embed(ids) + sines(ids), self_mask: causal))
}`;

describe('the cached stepper of std position variants equals full recomputation', () => {
  it.each([
    ['partial rotary with rope_base 500000 (GPT-NeoX style)', NEOX, 'NeoxLm'],
    ['learned positions from row 2 and sinusoids from position 5 (OPT style)', OPT, 'OptLm'],
  ])('%s', async (_what, spec, name) => {
    const m = await compile(spec, { model: name, seed: 3 });
    models.push(m);
    const roles = decodingRoles(m.executor);
    const setup = { model: m.executor, timeInput: roles.timeInput, output: roles.output, sources: {} };
    const cached = createStepper(setup, true);
    const full = createStepper(setup, false);
    expect(cached.cached).toBe(true);
    let worst = 0;
    for (const feed of [[[3, 1, 4], [1, 5, 9]], [[2], [6]], [[5], [3]], [[8], [9]], [[7], [9]]]) {
      const a = cached.next(feed);
      const b = full.next(feed);
      worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]));
      tf.dispose([a, b]);
    }
    cached.dispose();
    full.dispose();
    expect(worst).toBeLessThan(2e-5);

    const withCache = await m.generate({ prompt: [1, 2, 3] }, { maxNewTokens: 6 });
    const without = await m.generate({ prompt: [1, 2, 3] }, { maxNewTokens: 6, cache: false });
    expect(withCache.cached).toBe(true);
    expect(withCache.newTokens).toEqual(without.newTokens);
  });
});
