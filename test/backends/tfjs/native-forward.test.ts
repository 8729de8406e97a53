/**
 * The native backend's batched-forward paths (docs/performance.md, "The native backend") against
 * the cpu backend on the same inputs: products whose bias is written before the BLAS adds the
 * product to it (beta 1), and multi-head attention run as one kernel (src/backends/tfjs/attention-fusion.ts).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend } from '../../../src/tfjs.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';
import { loadAddon } from '../../../src/backends/tfjs/native/addon.js';
import { linear } from '../../../src/runtime/dense.js';
import { runAttentionChain } from '../../../src/backends/tfjs/attention-fusion.js';
import { relDiff, ROOT } from './helpers.js';

const GPT2 = join(ROOT, 'specs/gpt2.tfm');

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

/** One attention with a mask given as data, and a cross-attention (Tk ≠ Tq) without scaling or mask. */
const ATTENTION = `model Attend {
  config { d_model = 16  heads = 4 }
  input x: float32[batch, seq, d_model]
  input mem: float32[batch, mem_len, d_model]
  input m: mask[batch, seq, seq]
  let self_attn = MultiHeadAttention(d_model, heads)
  let cross = MultiHeadAttention(d_model, heads, scaled: false)
  output masked_self = self_attn(x, x, attn_mask: m)
  output causal_self = self_attn(x, x, attn_mask: causal)
  output crossed = cross(x, mem)
}`;

/** Attention written out, its weights an output too: the chain's values are read elsewhere, so it is not fused. */
const WEIGHTS_OUT = `model WeightsOut {
  config { d = 8  heads = 2 }
  input x: float32[batch, seq, d]
  let q = split_heads(x, heads)
  let k = split_heads(x, heads)
  let v = split_heads(x, heads)
  let w = softmax(q @ transpose(k) / 2.0)
  output weights = w
  output y = merge_heads(w @ v)
}`;

/** The kernel names a call ran, by tf.profile. */
async function kernelsOf(fn: () => tf.TensorContainer): Promise<string[]> {
  const info = await tf.profile(() => {
    const out = fn();
    tf.dispose(out);
  });
  return info.kernels.map((k) => k.name);
}

describe('attention as one kernel (TfmcAttention) in inference', () => {
  it('equals the unfused ops on cpu: a data mask with a fully blocked query row, causal, and cross-attention without scaling', async () => {
    await selectBackend('cpu');
    const model = await compile(ATTENTION, { seed: 3 });
    // 70 queries: three blocks of the kernel's 32, the first two needing only the keys up to their last row.
    const T = 70;
    const x = normal([2, T, 16], 31);
    const mem = normal([2, 5, 16], 32);
    // Per batch item: lower triangle, and in item 1 the query at position 2 may attend to nothing.
    const m = tf.tensor3d(Array.from({ length: 2 }, (_, b) => Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => (j <= i && !(b === 1 && i === 2) ? 1 : 0)))), undefined, 'bool');
    const run = () => model.predict({ x, mem, m });
    const want = Object.fromEntries(Object.entries(run()).map(([k, t]) => [k, t.dataSync() as Float32Array]));
    await selectBackend('native');
    const names = await kernelsOf(run);
    expect(names.filter((n) => n === 'TfmcAttention')).toHaveLength(3);
    expect(names).not.toContain('Transpose');
    const got = run();
    for (const [key, t] of Object.entries(got)) expect(relDiff(t.dataSync() as Float32Array, want[key]), key).toBeLessThanOrEqual(1e-5);
    // The blocked query's output is the output projection's bias alone (zero attention weights).
    const blocked = tf.tidy(() => got.masked_self.slice([1, 2, 0], [1, 1, 16]).reshape([16]).dataSync() as Float32Array);
    const bias = model.getWeights()['self_attn.o_proj.bias'].dataSync() as Float32Array;
    expect(relDiff(blocked, bias)).toBeLessThanOrEqual(1e-6);
    tf.dispose([x, mem, m, ...Object.values(got)]);
    model.dispose();
  });

  it('GPT-2 (Gpt2Tiny) logits equal the cpu backend\'s, with one attention kernel per layer', async () => {
    const ids = tf.tensor2d([[5, 17, 3, 99, 42, 0, 8, 64, 23, 11], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]], undefined, 'int32');
    await selectBackend('cpu');
    const model = await compile(GPT2, { model: 'Gpt2Tiny', seed: 4 });
    const want = model.predict({ ids }).logits.dataSync() as Float32Array;
    await selectBackend('native');
    expect((await kernelsOf(() => model.predict({ ids }))).filter((n) => n === 'TfmcAttention')).toHaveLength(2);
    const got = model.predict({ ids }).logits;
    expect(relDiff(got.dataSync() as Float32Array, want)).toBeLessThanOrEqual(1e-5);
    tf.dispose([ids, got]);
    model.dispose();
  });

  it('is not used while a gradient tape records (it has no gradient), nor when a value inside the chain is an output', async () => {
    await selectBackend('native');
    const model = await compile(GPT2, { model: 'Gpt2Tiny', seed: 4 });
    const ids = tf.tensor2d([[5, 17, 3, 99, 42, 0]], undefined, 'int32');
    const lossOf = () => tf.sum(model.predict({ ids }).logits) as tf.Scalar;
    const vars = Object.values(model.getWeights());
    let names: string[] = [];
    const grads = tf.tidy(() => {
      const { grads: g } = tf.variableGrads(lossOf, vars);
      return Object.values(g);
    });
    names = await kernelsOf(() => tf.variableGrads(lossOf, vars).grads);
    expect(names).not.toContain('TfmcAttention');
    expect(grads.every((g) => (g.dataSync() as Float32Array).every(Number.isFinite))).toBe(true);
    tf.dispose([ids, ...grads]);
    model.dispose();

    const weightsOut = await compile(WEIGHTS_OUT, { seed: 5 });
    const x = normal([2, 4, 8], 41);
    expect(await kernelsOf(() => weightsOut.predict({ x }))).not.toContain('TfmcAttention');
    tf.dispose(x);
    weightsOut.dispose();
  });
});

