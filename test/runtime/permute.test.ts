/**
 * `permute` (src/runtime/core.ts) and the head split / merge and key transpose built on the same
 * idea: a permutation that only moves axes of size 1 is a reshape (one kernel, no Transpose, no
 * copy), with the values of `tf.transpose`; any other stays a transpose.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mergeHeads, permute, splitHeads, transposeLast } from '../../src/runtime/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The result's shape and values, and the kernels that computed it. */
async function traced(f: () => tf.Tensor) {
  let out: { shape: number[]; data: number[] } | undefined;
  const info = await tf.profile(() => {
    const y = f();
    out = { shape: y.shape, data: Array.from(y.dataSync()) };
    return y;
  });
  return { ...out!, kernels: info.kernels.map((k) => k.name) };
}

const x = (shape: number[]) => tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1)), shape);

describe('permute', () => {
  it.each([
    ['size-1 axes moved', [2, 1, 3, 1], [1, 0, 3, 2]],
    ['a head axis of 1 before the sequence', [2, 5, 1, 4], [0, 2, 1, 3]],
    ['the identity', [3, 4], [0, 1]],
  ])('%s: a reshape with the values of tf.transpose', async (_what, shape, perm) => {
    const got = await traced(() => permute(x(shape), perm));
    const want = await traced(() => tf.transpose(x(shape), perm));
    expect({ shape: got.shape, data: got.data }).toEqual({ shape: want.shape, data: want.data });
    expect(got.kernels).not.toContain('Transpose');
  });

  it('a real reordering stays a transpose', async () => {
    const got = await traced(() => permute(x([2, 3, 4]), [0, 2, 1]));
    const want = await traced(() => tf.transpose(x([2, 3, 4]), [0, 2, 1]));
    expect(got.data).toEqual(want.data);
    expect(got.kernels).toContain('Transpose');
  });
});

describe('one position (a decode step) takes reshapes only', () => {
  const viaTranspose = {
    split: (t: tf.Tensor, h: number) => {
      const [b, n, f] = t.shape as number[];
      return tf.transpose(tf.reshape(t, [b, n, h, f / h]), [0, 2, 1, 3]);
    },
    merge: (t: tf.Tensor) => {
      const [b, h, n, d] = t.shape as number[];
      return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [b, n, h * d]);
    },
  };
  it.each([1, 3])('splitHeads, mergeHeads and transposeLast over %i position(s) equal the transposes', async (t) => {
    const cases: Array<[() => tf.Tensor, () => tf.Tensor]> = [
      [() => splitHeads(x([2, t, 12]), 3), () => viaTranspose.split(x([2, t, 12]), 3)],
      [() => mergeHeads(x([2, 3, t, 4])), () => viaTranspose.merge(x([2, 3, t, 4]))],
      [() => transposeLast(x([2, 3, t, 4])), () => tf.transpose(x([2, 3, t, 4]), [0, 1, 3, 2])],
    ];
    for (const [ours, reference] of cases) {
      const got = await traced(ours);
      const want = await traced(reference);
      expect({ shape: got.shape, data: got.data }).toEqual({ shape: want.shape, data: want.data });
      expect(got.kernels.includes('Transpose')).toBe(t > 1);
    }
  });
});
