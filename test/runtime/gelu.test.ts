/**
 * The runtime's two GELUs, each with a written-out gradient, against their textbook formulas and
 * tfjs's autodiff of them: `gelu` is the exact x·Φ(x) = 0.5·x·(1 + erf(x/√2)) (PyTorch's
 * `F.gelu(x)`), `geluTanh` the tanh approximation computed as x·sigmoid(v) (PyTorch's
 * `F.gelu(x, approximate='tanh')`).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/tfjs.js';
import { gelu, geluTanh, GELU_CUBIC } from '../../src/runtime/index.js';
import { maxRelDiff } from './helpers.js';

/** The textbook tanh form, with tfjs's own gradient: what the runtime's x·σ(v) must equal. */
function geluTanhReference(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** The erf formula as written, differentiated by tfjs (through `tf.erf`'s own gradient). */
function geluExactReference(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));
}

/** erf in float64 (Abramowitz & Stegun 7.1.26 is too coarse for a reference): its Maclaurin series, or 1 − erfc's continued fraction for |x| > 3. */
function erf64(x: number): number {
  const a = Math.abs(x);
  if (a > 3) {
    // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + ...)))), evaluated from the tail.
    let f = a;
    for (let n = 60; n >= 1; n--) f = a + n / 2 / f;
    return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
  }
  let term = a;
  let sum = a;
  for (let n = 1; n < 200; n++) {
    term *= (-a * a) / n;
    sum += term / (2 * n + 1);
  }
  return (Math.sign(x) * 2 * sum) / Math.sqrt(Math.PI);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`gelu on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });

    const inputs = () => ({
      x: tf.concat([tf.linspace(-10, 10, 2001), tf.randomNormal([500], 0, 2, 'float32', 4)]),
      r: tf.randomNormal([2501], 0, 1, 'float32', 5),
    });

    it('geluTanh matches the tanh formula and its autodiff gradient, from the saturated tails to 0, without leaking tensors', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { x, r } = inputs();
        expect(maxRelDiff(geluTanh(x), geluTanhReference(x))).toBeLessThan(1e-6);
        const ours = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluTanh(a), r)))(x);
        const reference = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluTanhReference(a), r)))(x);
        expect(maxRelDiff(ours, reference)).toBeLessThan(1e-5);
        // A known value: gelu_tanh(1) = 0.5·(1 + tanh(sqrt(2/π)·1.044715)) ≈ 0.841192.
        expect(geluTanh(tf.scalar(1)).dataSync()[0]).toBeCloseTo(0.841192, 5);
      });
      expect(tf.memory().numTensors).toBe(before);
    });

    it('gelu matches the erf formula (in float32 and in float64) and its autodiff gradient, without leaking tensors', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const { x, r } = inputs();
        const ours = gelu(x);
        expect(maxRelDiff(ours, geluExactReference(x))).toBeLessThan(1e-6);
        // Against float64: tfjs's erf is accurate to ~1.5e-7, so 0.5·x·erf errs by < 1e-6 relative.
        const xs = x.dataSync();
        const ys = ours.dataSync();
        let worst = 0;
        for (let i = 0; i < xs.length; i++) {
          const exact = 0.5 * xs[i] * (1 + erf64(xs[i] / Math.SQRT2));
          worst = Math.max(worst, Math.abs(ys[i] - exact) / Math.max(1, Math.abs(exact)));
        }
        expect(worst).toBeLessThan(1e-6);
        // Its gradient, written out as Φ(x) + x·φ(x), against tfjs's autodiff through erf.
        const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gelu(a), r)))(x);
        const reference = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(geluExactReference(a), r)))(x);
        expect(maxRelDiff(grad, reference)).toBeLessThan(1e-5);
        // Known values: gelu(1) = Φ(1) = 0.8413447…; gelu′(1) = Φ(1) + φ(1) = 1.0833155….
        expect(gelu(tf.scalar(1)).dataSync()[0]).toBeCloseTo(0.8413447, 6);
        expect(tf.grad((a: tf.Tensor) => gelu(a))(tf.scalar(1)).dataSync()[0]).toBeCloseTo(1.0833155, 6);
        // The two forms differ, by up to 4.7e-4 near |x| = 2.7 (float64), which is why they are two ops.
        const gap = tf.max(tf.abs(tf.sub(gelu(x), geluTanh(x)))).dataSync()[0];
        expect(gap).toBeGreaterThan(4.5e-4);
        expect(gap).toBeLessThan(5e-4);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}
