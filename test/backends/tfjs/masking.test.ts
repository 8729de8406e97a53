/**
 * Masks are never silently wrong: for each mask kind, positions a query may not attend to cannot
 * influence its output (bit-identical after a perturbation), and a query with nothing to attend
 * to gets zeros (so the attention output is exactly the output projection's bias), not NaN.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, selectBackend, type TfjsModel } from '../../../src/tfjs.js';
import { loadIR } from './helpers.js';

const BLOCKS = 'test/fixtures/parity/blocks.tfm';
const MASKS = 'test/fixtures/parity/masks.tfm';

/** The masks of test/fixtures/parity/masks.tfm, written out: may query i of row b see key j? */
const T = 8;
const DOCS = [[1, 1, 1, 2, 2, 3, 3, 3], [4, 4, 4, 4, 4, 5, 5, 6]];
const LENGTHS = [5, 8];
const IDS = [[3, 4, 5, 6, 7, 8, 0, 0], [9, 9, 9, 9, 9, 9, 9, 9]];
const MASK_CASES: Array<{ model: string; extra: () => Record<string, tf.Tensor>; allows: (b: number, i: number, j: number) => boolean }> = [
  { model: 'MhaWindow', extra: () => ({}), allows: (_b, i, j) => j <= i && j > i - 3 },
  { model: 'MhaPrefix', extra: () => ({}), allows: (_b, i, j) => j <= i || j < 4 },
  { model: 'MhaSegments', extra: () => ({ docs: tf.tensor2d(DOCS, undefined, 'int32') }), allows: (b, i, j) => j <= i && DOCS[b][i] === DOCS[b][j] },
  { model: 'MhaLengths', extra: () => ({ lengths: tf.tensor1d(LENGTHS, 'int32') }), allows: (b, _i, j) => j < LENGTHS[b] },
  {
    model: 'MhaUnion',
    extra: () => ({ docs: tf.tensor2d(DOCS, undefined, 'int32'), ids: tf.tensor2d(IDS, undefined, 'int32') }),
    allows: (b, i, j) => j <= i && (DOCS[b][i] === DOCS[b][j] || j > i - 2) && IDS[b][j] !== 0,
  },
  { model: 'MhaComplement', extra: () => ({}), allows: (_b, i, j) => j < i },
];

/** `[B, T, F]` rows as plain arrays, for exact comparisons. */
function rows(t: tf.Tensor): number[][][] {
  return t.arraySync() as number[][][];
}

