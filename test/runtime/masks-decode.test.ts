/** `masked` with a causal mask for one query (a decode step with a cache): nothing built, nothing added. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { causalMask, masked, softmax } from '../../src/runtime/index.js';

describe('a causal mask for the one query of a decode step', () => {
  it('allows every key: masked returns the scores themselves and no rows indicator', () => {
    const mask = causalMask();
    expect(mask.allowsAll?.(1, 9)).toBe(true);
    expect(mask.allowsAll?.(2, 9)).toBe(false);
    const scores = tf.randomNormal([2, 3, 1, 9], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const [out, rows] = masked(scores, mask);
    expect(out).toBe(scores);
    expect(rows).toBeUndefined();
    expect(tf.memory().numTensors, 'no mask tensor was built').toBe(before);
    scores.dispose();
  });

  it('gives the probabilities the built mask gives', () => {
    const scores = tf.randomNormal([2, 3, 1, 9], 0, 1, 'float32', 2);
    const [fast, fastRows] = masked(scores, causalMask());
    const built = causalMask();
    const full: typeof built = (tq, tk) => built(tq, tk); // the same mask without the shortcut
    const [slow, slowRows] = masked(scores, full);
    expect(slowRows).toBeDefined();
    const a = softmax(fast, -1, fastRows).dataSync();
    const b = softmax(slow, -1, slowRows).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    tf.dispose([scores, slow, slowRows!]);
  });
});
