/**
 * The native backend's batched-forward paths (docs/performance.md, "The native backend") against
 * the cpu backend on the same inputs: products whose bias is written before the BLAS adds the
 * product to it (beta 1).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/tfjs.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';
import { linear } from '../../../src/runtime/dense.js';
import { relDiff } from './helpers.js';

const normal = (shape: number[], seed: number, std = 1) => tf.randomNormal(shape, 0, std, 'float32', seed);

/** `fn`'s result on the cpu backend and on the native one, the native kernels having run. */
async function onCpuAndNative(fn: () => tf.Tensor): Promise<{ cpu: Float32Array; native: Float32Array }> {
  const run = () => tf.tidy(() => fn().dataSync() as Float32Array);
  await selectBackend('cpu');
  const cpu = run();
  await selectBackend('native');
  const calls = nativeKernelCalls.native;
  const native = run();
  expect(nativeKernelCalls.native, 'the native kernels ran').toBeGreaterThan(calls);
  return { cpu, native };
}

beforeAll(async () => {
  await selectBackend('native');
});

describe('a bias the BLAS adds the product to', () => {
  // k = 1100 is more than one of OpenBLAS's k blocks, so the product is added to C in parts.
  it.each([
    ['a bias per column, in = 1100', [3, 5, 1100], [37], 11],
    ['a bias per column, in = 64', [2, 70, 64], [130], 13],
  ] as const)('linear with %s', async (_, xShape, [out], seed) => {
    const { cpu, native } = await onCpuAndNative(() => linear(normal([...xShape], seed), normal([out, xShape[2]], seed + 1, 0.05), normal([out], seed + 2)));
    expect(relDiff(native, cpu)).toBeLessThanOrEqual(1e-5);
  });

  it('a fused matmul with a bias of size 1 broadcast along the rows, and one per column with relu', async () => {
    for (const [bias, activation] of [
      [[1], 'linear'],
      [[19], 'relu'],
    ] as const) {
      const { cpu, native } = await onCpuAndNative(() =>
        tf.fused.matMul({ a: normal([2, 30, 700], 21), b: normal([2, 700, 19], 22), bias: normal([...bias], 23), activation }),
      );
      expect(relDiff(native, cpu), `bias [${bias}], ${activation}`).toBeLessThanOrEqual(1e-5);
    }
  });
});
