/**
 * The native backend's elementwise and fused kernels (native/src/elementwise.cc, fused.cc;
 * src/backends/tfjs/native/elementwise.ts, fused.ts) against the wasm backend on the same inputs:
 * outputs within 1e-5 absolute, gradients within 1e-4 relative; that each ran natively; and that
 * results are bit-identical run to run and for 1 and 2 threads of the addon's pool.
 *
 * As in native.test.ts, the addon must be built (`npm test` builds it): a missing addon fails here
 * with the one line that says what to install.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gelu, geluTanh, layerNorm, linear, rmsNorm, silu, softmax } from '../../../src/runtime/index.js';
import { selectBackend } from '../../../src/tfjs.js';
import { loadAddon } from '../../../src/backends/tfjs/native/addon.js';
import { broadcastLayout } from '../../../src/backends/tfjs/native/elementwise.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';
import { Adam } from '../../../src/backends/tfjs/optim.js';

type Fn = () => tf.Tensor | tf.Tensor[];

/** `fn`'s results as arrays, computed in a tidy (inputs made inside `fn` are freed). */
function values(fn: Fn): Float32Array[] {
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  const arrays = list.map((t) => t.dataSync() as Float32Array);
  tf.dispose(list);
  return arrays;
}

/** `fn` on wasm, then on native (asserting that native kernels ran), as arrays. */
async function onBoth(fn: Fn): Promise<{ wasm: Float32Array[]; native: Float32Array[] }> {
  await selectBackend('wasm');
  const wasm = values(fn);
  await selectBackend('native');
  const calls = nativeKernelCalls.native;
  const native = values(fn);
  expect(nativeKernelCalls.native, 'native kernels ran').toBeGreaterThan(calls);
  return { wasm, native };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** max |a − b| / max |b|. */
function relDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsDiff(a, b) / Math.max(scale, 1e-30);
}

function expectOutputs(r: { wasm: Float32Array[]; native: Float32Array[] }, what: string): void {
  r.native.forEach((n, i) => {
    expect(n.some(Number.isNaN), `${what}: no NaN`).toBe(false);
    expect(maxAbsDiff(n, r.wasm[i]), `${what}, output ${i}`).toBeLessThanOrEqual(1e-5);
  });
}

function expectGrads(r: { wasm: Float32Array[]; native: Float32Array[] }, what: string): void {
  r.native.forEach((n, i) => expect(relDiff(n, r.wasm[i]), `${what}, gradient ${i}`).toBeLessThanOrEqual(1e-4));
}

const normal = (shape: number[], seed: number, scale = 1) => tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed), scale);