describe('determinism of the attention kernel', () => {
  it('bit-identical outputs run to run, and for 1 and 2 threads of the pool and of the BLAS', async () => {
    await selectBackend('native');
    const addon = loadAddon();
    const [pool, blas] = [addon.poolThreads(), addon.threads()];
    const model = await compile(ATTENTION, { seed: 7 });
    const x = normal([3, 70, 16], 71);
    const mem = normal([3, 9, 16], 72);
    const m = tf.tensor3d(Array.from({ length: 3 }, () => Array.from({ length: 70 }, (_, i) => Array.from({ length: 70 }, (_, j) => j <= i))), undefined, 'bool');
    const outputs = (threads: number) => {
      addon.setPoolThreads(threads);
      addon.setThreads(threads);
      return tf.tidy(() => Object.values(model.predict({ x, mem, m })).map((t) => Buffer.from((t.dataSync() as Float32Array).buffer)));
    };
    try {
      const [first, second, single] = [outputs(2), outputs(2), outputs(1)];
      first.forEach((a, i) => {
        expect(a.equals(second[i]), `output ${i}, run to run`).toBe(true);
        expect(a.equals(single[i]), `output ${i}, 1 vs 2 threads`).toBe(true);
      });
    } finally {
      addon.setPoolThreads(pool);
      addon.setThreads(blas);
      tf.dispose([x, mem, m]);
      model.dispose();
    }
  });
});

describe('runAttentionChain', () => {
  it('leaves a mask that does not fit the scores to the ops as written (which name the node), and fuses one that does', async () => {
    await selectBackend('native');
    const chain = { q: 0, k: 1, v: 2, mask: 3, heads: 2, scale: 2, divide: true, inner: new Set<number>(), headNodes: { q: 4, k: 5, kT: 6, v: 7 } };
    const [q, k, v] = [normal([1, 4, 8], 61), normal([1, 4, 8], 62), normal([1, 4, 8], 63)];
    const maskOf = (tk: number) => () => tf.ones([1, 4, tk], 'bool');
    const values = (tk: number) => (id: number) => [q, k, v, maskOf(tk)][id];
    expect(runAttentionChain(chain, values(3))).toBeUndefined();
    const fused = runAttentionChain(chain, values(4));
    expect(fused?.shape).toEqual([1, 4, 8]);
    tf.dispose([q, k, v, fused!]);
  });
});

describe('row gathers (GatherV2 along axis 0)', () => {
  it('equal the cpu backend\'s (any index shape, axis 0 or −rank), and an index out of range goes to the wasm kernel (which refuses it)', async () => {
    const table = () => normal([50, 7], 51);
    const ids = () => tf.tensor2d([[3, 0, 49], [7, 7, 1]], undefined, 'int32');
    for (const axis of [0, -2]) {
      const { cpu, native } = await onCpuAndNative(() => tf.gather(table(), ids(), axis));
      expect(Array.from(native), `axis ${axis}`).toEqual(Array.from(cpu));
    }
    await selectBackend('native');
    const fallback = nativeKernelCalls.fallback;
    expect(() => tf.tidy(() => tf.gather(table(), tf.tensor1d([2, 50], 'int32')))).toThrow(/the index value 50 is not in \[0, 49\]/);
    expect(nativeKernelCalls.fallback).toBe(fallback + 1);
  });
});
