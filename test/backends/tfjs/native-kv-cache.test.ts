/**
 * The native backend's in-place key/value cache and decode-attention kernel
 * (src/backends/tfjs/generate/kv-cache.ts, native/src/decode_attention.cc): the cached stepper
 * with them gives the logits of full recomputation step after step — past the cache's first
 * capacity (it doubles), after beam reorders, with grouped-query attention (llama) and on models
 * they do not apply to (T5's biased scores) — the same bits on 1 and 2 threads and with polling
 * pool threads, and `generate` gives wasm's tokens. Also the native Slice and Tile kernels against the cpu ones.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel } from '../../../src/tfjs.js';
import { decodingRoles } from '../../../src/backends/tfjs/generate/index.js';
import { createStepper } from '../../../src/backends/tfjs/generate/steppers.js';
import { findAttentionChains, KvCaches } from '../../../src/backends/tfjs/generate/kv-cache.js';
import { planIncremental } from '../../../src/ir/incremental.js';
import { loadAddon } from '../../../src/backends/tfjs/native/addon.js';
import { LONG_LM, ROOT } from './helpers.js';

const models: CompiledModel[] = [];
const replaySetting = process.env.TFMC_DECODE_REPLAY;
beforeAll(async () => {
  await selectBackend('native');
  // The steps run as kernels here (which the profiles count); replaying them is step-replay.test.ts's.
  process.env.TFMC_DECODE_REPLAY = '0';
});
afterAll(async () => {
  models.forEach((m) => m.dispose());
  await selectBackend('native');
  if (replaySetting === undefined) delete process.env.TFMC_DECODE_REPLAY;
  else process.env.TFMC_DECODE_REPLAY = replaySetting;
});

const LONG = LONG_LM;

async function load(spec: string, model: string, backend: 'native' | 'wasm' = 'native'): Promise<CompiledModel> {
  const m = await compile(spec.includes('\n') ? spec : join(ROOT, spec), { model, seed: 7, backend });
  models.push(m);
  return m;
}

function steppers(m: CompiledModel, sources: Record<string, tf.Tensor> = {}) {
  const roles = decodingRoles(m.executor);
  const setup = { model: m.executor, timeInput: roles.timeInput, output: roles.output, sources };
  return { cached: createStepper(setup, true), full: createStepper(setup, false) };
}

/** Feeds both steppers; the largest |logit difference| over all steps, and the decode kernels the cached one ran. */
async function compare(m: CompiledModel, feeds: number[][][], reorders: Map<number, number[]> = new Map(), sources: Record<string, tf.Tensor> = {}) {
  const { cached, full } = steppers(m, sources);
  let worst = 0;
  let kernels = 0;
  let concats = 0;
  for (const [step, feed] of feeds.entries()) {
    let a: tf.Tensor2D | undefined;
    const info = await tf.profile(() => {
      a = cached.next(feed);
      return a;
    });
    if (step > 0) {
      kernels += info.kernels.filter((k) => k.name === 'TfmcDecodeAttention').length;
      concats += info.kernels.filter((k) => k.name === 'Concat').length;
    }
    const b = full.next(feed);
    worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(a!, b))).dataSync()[0]));
    tf.dispose([a!, b]);
    const order = reorders.get(step);
    if (order) {
      cached.reorder(order);
      full.reorder(order);
    }
  }
  cached.dispose();
  full.dispose();
  return { worst, kernels, concats };
}

const tokens = (steps: number, rows: number, seed: number) => Array.from({ length: steps }, (_, s) => Array.from({ length: rows }, (_, r) => [(s * 7 + r * 13 + seed) % 50]));

