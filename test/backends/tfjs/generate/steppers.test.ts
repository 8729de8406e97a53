/**
 * The key/value cache is exact: feeding a sequence step by step through the cached stepper gives
 * the same next-token logits as rerunning the whole model on the sequence so far, for every
 * decoder family tfmc ships (learned and sinusoidal positions, RoPE with grouped-query attention,
 * T5's relative position bias, cross-attention, padding masks over the growing input, a prefix
 * longer than the prompt), including after beam-style row reordering. Models that cannot be stepped fall back, and say why.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel } from '../../../../src/tfjs.js';
import { decodingRoles } from '../../../../src/backends/tfjs/generate/index.js';
import { createStepper, type Stepper } from '../../../../src/backends/tfjs/generate/steppers.js';
import { rng } from '../../../../src/backends/tfjs/data.js';

const models: CompiledModel[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => models.forEach((m) => m.dispose()));

async function load(spec: string, model: string, overrides?: Record<string, string | number>): Promise<CompiledModel> {
  const m = await compile(spec, { model, seed: 7, overrides });
  models.push(m);
  return m;
}

function steppers(m: CompiledModel, sources: Record<string, tf.Tensor>): { cached: Stepper; full: Stepper } {
  const roles = decodingRoles(m.executor);
  const setup = { model: m.executor, timeInput: roles.timeInput, output: roles.output, sources };
  return { cached: createStepper(setup, true), full: createStepper(setup, false) };
}

/** Feeds a prompt then `steps` tokens (random, fixed seed) to both steppers; the largest logit difference. */
function compareSteps(cached: Stepper, full: Stepper, prompt: number[][], steps: number, vocab: number, reorder?: (step: number) => number[]): number {
  const random = rng(5);
  let worst = 0;
  let feed = prompt;
  for (let s = 0; s <= steps; s++) {
    const a = cached.next(feed);
    const b = full.next(feed);
    expect(a.shape).toEqual(b.shape);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    worst = Math.max(worst, diff);
    tf.dispose([a, b]);
    const order = reorder?.(s);
    if (order) {
      cached.reorder(order);
      full.reorder(order);
    }
    feed = prompt.map(() => [Math.floor(random() * vocab)]);
  }
  return worst;
}

const DECODERS: Array<{ name: string; spec: string; model: string; overrides?: Record<string, string | number>; source?: () => Record<string, tf.Tensor> }> = [
  { name: 'GPT-2 (learned positions, causal)', spec: 'specs/gpt2.tfm', model: 'Gpt2Tiny' },
  { name: 'decoder-only adder (causal as a port argument)', spec: 'examples/addition.tfm', model: 'AdderTiny' },
  {
    name: 'Llama-style (RoPE, grouped-query attention, RMSNorm, SwiGLU)',
    spec: `model LlamaTiny {
      config { vocab = 61  ctx = 64  d_model = 32  heads = 4  kv_heads = 2  layers = 2  d_ff = 48 }
      input ids: int32[batch, seq] where seq <= ctx
      let blocks = repeat layers {
        DecoderLayer(d_model, heads, kv_heads: kv_heads, d_ff: d_ff, norm: pre, norm_kind: rms,
                     activation: swiglu, bias: false, rotary: true, dropout: 0.0)
      }
      output logits = Linear(vocab, bias: false)(RMSNorm(d_model)(blocks(Embedding(vocab, d_model)(ids), self_mask: causal)))
    }`,
    model: 'LlamaTiny',
  },
  {
    name: 'Transformer (sinusoids, cross-attention, source padding mask)',
    spec: 'specs/transformer.tfm',
    model: 'TransformerTiny',
    source: () => ({ src: tf.tensor2d([[4, 9, 12, 3, 0, 0], [7, 7, 2, 5, 8, 1]], [2, 6], 'int32') }),
  },
  {
    name: 'T5 (relative position bias in the decoder and the encoder)',
    spec: 'specs/t5.tfm',
    model: 'T5Tiny',
    source: () => ({ src: tf.tensor2d([[4, 9, 12, 3, 0], [7, 7, 2, 5, 8]], [2, 5], 'int32') }),
  },
];

