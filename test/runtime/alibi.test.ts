/**
 * ALiBi's bias: the paper's slopes (a geometric sequence for a power of two, interleaved
 * otherwise), −slope·|i − j| entries, and the rows of new queries against every key when decoding
 * step by step (offsets) equal the rows of the whole bias.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs.js';
import { alibiBias, alibiSlopes } from '../../src/runtime/index.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('alibiSlopes', () => {
  it('is 2^(−8(h+1)/n) for a power of two: 1/2 … 1/256 for 8 heads, 1/16 and 1/256 for 2', () => {
    expect(alibiSlopes(8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => 2 ** -k));
    expect(alibiSlopes(2)).toEqual([2 ** -4, 2 ** -8]);
    expect(alibiSlopes(1)).toEqual([2 ** -8]);
  });

  it('takes the slopes of the power of two below, then every other slope of the one above (6 heads: 4, then 8)', () => {
    expect(alibiSlopes(6)).toEqual([2 ** -2, 2 ** -4, 2 ** -6, 2 ** -8, 2 ** -1, 2 ** -3]);
    expect(alibiSlopes(12)).toEqual([...alibiSlopes(8), ...[1, 3, 5, 7].map((k) => 2 ** -(k / 2))]);
  });
});

describe('alibiBias', () => {
  it('is −slope_h·|i − j|, [1, heads, Tq, Tk]', () => {
    const bias = alibiBias(3, 4, 2);
    expect(bias.shape).toEqual([1, 2, 3, 4]);
    const want = [2 ** -4, 2 ** -8].map((m) => [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => -m * Math.abs(i - j))));
    expect(bias.arraySync()).toEqual([want]);
    bias.dispose();
  });

  it('the new queries of a step (offset), against every key, are the last rows of the whole bias', () => {
    tf.tidy(() => {
      const whole = alibiBias(7, 7, 6);
      const step = alibiBias(2, 7, 6, 5, 0);
      expect(step.arraySync()).toEqual(tf.slice(whole, [0, 0, 5, 0], [1, 6, 2, 7]).arraySync());
    });
  });
});