describe('the in-place key/value cache', () => {
  it('finds the self-attention chains of GPT-2, llama (GQA) and the transformer decoder, none in T5 (biased scores)', () => {
    const chains = (m: CompiledModel) => {
      const roles = decodingRoles(m.executor);
      const plan = planIncremental(m.executor.ir, m.executor.planFor([roles.output]).nodes, roles.timeInput, [roles.output.value]);
      if (!plan.ok) throw new Error(plan.reason);
      return findAttentionChains(plan, [roles.output.value]);
    };
    return Promise.all([
      load('specs/gpt2.tfm', 'Gpt2Tiny').then((m) => {
        expect(chains(m).map((c) => c.scaleOp)).toEqual(['div', 'div']);
        // Heads split from the projections and merged after: the kernel reads and writes those.
        expect(chains(m).map((c) => c.wide?.heads)).toEqual([4, 4]);
      }),
      load('specs/llama.tfm', 'LlamaTiny').then((m) => {
        expect(chains(m)).toHaveLength(2);
        // Rotary queries and keys, repeated key heads: the heads are what the kernel reads.
        expect(chains(m).map((c) => c.wide)).toEqual([undefined, undefined]);
      }),
      load('specs/transformer.tfm', 'TransformerTiny').then((m) => expect(chains(m).length).toBeGreaterThan(0)),
      load('specs/t5.tfm', 'T5Tiny').then((m) => expect(chains(m)).toHaveLength(0)),
    ]);
  });

  it('is available on native only', async () => {
    expect(KvCaches.available()).toBe(true);
    await selectBackend('wasm');
    expect(KvCaches.available()).toBe(false);
    await selectBackend('native');
  });

  it('equals full recomputation over 140 steps of two rows (the cache grows from 64 to 256 positions), with no concat', async () => {
    const m = await load(LONG, 'LongLm');
    const feeds = [[[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]], ...tokens(140, 2, 1)];
    const { worst, kernels, concats } = await compare(m, feeds);
    expect(kernels).toBe(140 * 2); // every decode step, both layers
    expect(concats).toBe(0);
    expect(worst).toBeLessThan(2e-5);
  });

  it("runs a prompt's self-attention as one kernel per layer, then caches its keys and values", async () => {
    const m = await load(LONG, 'LongLm');
    const { cached, full } = steppers(m);
    const prompt = [[3, 1, 4, 1, 5, 9, 2], [6, 5, 3, 5, 8, 9, 7]];
    let a: tf.Tensor2D | undefined;
    const info = await tf.profile(() => (a = cached.next(prompt)));
    expect(info.kernels.filter((k) => k.name === 'TfmcAttention')).toHaveLength(2);
    expect(info.kernels.filter((k) => k.name === 'BatchMatMul')).toHaveLength(0);
    let worst = tf.tidy(() => tf.max(tf.abs(tf.sub(a!, full.next(prompt)))).dataSync()[0]);
    a!.dispose();
    // The decode steps read the keys and values the prompt's step left.
    for (const feed of tokens(5, 2, 4)) {
      const [x, y] = [cached.next(feed), full.next(feed)];
      worst = Math.max(worst, tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]));
      tf.dispose([x, y]);
    }
    cached.dispose();
    full.dispose();
    expect(worst).toBeLessThan(2e-5);
  });

  it('follows beam reorders (rows swapped and duplicated), before and after it grows', async () => {
    const m = await load(LONG, 'LongLm');
    const feeds = [[[3, 1, 4], [2, 7, 1], [8, 2, 8]], ...tokens(70, 3, 2)];
    const reorders = new Map([
      [0, [2, 0, 1]],
      [3, [1, 1, 0]],
      [66, [2, 2, 1]],
    ]);
    const { worst, kernels } = await compare(m, feeds, reorders);
    expect(kernels).toBe(70 * 2);
    expect(worst).toBeLessThan(2e-5);
  });

  it('serves llama with grouped-query attention and rotary positions', async () => {
    const m = await load('specs/llama.tfm', 'LlamaTiny');
    const { worst, kernels } = await compare(m, [[[5, 17, 42], [1, 2, 3]], ...tokens(30, 2, 3)]);
    expect(kernels).toBe(30 * 2);
    expect(worst).toBeLessThan(2e-5);
  });

  it('leaves T5 (relative bias on the scores, cross-attention) to the general path, still exact', async () => {
    const m = await load('specs/t5.tfm', 'T5Tiny');
    const roles = decodingRoles(m.executor);
    const others = m.executor.ir.inputs.filter((i) => i.name !== roles.timeInput);
    const sources = Object.fromEntries(others.map((i) => [i.name, tf.tensor2d([[4, 8, 15, 16, 23]], [1, 5], 'int32')]));
    const { worst, kernels } = await compare(m, [[[0]], ...tokens(12, 1, 4)], new Map(), sources);
    tf.dispose(Object.values(sources));
    expect(kernels).toBe(0);
    expect(worst).toBeLessThan(2e-5);
  });

  it('gives the same bits on 1 and 2 threads', async () => {
    const m = await load(LONG, 'LongLm');
    const addon = loadAddon();
    const threads = addon.poolThreads();
    const run = async (n: number) => {
      addon.setPoolThreads(n);
      const r = await m.generate({ prompt: [[3, 1, 4, 1], [5, 9, 2, 6]] }, { maxNewTokens: 40 });
      return r.scores;
    };
    try {
      expect(await run(2)).toEqual(await run(1));
    } finally {
      addon.setPoolThreads(threads);
    }
  });

  it('gives the same bits when idle pool threads poll for work (TFMC_NATIVE_SPIN_US)', async () => {
    const m = await load(LONG, 'LongLm');
    const addon = loadAddon();
    const [threads, spin] = [addon.poolThreads(), addon.poolSpin()];
    const run = async (micros: number) => {
      addon.setPoolSpin(micros);
      expect(addon.poolSpin()).toBe(micros);
      return (await m.generate({ prompt: [[2, 7, 1, 8]] }, { maxNewTokens: 30 })).scores;
    };
    try {
      addon.setPoolThreads(2);
      expect(await run(500)).toEqual(await run(0));
    } finally {
      addon.setPoolThreads(threads);
      addon.setPoolSpin(spin);
    }
  });

  it('generates the tokens of wasm (greedy and beam search, GPT-2 layout)', async () => {
    const prompt = { prompt: [[3, 1, 4, 1], [5, 9, 2, 6]] };
    for (const options of [{ maxNewTokens: 90 }, { maxNewTokens: 20, strategy: 'beam' as const, numBeams: 3 }]) {
      const native = await (await load(LONG, 'LongLm')).generate(prompt, options);
      const wasm = await (await load(LONG, 'LongLm', 'wasm')).generate(prompt, options);
      await selectBackend('native');
      expect(native.cached).toBe(true);
      expect(native.newTokens).toEqual(wasm.newTokens);
    }
  });
});

