/**
 * The native backend's one-pass cross-entropy (`TfmcCrossEntropy`, native/src/fused.cc) against
 * the runtime's tfjs-op formula on wasm: the loss and the logits' gradient, with label smoothing,
 * ignored targets and a target outside the classes; and that it keeps no [N, V] tensor but the
 * logits and their gradient (at GPT-2's 50,257 classes those tensors are what fills the heap).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { crossEntropy } from '../../../src/runtime/index.js';
import { selectBackend } from '../../../src/tfjs.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';

const [B, T, V] = [3, 7, 301];

/** Loss and d(loss)/d(logits) for fixed inputs; row 4 is ignored (-100), row 9 has smoothing's uniform part only. */
function lossAndGrad(smoothing: number, ignore = -100): Float32Array[] {
  return tf.tidy(() => {
    const logits = tf.mul(tf.randomNormal([B, T, V], 0, 1, 'float32', 5), 3);
    const ids = Array.from({ length: B * T }, (_, i) => (i * 37) % V);
    ids[4] = ignore;
    const targets = tf.tensor2d(ids, [B, T], 'int32');
    const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => crossEntropy(x, targets, smoothing, ignore))([logits]);
    return [value.dataSync() as Float32Array, grads[0].dataSync() as Float32Array];
  });
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('fused cross-entropy on native equals the formula on wasm', () => {
  for (const smoothing of [0, 0.1]) {
    it(`loss and gradient, label smoothing ${smoothing}, an ignored target`, async () => {
      await selectBackend('wasm');
      const [lossW, gradW] = lossAndGrad(smoothing);
      await selectBackend('native');
      const before = nativeKernelCalls.native;
      const [lossN, gradN] = lossAndGrad(smoothing);
      expect(nativeKernelCalls.native).toBeGreaterThan(before);
      expect(Math.abs(lossN[0] - lossW[0])).toBeLessThan(1e-5 * Math.abs(lossW[0]) + 1e-6);
      expect(maxAbs(gradN, gradW)).toBeLessThan(1e-6);
      // The ignored row has no gradient.
      expect(gradN.slice(4 * V, 5 * V).every((g) => g === 0)).toBe(true);
    });
  }

  it('makes no [N, V] tensor but the logits\' gradient (Reshape and Identity share their input\'s data)', async () => {
    /** Kernels of the loss and its gradient that write a new [N, V] tensor. */
    const wideOutputs = async (backend: 'wasm' | 'native') => {
      await selectBackend(backend);
      const logits = tf.randomNormal([64, 4096]);
      const targets = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i * 11), 'int32');
      const info = await tf.profile(() => {
        const { value, grads } = tf.valueAndGrads((x: tf.Tensor) => crossEntropy(x, targets, 0, -100))([logits]);
        tf.dispose([value, ...grads]);
      });
      tf.dispose([logits, targets]);
      const sharing = backend === 'native' ? ['Reshape', 'Identity'] : ['Reshape'];
      return info.kernels.filter((k) => !sharing.includes(k.name) && k.outputShapes.some((s) => s.includes(4096))).map((k) => k.name);
    };
    expect(await wideOutputs('native')).toEqual(['TfmcCrossEntropyGrad']);
    expect((await wideOutputs('wasm')).length).toBeGreaterThanOrEqual(6);
  });
});