/** The gradients of sum(f(inputs)·w) for a fixed random w, with respect to every input. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]): Fn {
  return () => {
    const xs = inputs();
    return tf.grads((...ys: tf.Tensor[]) => {
      const y = f(...ys);
      return tf.sum(tf.mul(y, normal(y.shape, 99)));
    })(xs);
  };
}

beforeAll(async () => {
  await selectBackend('native');
});

afterAll(async () => {
  loadAddon().setPoolThreads(2);
  await selectBackend('wasm');
});

describe('elementwise kernels equal wasm', () => {
  it('lays out broadcasts: equal shapes merge to one axis, a bias keeps two, size-1 axes drop', () => {
    expect(Array.from(broadcastLayout([8, 128, 512], [8, 128, 512], [8, 128, 512]))).toEqual([8 * 128 * 512, 1, 1]);
    expect(Array.from(broadcastLayout([1024, 512], [1024, 512], [512]))).toEqual([1024, 512, 512, 1, 0, 1]);
    expect(Array.from(broadcastLayout([8, 128, 512], [8, 128, 512], [8, 128, 1]))).toEqual([1024, 512, 512, 1, 1, 0]);
    expect(Array.from(broadcastLayout([8, 8, 128, 128], [8, 8, 128, 128], [1, 1, 128, 128]))).toEqual([64, 16384, 16384, 1, 0, 1]);
    expect(Array.from(broadcastLayout([], [], []))).toEqual([1, 0, 0]);
  });

  const shapes: Array<[number[], number[]]> = [
    [[8, 33, 70], [8, 33, 70]], // equal (one merged axis)
    [[40, 70], [70]], // a bias
    [[70], [40, 70]], // the bias on the left
    [[6, 33, 70], [6, 33, 1]], // a per-row statistic
    [[2, 3, 17, 19], [1, 1, 17, 19]], // a mask bias
    [[2, 1, 5, 1], [1, 4, 1, 6]], // both sides broadcast
    [[300, 301], []], // a scalar
    [[0, 5], [5]], // empty
  ];
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(`${op} with broadcasting`, async () => {
      for (const [sa, sb] of shapes) {
        // Divisors kept away from 0, so that the comparison is of the kernels, not of a blow-up.
        const b = () => (op === 'div' ? tf.add(tf.abs(normal(sb, 2)), 0.5) : normal(sb, 2));
        expectOutputs(await onBoth(() => tf[op](normal(sa, 1), b())), `${op} ${sa} ${sb}`);
      }
    });
  }

  it('unary functions: sigmoid, exp, square, rsqrt, sqrt, neg, relu, tanh', async () => {
    const x = () => normal([37, 1001], 3, 4);
    const positive = () => tf.add(tf.abs(x()), 0.1);
    const cases: Array<[string, Fn]> = [
      ['sigmoid', () => tf.sigmoid(x())],
      ['exp', () => tf.exp(tf.clipByValue(x(), -80, 10))],
      ['square', () => tf.square(x())],
      ['rsqrt', () => tf.rsqrt(positive())],
      ['sqrt', () => tf.sqrt(positive())],
      ['neg', () => tf.neg(x())],
      ['relu', () => tf.relu(x())],
      ['tanh', () => tf.tanh(x())],
    ];
    for (const [name, fn] of cases) {
      const r = await onBoth(fn);
      // exp grows to ~2e4 here: its bound is relative.
      if (name === 'exp') expect(relDiff(r.native[0], r.wasm[0]), name).toBeLessThanOrEqual(1e-6);
      else expectOutputs(r, name);
    }
  });

  it('sum and mean over leading, trailing and middle runs of axes, with and without keepDims', async () => {
    // Scaled so that sums are of order 1: an absolute bound on a float32 sum scales with its size
    // (wasm sums in float32; native in double, so it differs by wasm's rounding).
    const x = () => normal([6, 40, 7, 33], 4, 0.1);
    const cases: Array<[number | number[] | undefined, boolean]> = [
      [-1, true],
      [3, false],
      [0, false],
      [[0, 1], false],
      [[1, 2], true],
    ];
    for (const [axis, keepDims] of cases) {
      expectOutputs(await onBoth(() => [tf.sum(x(), axis, keepDims), tf.mean(x(), axis, keepDims)]), `axis ${axis}, keepDims ${keepDims}`);
    }
    // All 55,440 values: wasm's float32 sum is off by ~4e-4 here, so the reference is a float64 sum.
    const data = values(x)[0];
    const exact = data.reduce((s, v) => s + v, 0);
    const { native } = await onBoth(() => [tf.sum(x()), tf.mean(x())]);
    expect(Math.abs(native[0][0] - exact)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(exact)));
    expect(Math.abs(native[1][0] - exact / data.length)).toBeLessThanOrEqual(1e-7);
    // Axes that are not one run are the wasm kernel's.
    await selectBackend('native');
    const fallbacks = nativeKernelCalls.fallback;
    values(() => tf.sum(x(), [0, 2]));
    expect(nativeKernelCalls.fallback).toBeGreaterThan(fallbacks);
  });

  it('Identity and same-type Cast share the data; the copy outlives the original', async () => {
    await selectBackend('native');
    const x = tf.tensor([1, 2, 3, 4]);
    const copies = [tf.clone(x), tf.cast(x, 'float32')];
    x.dispose();
    for (const c of copies) expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose(copies);
    const ints = tf.tensor([1.5, -2.5], undefined, 'float32');
    expect(Array.from(tf.cast(ints, 'int32').dataSync())).toEqual([1, -2]);
    ints.dispose();
  });
});

describe('fused kernels (the runtime functions on native) equal the tfjs-op formulas on wasm', () => {
  const x = (seed = 5) => normal([4, 9, 96], seed, 2);
  const weight = () => tf.add(normal([96], 6, 0.5), 1);
  const bias = () => normal([96], 7);

  const cases: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, () => tf.Tensor[]]> = [
    ['layerNorm', (a, w, b) => layerNorm(a, w, b, 1e-5), () => [x(), weight(), bias()]],
    ['layerNorm without bias', (a, w) => layerNorm(a, w, undefined, 1e-5), () => [x(), weight()]],
    ['rmsNorm', (a, w) => rmsNorm(a, w, 1e-6), () => [x(), weight()]],
    ['softmax', (a) => softmax(a, -1), () => [x()]],
    ['softmax over masked scores', (a) => softmax(tf.add(a, tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([9, 96]), -1, 0)), -1e9)), -1), () => [x()]],
    ['geluTanh', (a) => geluTanh(a), () => [x()]],
    ['gelu', (a) => gelu(a), () => [x()]],
    ['silu', (a) => silu(a), () => [x()]],
    ['linear', (a, w, b) => linear(a, w, b), () => [x(), normal([40, 96], 8, 0.1), normal([40], 9)]],
    ['linear without bias', (a, w) => linear(a, w), () => [x(), normal([40, 96], 8, 0.1)]],
    ['linear of one row (a decode step)', (a, w, b) => linear(a, w, b), () => [normal([1, 96], 10), normal([40, 96], 8, 0.1), normal([40], 9)]],
    // 2–8 rows (a short prompt, several sequences or beams) take gemv.cc's few-row kernel: an odd
    // number of weight rows (the last pair is one row) and a width that is not a multiple of 16.
    ['linear of 2 rows', (a, w, b) => linear(a, w, b), () => [normal([2, 97], 11), normal([41, 97], 8, 0.1), normal([41], 9)]],
    ['linear of 5 rows, no bias', (a, w) => linear(a, w), () => [normal([5, 97], 12), normal([41, 97], 8, 0.1)]],
    ['linear of 8 rows (2 × 4)', (a, w, b) => linear(a, w, b), () => [normal([2, 4, 97], 13), normal([41, 97], 8, 0.1), normal([41], 9)]],
  ];

  for (const [name, f, inputs] of cases) {
    it(`${name}: output and gradients`, async () => {
      expectOutputs(await onBoth(() => f(...inputs())), name);
      expectGrads(await onBoth(gradsOf(f, inputs)), name);
    });
  }

  it('the fused kernels run on native only: after switching back, wasm runs the tfjs ops', async () => {
    await selectBackend('native');
    expect(tf.getKernel('TfmcLayerNorm', 'wasm')).toBeDefined();
    await selectBackend('wasm');
    expect(tf.getKernel('TfmcLayerNorm', 'wasm')).toBeUndefined();
    expect(Array.from(values(() => layerNorm(tf.tensor([[1, 3]]), tf.ones([2]), undefined, 0))[0])).toEqual([-1, 1]);
  });
});

describe('the Adam update', () => {
  it('equals the tfjs-op update of wasm: two steps, with weight decay and a gradient scale', async () => {
    const run = async (backend: 'wasm' | 'native') => {
      await selectBackend(backend);
      const params = new Map([
        ['a', tf.variable(normal([300, 70], 20))],
        ['b', tf.variable(normal([70], 21))],
      ]);
      const adam = new Adam();
      for (const step of [0, 1]) {
        const grads = new Map([...params].map(([name, w], i) => [name, normal(w.shape, 30 + 2 * step + i, 0.1)]));
        adam.apply(params, grads, 1e-2, { weightDecay: 0.1 }, step === 0 ? 1 : 0.5);
        tf.dispose([...grads.values()]);
      }
      const state = adam.getState();
      const out = [...params.values(), ...Object.values(state.m), ...Object.values(state.v)].map((t) => t.dataSync() as Float32Array);
      adam.dispose();
      tf.dispose([...params.values()]);
      return out;
    };
    const wasm = await run('wasm');
    const calls = nativeKernelCalls.native;
    const native = await run('native');
    expect(nativeKernelCalls.native).toBeGreaterThan(calls);
    native.forEach((n, i) => expect(maxAbsDiff(n, wasm[i]), `result ${i}`).toBeLessThanOrEqual(1e-6));
  });
});

describe('determinism: the thread pool splits work the same way every time', () => {
  // One of each kind of split: elementwise ranges, rows, parameter-gradient columns, a bias sum,
  // and a batch of small products (one per thread with a single-threaded BLAS, or all on the BLAS's threads).
  const work: Fn = () => {
    const heads = tf.matMul(normal([16, 64, 32], 16), normal([16, 48, 32], 17), false, true);
    const xs = [normal([8, 64, 512], 11), tf.add(normal([512], 12, 0.5), 1), normal([512], 13), normal([300, 512], 14, 0.05)];
    const f = (a: tf.Tensor, w: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => softmax(geluTanh(linear(layerNorm(tf.mul(a, w), w, b, 1e-5), v)), -1);
    const { value, grads } = tf.valueAndGrads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(ys[0], ys[1], ys[2], ys[3]), normal([8, 64, 300], 15))))(xs);
    return [value, ...grads, heads];
  };

  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  it('bit-identical results run to run, and for 1 and 2 threads', async () => {
    await selectBackend('native');
    const addon = loadAddon();
    addon.setPoolThreads(2);
    expect(addon.poolThreads()).toBe(2);
    const first = values(work);
    const second = values(work);
    addon.setPoolThreads(1);
    const single = values(work);
    addon.setPoolThreads(2);
    for (const [i, a] of first.entries()) {
      expect(bytes(second[i]).equals(bytes(a)), `result ${i}, run to run`).toBe(true);
      expect(bytes(single[i]).equals(bytes(a)), `result ${i}, 1 vs 2 threads`).toBe(true);
    }
  });
});
