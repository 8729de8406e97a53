/** Bad input gets a clear, typed error naming the input and what was expected. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, ModelInputError, selectBackend, type TfjsModel } from '../../../src/tfjs.js';
import { loadIR } from './helpers.js';
import { checkSource } from '../../../src/index.js';

function inputError(f: () => unknown): ModelInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelInputError) return e;
    throw new Error(`expected a ModelInputError, got ${String(e)}`);
  }
  throw new Error('expected a ModelInputError, but nothing was thrown');
}

describe('input errors', () => {
  let gpt: TfjsModel;
  let bert: TfjsModel;
  beforeAll(async () => {
    await selectBackend('cpu');
    gpt = buildModel(loadIR('specs/gpt2.tfm', 'Gpt2Tiny'), { seed: 1 });
    bert = buildModel(loadIR('specs/bert.tfm', 'BertTiny'), { seed: 1 });
  });
  afterAll(() => {
    gpt.dispose();
    bert.dispose();
  });
  const ids = (rows: number[][], dtype: 'int32' | 'float32' = 'int32') => tf.tensor2d(rows, undefined, dtype);

  it('a missing input', () => {
    const e = inputError(() => gpt.forward({}));
    expect(e.input).toBe('ids');
    expect(e.message).toBe('input `ids`: missing: expected int32 [batch, seq] with seq <= 64');
  });

  it('an unknown input', () => {
    const e = inputError(() => gpt.forward({ ids: ids([[1]]), tokens: ids([[1]]) }));
    expect(e.message).toContain('has no input named `tokens`');
    expect(e.message).toContain('`ids`');
  });

  it('the wrong dtype', () => {
    const e = inputError(() => gpt.forward({ ids: ids([[1, 2]], 'float32') }));
    expect(e.message).toBe('input `ids`: expected int32 [batch, seq] with seq <= 64, got float32 [1, 2]: the dtype differs');
  });

  it('the wrong rank', () => {
    const e = inputError(() => gpt.forward({ ids: tf.tensor1d([1, 2, 3], 'int32') }));
    expect(e.message).toBe('input `ids`: expected int32 [batch, seq] with seq <= 64 (rank 2), got int32 [3] (rank 1)');
  });

  it('a sequence longer than the positional table', () => {
    const e = inputError(() => gpt.forward({ ids: tf.zeros([1, 65], 'int32') }));
    expect(e.message).toBe('input `ids`: `seq` is 65, but the model allows at most 64 (expected int32 [batch, seq] with seq <= 64)');
  });

  it('a token id outside the vocabulary', () => {
    const e = inputError(() => gpt.forward({ ids: ids([[1, 2, 3], [4, 100, 6]]) }));
    expect(e.message).toBe('input `ids`: value 100 at [1, 1] is out of range: token ids of `wte` (100 rows) must be 0 ≤ id < 100');
    const neg = inputError(() => gpt.forward({ ids: ids([[-1]]) }));
    expect(neg.message).toContain('value -1 at [0, 0] is out of range');
  });

  it('an id outside the range the input declares, though inside the table', () => {
    // Ids declared `in [2, 10)` (two reserved ids below, none past 9) with a table of 16 rows.
    const r = checkSource('model Ranged {\n  input ids: int32[batch, seq] in [2, 10) where seq <= 8\n  output y = Embedding(16, 4)(ids)\n}\n', 'ranged.tfm');
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = buildModel(r.models[0], { seed: 1 });
    try {
      expect(m.forward({ ids: ids([[2, 9, 3]]) }).y.shape).toEqual([1, 3, 4]);
      const high = inputError(() => m.forward({ ids: ids([[2, 12]]) }));
      expect(high.message).toBe('input `ids`: value 12 at [0, 1] is out of range: values declared `in [2, 10)` must be 2 ≤ id < 10');
      const low = inputError(() => m.forward({ ids: ids([[1]]) }));
      expect(low.message).toContain('value 1 at [0, 0] is out of range');
    } finally {
      m.dispose();
    }
  });

  it('inputs that disagree on a shared dimension', () => {
    const e = inputError(() => bert.forward({ ids: ids([[1, 2, 3]]), segments: ids([[0, 1]]) }));
    expect(e.input).toBe('segments');
    expect(e.message).toBe('input `segments`: expected int32 [batch, seq] with batch = 1, seq = 3, seq <= 64, got int32 [1, 2]: `seq` is 3 in `ids` but 2 here');
  });

  it('a segment id outside a small table, and a class label out of range', () => {
    const seg = inputError(() => bert.forward({ ids: ids([[1, 2]]), segments: ids([[0, 2]]) }));
    expect(seg.message).toContain('token ids of `token_type` (2 rows) must be 0 ≤ id < 2');
    const e = inputError(() =>
      bert.forward({ ids: ids([[1, 2]]), segments: ids([[0, 1]]), mlm_labels: ids([[-100, 5]]), nsp_labels: tf.tensor1d([2], 'int32') }),
    );
    expect(e.input).toBe('nsp_labels');
    expect(e.message).toContain('targets of a loss over 2 classes must be 0 ≤ id < 2 or -100');
  });

  it('labels are needed only when a loss is asked for', () => {
    const out = bert.forward({ ids: ids([[1, 2]]), segments: ids([[0, 1]]) });
    expect(Object.keys(out).sort()).toEqual(['mlm_logits', 'nsp_logits']);
    tf.dispose(Object.values(out));
    const e = inputError(() => bert.forward({ ids: ids([[1, 2]]), segments: ids([[0, 1]]) }, { outputs: ['masked_lm'] }));
    expect(e.input).toBe('mlm_labels');
    expect(e.message).toContain('missing');
  });

  it('a plain array instead of a tensor', () => {
    const e = inputError(() => gpt.forward({ ids: [[1, 2]] as unknown as tf.Tensor }));
    expect(e.message).toContain('got an array (convert it with tf.tensor(...))');
  });

  it('an unknown output name', () => {
    expect(() => gpt.forward({ ids: ids([[1]]) }, { outputs: ['probs'] })).toThrow('has no output or loss named `probs`');
  });
});
