/**
 * Masks and attention biases given as model inputs, and ALiBi's bias, in the tfjs executor:
 * - a mask is fed as booleans or as the numbers 0 and 1 (tensors or nested arrays), **true / 1 =
 *   may attend**, and gives what the same mask built by the compiler gives; other numbers (an
 *   additive 0 / −∞ mask given by mistake) are an input error naming the input;
 * - no leak: perturbing a key changes exactly the outputs of the queries the mask data allows to
 *   see it; a bias entry changes an output only where the mask allows the key; ALiBi under
 *   `causal` keeps later tokens from earlier logits;
 * - a model with mask and bias inputs trains (`fit`).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, ModelInputError, selectBackend, type CompiledModel } from '../../../src/tfjs.js';

const FIXTURE = 'test/fixtures/parity/mask-inputs.tfm';
const T = 6;

/** One attention applied twice: with the mask given as data, and with `causal` built by the compiler. */
const DATA_VS_BUILT = `model DataVsBuilt {
  config { d_model = 16  heads = 4 }
  input x: float32[batch, seq, d_model]
  input m: mask[batch, seq, seq]
  let attn = MultiHeadAttention(d_model, heads)
  output given = attn(x, x, attn_mask: m)
  output built = attn(x, x, attn_mask: causal)
}`;

const models: CompiledModel[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => models.forEach((m) => m.dispose()));

async function load(spec: string, model?: string): Promise<CompiledModel> {
  const m = await compile(spec, { model, seed: 11 });
  models.push(m);
  return m;
}

/** `[B, T, F]` rows as plain arrays, for exact comparisons. */
function rows(t: tf.Tensor): number[][][] {
  const a = t.arraySync() as number[][][];
  t.dispose();
  return a;
}

const lowerTriangle = (b: number, t: number) => Array.from({ length: b }, () => Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => (j <= i ? 1 : 0))));

describe('feeding a mask', () => {
  it('booleans, int32 and float32 0/1, and nested arrays all mean true / 1 = may attend: the compiler-built causal mask\'s outputs', async () => {
    const m = await load(DATA_VS_BUILT);
    const x = tf.randomNormal([2, T, 16], 0, 1, 'float32', 1);
    const causal = lowerTriangle(2, T);
    const feeds = [
      tf.tensor3d(causal, undefined, 'bool'),
      tf.tensor3d(causal, undefined, 'int32'),
      tf.tensor3d(causal, undefined, 'float32'),
      causal,
      causal.map((r) => r.map((q) => q.map((v) => v === 1))),
    ];
    for (const mask of feeds) {
      const out = m.predict({ x, m: mask });
      expect(rows(out.given)).toEqual(rows(out.built));
    }
    tf.dispose([x, ...feeds.filter((f) => f instanceof tf.Tensor)]);
  });

  it.each([
    ['an additive mask (0 / −∞)', -Infinity, 'float32'],
    ['a 2', 2, 'int32'],
    ['a fraction', 0.5, 'float32'],
  ] as const)('%s is an input error naming the input and the polarity', async (_what, value, dtype) => {
    const m = await load(DATA_VS_BUILT);
    const x = tf.zeros([1, 3, 16]);
    const data = [[[1, 0, 0], [1, value, 0], [1, 1, 1]]];
    const run = (mask: tf.Tensor | number[][][]) => () => m.predict({ x, m: mask });
    const tensor = tf.tensor3d(data, undefined, dtype);
    expect(run(tensor)).toThrow(ModelInputError);
    expect(run(tensor)).toThrow(/input `m`: value .* at \[0, 1, 1\] is not a mask value.*true \/ 1 = may attend/);
    expect(run(data)).toThrow(/input `m`: .*not a mask value \(booleans, or 0 and 1: true \/ 1 = may attend\) at \[0, 1, 1\]/);
    tf.dispose([x, tensor]);
  });

  it('a mask given with the wrong shape is an input error that says what a mask is', async () => {
    const m = await load(DATA_VS_BUILT);
    const x = tf.zeros([1, 3, 16]);
    expect(() => m.predict({ x, m: tf.ones([1, 3], 'bool') })).toThrow(/input `m`: expected mask \(bool, or 0\/1; true = may attend\) \[batch, seq, seq\]/);
    x.dispose();
  });
});

