/** `matMulWeightT` (its own gradient above SMALL_ROWS rows, tfjs's at or below) equals the gradient tfjs derives for `matMul(x, w, false, true)`. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs.js';
import { matMulWeightT, SMALL_ROWS, type TransposedWeights } from '../../src/runtime/index.js';
import { maxRelDiff } from './helpers.js';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`matMulWeightT on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    for (const rows of [37, SMALL_ROWS]) {
      it(`gives x·wᵀ and the autodiff gradients of x and w for ${rows} rows, without leaking tensors`, () => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const x = tf.randomNormal([rows, 19], 0, 1, 'float32', 1);
          const w = tf.randomNormal([23, 19], 0, 1, 'float32', 2);
          // A random upstream gradient, so that every element of dy differs.
          const r = tf.randomNormal([rows, 23], 0, 1, 'float32', 3);
          const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(matMulWeightT(a, b), r)));
          const reference = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a, b, false, true), r)));
          expect(matMulWeightT(x, w).shape).toEqual([rows, 23]);
          expect(maxRelDiff(matMulWeightT(x, w), tf.matMul(x, w, false, true))).toBeLessThan(1e-5);
          const [dx, dw] = ours([x, w]);
          const [rx, rw] = reference([x, w]);
          expect(dx.shape).toEqual([rows, 19]);
          expect(dw.shape).toEqual([23, 19]);
          expect(maxRelDiff(dx, rx)).toBeLessThan(1e-5);
          expect(maxRelDiff(dw, rw)).toBeLessThan(1e-5);
        });
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}

describe('matMulWeightT with kept transposes (inference)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('makes the transpose once, remakes it when the weight is reassigned, and never under a gradient tape', () => {
    const cache: TransposedWeights = new Map();
    const x = tf.randomNormal([37, 19], 0, 1, 'float32', 1);
    const w = tf.variable(tf.randomNormal([23, 19], 0, 1, 'float32', 2));
    const y1 = matMulWeightT(x, w, cache);
    expect(maxRelDiff(y1, tf.matMul(x, w, false, true))).toBeLessThan(1e-5);
    const kept = cache.get(w)!.transposed;
    const y2 = matMulWeightT(x, w, cache);
    expect(cache.get(w)!.transposed).toBe(kept);
    // Training changes the weight: the next inference call must see the new values.
    w.assign(tf.mul(w, 2));
    const y3 = matMulWeightT(x, w, cache);
    expect(maxRelDiff(y3, tf.mul(y1, 2))).toBeLessThan(1e-5);
    expect(kept.isDisposed).toBe(true);
    // Under a gradient tape the kept transpose would cut the weight's gradient off: it is not used.
    const { grads } = tf.variableGrads(() => tf.sum(matMulWeightT(x, w, cache)), [w]);
    const reference = tf.variableGrads(() => tf.sum(tf.matMul(x, w, false, true)), [w]).grads;
    expect(maxRelDiff(grads[w.name], reference[w.name])).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(grads[w.name])).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, w, y1, y2, y3, cache.get(w)!.transposed, grads[w.name], reference[w.name]]);
  });

  it('uses the kept transpose for a single row too (a decode step)', () => {
    const cache: TransposedWeights = new Map();
    const x = tf.randomNormal([1, 19], 0, 1, 'float32', 3);
    const w = tf.variable(tf.randomNormal([23, 19], 0, 1, 'float32', 4));
    const y = matMulWeightT(x, w, cache);
    expect(cache.has(w)).toBe(true);
    expect(maxRelDiff(y, tf.matMul(x, w, false, true))).toBeLessThan(1e-5);
    tf.dispose([x, w, y, cache.get(w)!.transposed]);
  });
});