describe.each(['cpu', 'wasm'] as const)('masks on %s', (backend) => {
  const models: TfjsModel[] = [];
  // Both backends ship in the package: one that does not load fails the suite, never skips it.
  beforeAll(async () => {
    await selectBackend(backend);
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  function model(spec: string, name: string): TfjsModel {
    const m = buildModel(loadIR(spec, name), { seed: 11 });
    models.push(m);
    return m;
  }

  it('causal (Gpt2Tiny): a later token does not change earlier logits', () => {
    const gpt = model('specs/gpt2.tfm', 'Gpt2Tiny');
    const ids = [5, 17, 42, 3, 99, 23, 8, 61];
    const changed = [...ids];
    changed[5] = 77;
    const a = rows(tf.tidy(() => gpt.forward({ ids: tf.tensor2d([ids], undefined, 'int32') }, { outputs: ['logits'] }).logits));
    const b = rows(tf.tidy(() => gpt.forward({ ids: tf.tensor2d([changed], undefined, 'int32') }, { outputs: ['logits'] }).logits));
    for (let t = 0; t < 5; t++) expect(b[0][t], `position ${t}`).toEqual(a[0][t]);
    for (let t = 5; t < 8; t++) expect(b[0][t], `position ${t}`).not.toEqual(a[0][t]);
  });

  it('causal (TransformerTiny decoder): a later target token does not change earlier logits', () => {
    const tr = model('specs/transformer.tfm', 'TransformerTiny');
    const src = tf.tensor2d([[4, 8, 15, 16, 23, 42]], undefined, 'int32');
    const run = (tgt: number[]) => rows(tf.tidy(() => tr.forward({ src, tgt: tf.tensor2d([tgt], undefined, 'int32') }, { outputs: ['logits'] }).logits));
    const a = run([1, 2, 3, 4, 5]);
    const b = run([1, 2, 3, 9, 5]);
    for (let t = 0; t < 3; t++) expect(b[0][t]).toEqual(a[0][t]);
    expect(b[0][3]).not.toEqual(a[0][3]);
    src.dispose();
  });

  it('padding: padded keys do not change the outputs of other positions; a fully padded sequence gives the bias', () => {
    const m = model(BLOCKS, 'MhaPadding');
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 1);
    const ids = tf.tensor2d([[3, 4, 5, 0, 0], [0, 0, 0, 0, 0]], undefined, 'int32');
    // Perturb the features at the padded positions 3 and 4 of sequence 0.
    const noise = tf.mul(tf.randomNormal([2, 5, 16], 0, 5, 'float32', 2), tf.tensor3d([[[0], [0], [0], [1], [1]], [[0], [0], [0], [0], [0]]]));
    const x2 = tf.add(x, noise);
    const a = rows(tf.tidy(() => m.forward({ x, ids }, { outputs: ['y'] }).y));
    const b = rows(tf.tidy(() => m.forward({ x: x2, ids }, { outputs: ['y'] }).y));
    for (let t = 0; t < 3; t++) expect(b[0][t], `position ${t}`).toEqual(a[0][t]);
    // Sequence 1 has no key to attend to: attention weights are zeros, so y = o_proj.bias exactly.
    const bias = Array.from(m.variables.get('attn.o_proj.bias')!.dataSync());
    for (let t = 0; t < 5; t++) expect(a[1][t]).toEqual(bias);
    tf.dispose([x, ids, noise, x2]);
  });

  it('causal & padding: neither later tokens nor padded keys change earlier outputs; empty rows are zeros, not NaN', () => {
    const m = model(BLOCKS, 'MhaCausalPadding');
    const x = tf.randomNormal([1, 5, 16], 0, 1, 'float32', 3);
    const ids = tf.tensor2d([[0, 0, 5, 6, 7]], undefined, 'int32'); // left padding
    const a = rows(tf.tidy(() => m.forward({ x, ids }, { outputs: ['y'] }).y));
    // Change position 4 (later) and position 0 (padding).
    const mask = tf.tensor3d([[[1], [0], [0], [0], [1]]]);
    const x2 = tf.add(x, tf.mul(tf.randomNormal([1, 5, 16], 0, 5, 'float32', 4), mask));
    const b = rows(tf.tidy(() => m.forward({ x: x2, ids }, { outputs: ['y'] }).y));
    for (let t = 2; t < 4; t++) expect(b[0][t], `position ${t}`).toEqual(a[0][t]);
    const bias = Array.from(m.variables.get('attn.o_proj.bias')!.dataSync());
    expect(a[0][0]).toEqual(bias);
    expect(a[0][1]).toEqual(bias);
    expect(a.flat(2).every(Number.isFinite)).toBe(true);
    tf.dispose([x, ids, mask, x2]);
  });

  it('memory padding (DecoderCross): padded memory positions do not change the outputs', () => {
    const m = model(BLOCKS, 'DecoderCross');
    const x = tf.randomNormal([1, 4, 16], 0, 1, 'float32', 5);
    const memory = tf.randomNormal([1, 6, 16], 0, 1, 'float32', 6);
    const srcIds = tf.tensor2d([[1, 2, 3, 4, 0, 0]], undefined, 'int32');
    const memory2 = tf.add(memory, tf.mul(tf.randomNormal([1, 6, 16], 0, 5, 'float32', 7), tf.tensor3d([[[0], [0], [0], [0], [1], [1]]])));
    const a = rows(tf.tidy(() => m.forward({ x, memory, src_ids: srcIds }, { outputs: ['y'] }).y));
    const b = rows(tf.tidy(() => m.forward({ x, memory: memory2, src_ids: srcIds }, { outputs: ['y'] }).y));
    expect(b).toEqual(a);
    tf.dispose([x, memory, srcIds, memory2]);
  });

  // Perturbing key j of row b changes exactly the outputs of the queries that may see it (its own
  // query aside, whose query vector changes too), and no query of the other row.
  it.each(MASK_CASES)('$model: a key changes exactly the outputs of the queries allowed to see it', ({ model: name, extra, allows }) => {
    const m = model(MASKS, name);
    const inputs = extra();
    const x = tf.randomNormal([2, T, 16], 0, 1, 'float32', 8);
    const base = rows(tf.tidy(() => m.forward({ x, ...inputs }, { outputs: ['y'] }).y));
    for (let b = 0; b < 2; b++) {
      for (let j = 0; j < T; j++) {
        const at = tf.buffer([2, T, 1]);
        at.set(1, b, j, 0);
        const x2 = tf.tidy(() => tf.add(x, tf.mul(tf.randomNormal([2, T, 16], 0, 5, 'float32', 9 + j), at.toTensor())));
        const out = rows(tf.tidy(() => m.forward({ x: x2, ...inputs }, { outputs: ['y'] }).y));
        x2.dispose();
        for (let i = 0; i < T; i++) {
          if (i === j) continue;
          if (allows(b, i, j)) expect(out[b][i], `row ${b}: query ${i} sees key ${j}`).not.toEqual(base[b][i]);
          else expect(out[b][i], `row ${b}: query ${i} must not see key ${j}`).toEqual(base[b][i]);
          expect(out[1 - b][i], `row ${1 - b} is another sequence`).toEqual(base[1 - b][i]);
        }
      }
    }
    // A query with no key (MhaComplement's first) gives the output projection's bias, not NaN.
    const bias = Array.from(m.variables.get('attn.o_proj.bias')!.dataSync());
    for (let b = 0; b < 2; b++) for (let i = 0; i < T; i++) {
      if (![...Array(T).keys()].some((j) => allows(b, i, j))) expect(base[b][i], `row ${b}: query ${i} has no key`).toEqual(bias);
    }
    expect(base.flat(2).every(Number.isFinite)).toBe(true);
    tf.dispose([x, ...Object.values(inputs)]);
  });
});
