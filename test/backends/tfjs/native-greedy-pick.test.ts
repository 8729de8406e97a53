/**
 * The native greedy choice (`TfmcGreedyPick`, native/src/fused.cc), which greedy decoding asks for
 * instead of reading the logits back: per row, the arg-max (the first on ties, as choose.ts's
 * `argmax` and `tf.argMax`) and its log-probability (as choose.ts's `logProbOf`, computed in double).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmax, logProbOf } from '../../../src/backends/tfjs/generate/choose.js';
import { fusedKernel } from '../../../src/runtime/index.js';
import { selectBackend } from '../../../src/tfjs.js';

beforeAll(async () => {
  await selectBackend('native');
});
afterAll(async () => {
  await selectBackend('native');
});

describe('the native greedy choice', () => {
  it("gives each row's arg-max and log-probability, GPT-2's vocabulary wide", () => {
    const V = 50257;
    const rows = tf.tidy(() => tf.mul(tf.randomNormal([4, V], 0, 1, 'float32', 3), 6)).arraySync() as number[][];
    rows[1][777] = 40; // one far above the rest: its probability is ~1
    rows[2][5] = rows[2][90] = 30; // a tie: the first wins
    rows[3].fill(-2); // all equal: index 0, log(1/V)
    const logits = tf.tensor2d(rows);
    const picked = fusedKernel('TfmcGreedyPick', { logits })!;
    const out = picked.dataSync();
    tf.dispose([logits, picked]);
    expect(picked.shape).toEqual([4, 2]);
    const f32 = rows.map((r) => Float32Array.from(r));
    f32.forEach((row, r) => {
      const token = argmax(row);
      expect(out[2 * r]).toBe(token);
      expect(Math.abs(out[2 * r + 1] - logProbOf(row, token))).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(logProbOf(row, token))));
    });
    expect(out[4]).toBe(5);
    expect(out[6]).toBe(0);
    expect(Math.abs(out[7] + Math.log(V))).toBeLessThan(1e-5);
  });

  it('is not there off the native backend (greedy decoding then reads the logits)', async () => {
    await selectBackend('wasm');
    try {
      expect(tf.tidy(() => fusedKernel('TfmcGreedyPick', { logits: tf.zeros([1, 3]) }))).toBeUndefined();
    } finally {
      await selectBackend('native');
    }
  });
});
