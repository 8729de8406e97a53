/** `gelu` as x·sigmoid(v) with its own gradient equals the tanh formula and tfjs's gradient of it. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs.js';
import { gelu as geluTanh, GELU_CUBIC } from '../../src/runtime/index.js';

/** The textbook tanh form, with tfjs's own gradient: what the runtime's x·σ(v) must equal. */
function geluTanhReference(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

function maxRelDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(y[i])));
  return worst;
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`gelu on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    it('matches the tanh formula and its autodiff gradient, from the saturated tails to 0, without leaking tensors', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.concat([tf.linspace(-10, 10, 2001), tf.randomNormal([500], 0, 2, 'float32', 4)]);
        const r = tf.randomNormal(x.shape, 0, 1, 'float32', 5);
        expect(maxRelDiff(geluTanh(x), geluTanhReference(x))).toBeLessThan(1e-6);
        const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluTanh(a), r)))(x);
        const reference = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluTanhReference(a), r)))(x);
        expect(maxRelDiff(ours, reference)).toBeLessThan(1e-5);
        // A known value: gelu(1) = 0.5·(1 + tanh(sqrt(2/π)·1.044715)) ≈ 0.841192.
        expect(geluTanh(tf.scalar(1)).dataSync()[0]).toBeCloseTo(0.841192, 5);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
