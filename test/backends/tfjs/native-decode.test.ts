/**
 * The native backend's decode-step paths: one-row products with a
 * transposed weight (native/src/gemv.cc: every tail of the 16-lane loop and of the 4-row blocks,
 * a fused bias, a batch, a product large enough to be split over the pool) against the cpu
 * kernel, their results being bit-identical for 1 and 2 threads, and greedy generation giving
 * wasm's tokens.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/index.js';
import { selectBackend } from '../../../src/tfjs.js';
import { linear } from '../../../src/runtime/index.js';
import { loadAddon } from '../../../src/backends/tfjs/native/addon.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';
import { relDiff, ROOT } from './helpers.js';

// The products' reference is the cpu backend's kernel: wasm's own _FusedMatMul with transposeB is
// wrong for one row of 96 or more features (off by up to 26 for x [1, 771] · wᵀ [9, 771] + b).
const REFERENCE = 'cpu';
const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);


async function on(backend: 'wasm' | 'native' | 'cpu', fn: () => tf.Tensor): Promise<Float32Array> {
  await selectBackend(backend);
  return tf.tidy(() => fn().dataSync() as Float32Array);
}

beforeAll(async () => {
  await selectBackend('native');
});

describe('one-row products (decode steps) equal the cpu kernel', () => {
  // k around the 16-lane loop's tail, n around the 4-row blocks' tail.
  const sizes: Array<[number, number]> = [
    [1, 1],
    [15, 3],
    [16, 4],
    [17, 5],
    [96, 67],
    [771, 9],
  ];
  for (const [k, n] of sizes) {
    it(`x [1, ${k}] · wᵀ (w [${n}, ${k}]), with and without a bias`, async () => {
      const plain = () => tf.matMul(normal([1, k], 1), normal([n, k], 2), false, true);
      const biased = () => tf.fused.matMul({ a: normal([1, k], 1), b: normal([n, k], 2), transposeB: true, bias: normal([n], 3) });
      for (const f of [plain, biased]) {
        const want = await on(REFERENCE, f);
        const calls = nativeKernelCalls.native;
        const got = await on('native', f);
        expect(nativeKernelCalls.native).toBe(calls + 1);
        expect(relDiff(got, want), `k ${k}, n ${n}`).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  it('batched one-row products (attention heads) with a broadcast weight', async () => {
    const f = () => tf.matMul(normal([3, 1, 40], 4), normal([1, 21, 40], 5), false, true);
    expect(relDiff(await on('native', f), await on(REFERENCE, f))).toBeLessThanOrEqual(1e-5);
  });

  it('a product split over the pool gives the same bits on 1 and 2 threads, and equals the cpu kernel', async () => {
    // 4,099 rows of 771: many 4-row blocks per thread, and a tail block.
    const f = () => tf.fused.matMul({ a: normal([1, 771], 6), b: normal([4099, 771], 7), transposeB: true, bias: normal([4099], 8) });
    const addon = loadAddon();
    const threads = addon.poolThreads();
    try {
      addon.setPoolThreads(1);
      const one = await on('native', f);
      addon.setPoolThreads(2);
      const two = await on('native', f);
      expect(Buffer.from(two.buffer).equals(Buffer.from(one.buffer))).toBe(true);
      expect(relDiff(two, await on(REFERENCE, f))).toBeLessThanOrEqual(1e-5);
    } finally {
      addon.setPoolThreads(threads);
    }
  });
});

describe('the fused linear kernel takes inputs of any rank (no reshapes around it)', () => {
  it('x [2, 3, 96] and [96]: outputs and gradients equal the tfjs ops on cpu', async () => {
    for (const shape of [[2, 3, 96], [96]]) {
      const inputs = () => [normal(shape, 11), normal([40, 96], 12), normal([40], 13)];
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => linear(x, w, b);
      const run = () => {
        const [x, w, b] = inputs();
        const y = f(x, w, b);
        const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(x, w, b), tf.sin(f(x, w, b)))))([x, w, b]);
        return [y, ...grads];
      };
      const values = async (backend: 'cpu' | 'native') => {
        await selectBackend(backend);
        return tf.tidy(run).map((t) => {
          const out = { shape: t.shape, data: t.dataSync() as Float32Array };
          t.dispose();
          return out;
        });
      };
      const want = await values('cpu');
      const calls = nativeKernelCalls.native;
      const got = await values('native');
      expect(nativeKernelCalls.native).toBeGreaterThan(calls);
      got.forEach((g, i) => {
        expect(g.shape, `result ${i} of x [${shape}]`).toEqual(want[i].shape);
        expect(relDiff(g.data, want[i].data), `result ${i} of x [${shape}]`).toBeLessThanOrEqual(1e-4);
      });
    }
  });

  it('x [2, 0] gives the bias on every row', async () => {
    await selectBackend('native');
    const y = tf.tidy(() => linear(tf.zeros([2, 0]), tf.zeros([3, 0]), tf.tensor1d([1, 2, 3])));
    expect(y.shape).toEqual([2, 3]);
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 1, 2, 3]);
    y.dispose();
  });
});

describe('generation on native', () => {
  it('greedy decoding with the key/value cache gives the tokens and scores of wasm (Gpt2Tiny)', async () => {
    const run = async (backend: 'wasm' | 'native') => {
      const model = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 3, backend });
      const r = await model.generate({ prompt: [[5, 17, 42, 8], [1, 2, 3, 4]] }, { maxNewTokens: 24 });
      model.dispose();
      expect(r.cached).toBe(true);
      return r;
    };
    const wasm = await run('wasm');
    const native = await run('native');
    expect(native.newTokens).toEqual(wasm.newTokens);
    native.scores.forEach((s, i) => expect(Math.abs(s - wasm.scores[i])).toBeLessThanOrEqual(1e-4 * Math.abs(wasm.scores[i])));
  });
});