describe('the cached stepper equals full recomputation', () => {
  it.each(DECODERS)('$name', async ({ spec, model, overrides, source }) => {
    const m = await load(spec, model, overrides);
    const sources = source?.() ?? {};
    const { cached, full } = steppers(m, sources);
    expect(cached.cached).toBe(true);
    const vocab = decodingRoles(m.executor).vocab;
    const diff = compareSteps(cached, full, [[3, 1, 4], [1, 5, 9]], 6, vocab);
    cached.dispose();
    full.dispose();
    tf.dispose(Object.values(sources));
    expect(diff).toBeLessThan(2e-5);
  });

  it('stays exact when rows are reordered between steps (beam search)', async () => {
    const m = await load('specs/transformer.tfm', 'TransformerTiny');
    const src = tf.tensor2d([[4, 9, 12, 3], [4, 9, 12, 3], [6, 2, 8, 0], [6, 2, 8, 0]], [4, 4], 'int32');
    const { cached, full } = steppers(m, { src });
    // Rows 0–1 belong to one source, 2–3 to the other: beams move only within a source.
    const orders = [[1, 1, 3, 2], [0, 0, 2, 2], [1, 0, 3, 3], [0, 1, 2, 3], [1, 1, 2, 2]];
    const diff = compareSteps(cached, full, [[1], [1], [1], [1]], 5, 40, (s) => orders[s % orders.length]);
    cached.dispose();
    full.dispose();
    src.dispose();
    expect(diff).toBeLessThan(2e-5);
  });

  it('keeps the history of the growing ids for a padding mask over them', async () => {
    const m = await load(
      `model PaddedLm {
        config { vocab = 30  ctx = 32  d_model = 16  heads = 2 }
        input ids: int32[batch, seq] where seq <= ctx
        let wte = Embedding(vocab, d_model)
        mask m = causal & padding(ids, pad: 0)
        let layer = DecoderLayer(d_model, heads, norm: pre)
        output logits = Linear(vocab)(layer(wte(ids) + PositionEmbedding(ctx, d_model)(ids), self_mask: m))
      }`,
      'PaddedLm',
    );
    const { cached, full } = steppers(m, {});
    expect(cached.cached).toBe(true);
    // Padding (0) inside the prompt and fed later: both must be masked as keys at every step.
    const diff = compareSteps(cached, full, [[5, 0, 7], [0, 3, 2]], 5, 30);
    cached.dispose();
    full.dispose();
    expect(diff).toBeLessThan(2e-5);
  });

  /** A one-layer LM whose self-attention mask is `mask`; `extra` declares more inputs. */
  const maskedLm = (name: string, mask: string, extra = '') => `model ${name} {
    config { vocab = 30  ctx = 32  d_model = 16  heads = 2 }
    input ids: int32[batch, seq] where seq <= ctx
    ${extra}
    let wte = Embedding(vocab, d_model)
    mask m = ${mask}
    let layer = DecoderLayer(d_model, heads, norm: pre)
    output logits = Linear(vocab)(layer(wte(ids) + PositionEmbedding(ctx, d_model)(ids), self_mask: m))
  }`;

  it.each([
    ['a sliding window (shorter than the decoded sequence)', 'window(3)'],
    ['a union of masks that both bound the keys', 'window(2) | (causal & !window(4))'],
    ['causal intersected with a complement', 'causal & !(window(4) & !window(2))'],
    ['a prefix the prompt covers', 'prefix(3)'],
  ])('steps %s', async (_what, mask) => {
    const m = await load(maskedLm('MaskLm', mask), 'MaskLm');
    const { cached, full } = steppers(m, {});
    expect(cached.cached).toBe(true);
    const diff = compareSteps(cached, full, [[5, 2, 7], [1, 3, 2]], 6, 30);
    cached.dispose();
    full.dispose();
    expect(diff).toBeLessThan(2e-5);
  });

  it('steps a prefix longer than the prompt: the sequence is rerun until the prefix is full, then cached', async () => {
    const m = await load(maskedLm('PrefixLm', 'prefix(5)'), 'PrefixLm');
    const { cached, full } = steppers(m, {});
    expect(cached.cached).toBe(true);
    // Positions 3 and 4 are generated inside the prefix; beams reorder rows meanwhile.
    const orders = [[1, 0], [0, 0], [1, 1], [0, 1]];
    const diff = compareSteps(cached, full, [[5, 2, 7], [1, 3, 2]], 6, 30, (s) => orders[s % orders.length]);
    expect(cached.length).toBe(9);
    cached.dispose();
    full.dispose();
    expect(diff).toBeLessThan(2e-5);
  });

  it('does not leak tensors across steps', async () => {
    const m = await load('specs/gpt2.tfm', 'Gpt2Tiny');
    const { cached } = steppers(m, {});
    tf.dispose(cached.next([[1, 2, 3]]));
    tf.dispose(cached.next([[4]]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(cached.next([[5 + i]]));
    // One history per cached value, replaced (not added to) at each step.
    expect(tf.memory().numTensors).toBe(before);
    cached.dispose();
  });
});

describe('models that cannot be stepped fall back to full recomputation', () => {
  it('a decoder without a causal mask (earlier positions see later ones)', async () => {
    const m = await load(
      `model Bidirectional {
        config { vocab = 30  d_model = 16  heads = 2 }
        input ids: int32[batch, seq]
        let wte = Embedding(vocab, d_model)
        output logits = Linear(vocab)(EncoderLayer(d_model, heads)(wte(ids)))
      }`,
      'Bidirectional',
    );
    const { cached } = steppers(m, {});
    expect(cached.cached).toBe(false);
    expect(cached.reason).toMatch(/no causal mask/);
    const r = await m.generate({ prompt: [1, 2, 3] }, { maxNewTokens: 4 });
    expect(r.cached).toBe(false);
    expect(r.cacheNote).toMatch(/no causal mask/);
    const noCache = await m.generate({ prompt: [1, 2, 3] }, { maxNewTokens: 4, cache: false });
    expect(r.newTokens).toEqual(noCache.newTokens);
  });

  it.each([
    ['the complement of causal (later keys)', 'causal | !causal'],
    ['a union with an unbounded side', 'window(2) | padding(ids, pad: 0)'],
  ])('a mask that does not bound the keys: %s', async (_what, mask) => {
    const m = await load(
      `model Open {
        config { vocab = 30  d_model = 16  heads = 2 }
        input ids: int32[batch, seq]
        mask m = ${mask}
        output logits = Linear(vocab)(EncoderLayer(d_model, heads)(Embedding(vocab, d_model)(ids), self_mask: m))
      }`,
      'Open',
    );
    const { cached } = steppers(m, {});
    expect(cached.cached).toBe(false);
    expect(cached.reason).toMatch(/no causal mask/);
  });

  it('an LSTM decoder (a recurrence over time)', async () => {
    const m = await load('specs/lstm-seq2seq.tfm', 'LstmSeq2SeqTiny');
    const roles = decodingRoles(m.executor);
    const src = tf.tensor2d([[3, 4, 5]], [1, 3], 'int32');
    const sources = Object.fromEntries(roles.sourceInputs.map((n) => [n, src]));
    const { cached } = steppers(m, sources);
    expect(cached.cached).toBe(false);
    expect(cached.reason).toMatch(/lstm/);
    src.dispose();
  });
});