describe('no leak through mask and bias inputs', () => {
  /** A seeded random 0/1 mask `[2, rows, T]`, with the last query row of batch row 1 fully blocked. */
  function randomMask(rowsPerBatch: number, seed: number): number[][][] {
    const data = tf.tidy(() => tf.cast(tf.less(tf.randomUniform([2, rowsPerBatch, T], 0, 1, 'float32', seed), 0.6), 'int32').arraySync() as number[][][]);
    if (rowsPerBatch === T) data[1][T - 1] = new Array(T).fill(0);
    return data;
  }

  // Perturbing key j of row b changes exactly the outputs of the queries that may see it (its own
  // query aside, whose query vector changes too), and no query of the other row.
  it.each([
    { model: 'MhaMaskInput', data: () => ({ m: randomMask(T, 3) }), allows: (d: Record<string, number[][][]>, b: number, i: number, j: number) => d.m[b][i][j] === 1 },
    {
      model: 'MhaKeyMaskAndBias',
      data: () => ({ keys: randomMask(1, 4) }),
      allows: (d: Record<string, number[][][]>, b: number, i: number, j: number) => j <= i && d.keys[b][0][j] === 1,
    },
  ])('$model: a key changes exactly the outputs of the queries the mask data lets see it', async ({ model, data, allows }) => {
    const m = await load(FIXTURE, model);
    const d = data();
    const bias = tf.randomNormal([1, 4, T, T], 0, 1, 'float32', 5);
    const x = tf.randomNormal([2, T, 16], 0, 1, 'float32', 8);
    const extra: Record<string, tf.Tensor> = m.inputNames.includes('bias') ? { bias } : {};
    const run = (features: tf.Tensor) => rows(m.predict({ x: features, ...extra, ...d }, { outputs: ['y'] }).y);
    const base = run(x);
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < T; j++) {
        const at = tf.buffer([2, T, 1]);
        at.set(1, b, j, 0);
        const x2 = tf.tidy(() => tf.add(x, tf.mul(tf.randomNormal([2, T, 16], 0, 5, 'float32', 9 + j), at.toTensor())));
        const out = run(x2);
        x2.dispose();
        for (let i = 0; i < T; i++) {
          if (i === j) continue;
          if (allows(d, b, i, j)) expect(out[b][i], `row ${b}: query ${i} sees key ${j}`).not.toEqual(base[b][i]);
          else expect(out[b][i], `row ${b}: query ${i} must not see key ${j}`).toEqual(base[b][i]);
          expect(out[1 - b][i], `row ${1 - b} is another sequence`).toEqual(base[1 - b][i]);
        }
      }
    }
    // A query with no key gives the output projection's bias, not NaN.
    const oBias = Array.from(m.getWeights()['attn.o_proj.bias'].dataSync());
    for (let b = 0; b < 2; b++) for (let i = 0; i < T; i++) {
      if (![...Array(T).keys()].some((j) => allows(d, b, i, j))) expect(base[b][i], `row ${b}: query ${i} has no key`).toEqual(oBias);
    }
    expect(base.flat(2).every(Number.isFinite)).toBe(true);
    tf.dispose([x, bias]);
  });

  it('MhaKeyMaskAndBias: a bias entry changes a query\'s output only where the mask allows its key', async () => {
    const m = await load(FIXTURE, 'MhaKeyMaskAndBias');
    const keys = randomMask(1, 6);
    const x = tf.randomNormal([2, T, 16], 0, 1, 'float32', 7);
    const bias = tf.randomNormal([1, 4, T, T], 0, 1, 'float32', 5);
    const run = (b: tf.Tensor) => rows(m.predict({ x, keys, bias: b }, { outputs: ['y'] }).y);
    const base = run(bias);
    for (let i = 0; i < T; i++) {
      for (let j = 0; j < T; j++) {
        const at = tf.buffer([1, 4, T, T]);
        at.set(1, 0, 2, i, j); // head 2 only
        const bias2 = tf.tidy(() => tf.add(bias, tf.mul(at.toTensor(), 3)));
        const out = run(bias2);
        bias2.dispose();
        for (let b = 0; b < 2; b++) {
          const seen = j <= i && keys[b][0][j] === 1;
          // A bias on the only key a query sees changes nothing either: its softmax weight stays 1.
          const only = seen && [...Array(T).keys()].filter((k) => k <= i && keys[b][0][k] === 1).length === 1;
          if (seen && !only) expect(out[b][i], `row ${b}: query ${i}, key ${j} is allowed`).not.toEqual(base[b][i]);
          else expect(out[b][i], `row ${b}: query ${i}, key ${j}`).toEqual(base[b][i]);
          for (let q = 0; q < T; q++) if (q !== i) expect(out[b][q], `query ${q} has its own bias row`).toEqual(base[b][q]);
        }
      }
    }
    tf.dispose([x, bias]);
  });

  it('AlibiLm (ALiBi under causal): a later token does not change earlier logits', async () => {
    const m = await load(FIXTURE, 'AlibiLm');
    const ids = [5, 17, 22, 3, 9, 23, 8, 31];
    const changed = [...ids];
    changed[5] = 7;
    const a = rows(m.predict({ ids: [ids] }, { outputs: ['logits'] }).logits);
    const b = rows(m.predict({ ids: [changed] }, { outputs: ['logits'] }).logits);
    for (let t = 0; t < 5; t++) expect(b[0][t], `position ${t}`).toEqual(a[0][t]);
    for (let t = 5; t < 8; t++) expect(b[0][t], `position ${t}`).not.toEqual(a[0][t]);
  });
});

describe('training with mask and bias inputs', () => {
  it('fit lowers the loss of MhaKeyMaskAndBias fed nested arrays (0/1 masks)', async () => {
    const m = await load(FIXTURE, 'MhaKeyMaskAndBias');
    const batch = tf.tidy(() => ({
      x: tf.randomNormal([2, T, 16], 0, 1, 'float32', 1).arraySync() as number[][][],
      keys: [[[1, 1, 1, 1, 0, 0]], [[1, 1, 1, 1, 1, 1]]],
      bias: tf.randomNormal([1, 4, T, T], 0, 1, 'float32', 2).arraySync() as number[][][][],
      target: tf.randomNormal([2, T, 16], 0, 1, 'float32', 3).arraySync() as number[][][],
    }));
    const history = await m.fit([batch], { epochs: 30, learningRate: 0.01 });
    const losses = history.epochs.map((e) => e.loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.9);
  });
});