describe('the native Slice kernel', () => {
  const cases: Array<[string, number[], number[], number[], 'float32' | 'int32']> = [
    ['a row of a table', [1024, 8], [5, 0], [1, 8], 'float32'],
    ['the last position of logits', [2, 7, 11], [0, 6, 0], [2, 1, 11], 'float32'],
    ['inner axes cut (strided runs)', [3, 4, 5, 6], [1, 1, 2, 1], [2, 3, 2, 4], 'float32'],
    ['int32, trailing axes whole', [4, 3, 2], [1, 0, 0], [2, 3, 2], 'int32'],
    ['nothing', [4, 3], [1, 0], [0, 3], 'float32'],
  ];
  it.each(cases)('%s', async (_what, shape, begin, size, dtype) => {
    const make = () => tf.tidy(() => tf.cast(tf.mul(tf.randomUniform(shape, -100, 100, 'float32', 5), 1), dtype));
    const on = async (backend: 'native' | 'cpu') => {
      await selectBackend(backend);
      return tf.tidy(() => {
        const y = tf.slice(make(), begin, size);
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      });
    };
    const want = await on('cpu');
    const got = await on('native');
    expect(got).toEqual(want);
  });
});

describe('the native Tile kernel', () => {
  const cases: Array<[string, number[], number[], 'float32' | 'int32']> = [
    ['key heads repeated for grouped queries, one position', [2, 2, 1, 8], [1, 1, 3, 1], 'float32'],
    ['every axis repeated', [2, 3, 4], [2, 3, 2], 'float32'],
    ['int32, the last axis only', [3, 5], [1, 4], 'int32'],
    ['nothing repeated', [4, 3], [1, 1], 'float32'],
    ['an empty axis', [0, 3], [2, 2], 'float32'],
  ];
  it.each(cases)('%s', async (_what, shape, reps, dtype) => {
    const make = () => tf.tidy(() => tf.cast(tf.mul(tf.randomUniform(shape, -100, 100, 'float32', 5), 1), dtype));
    const on = async (backend: 'native' | 'cpu') => {
      await selectBackend(backend);
      return tf.tidy(() => {
        const y = tf.tile(make(), reps);
        return { shape: y.shape, data: Array.from(y.dataSync()) };
      });
    };
    const want = await on('cpu');
    const got = await on('native');
    expect(got).toEqual(want);
  });
});
