/**
 * The generated TypeScript on the native backend: the module calls tfjs and the tfmc runtime only,
 * so an app that selects `native` (`selectBackend('native')` from `tfmc/tfjs`, sharing the app's
 * `@tensorflow/tfjs`) runs it on the BLAS products and the fused kernels. The generated GPT-2
 * module's forward, training step and greedy generation there use the native kernels and agree
 * with the in-memory model on the same backend.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile, currentBackend, selectBackend } from '../../../src/tfjs.js';
import { nativeKernelCalls } from '../../../src/backends/tfjs/native/kernels.js';
import { generateModelSource } from '../../../src/backends/ts/index.js';
import { importGenerated, removeScratch, ROOT, scratchProject, tinyCases } from './helpers.js';

interface GeneratedGpt2 {
  createParams(seed?: number): Record<string, tf.Variable>;
  setWeights(params: Record<string, tf.Variable>, weights: Record<string, tf.Tensor>): void;
  forward(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  createOptimizer(learningRate?: number): tf.Optimizer;
  trainStep(params: Record<string, tf.Variable>, optimizer: tf.Optimizer, batch: Record<string, tf.Tensor>): number;
  generate(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>, prefix: number[][], maxNewTokens: number): number[][];
}

let dir: string;

beforeAll(async () => {
  await selectBackend('native');
  expect(currentBackend()).toBe('native');
  dir = scratchProject();
});
afterAll(() => removeScratch(dir));

it('the generated GPT-2 module runs on the native kernels and equals the in-memory model there', { timeout: 120_000 }, async () => {
  const c = tinyCases().find((x) => x.model === 'Gpt2Tiny')!;
  for (const standalone of [false, true]) {
    const source = await generateModelSource(c.ir, { standalone });
    // The modular form imports `tfmc/runtime`: resolve it to this repository's runtime, as the
    // generated project's `tfmc-runtime/` package does.
    const gen = await importGenerated<GeneratedGpt2>(dir, source.replace("from 'tfmc/runtime'", `from '${join(ROOT, 'src/runtime/index.ts')}'`));
    const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 5 });
    expect(model.backend).toBe('native');
    const params = gen.createParams(5);
    gen.setWeights(params, model.getWeights());
    const ids = tf.tensor2d([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], [2, 6], 'int32');

    const before = nativeKernelCalls.native;
    const ours = gen.forward(params, { ids });
    expect(nativeKernelCalls.native, 'the generated forward ran native kernels').toBeGreaterThan(before);
    const theirs = model.predict({ ids });
    for (const name of Object.keys(theirs)) {
      const a = ours[name].dataSync();
      const b = theirs[name].dataSync();
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      expect(worst, `${name} (standalone: ${standalone})`).toBeLessThanOrEqual(1e-5);
    }

    const prefix = [[1, 2, 3], [4, 5, 6]];
    expect(gen.generate(params, {}, prefix, 5)).toEqual((await model.generate({ prompt: prefix }, { maxNewTokens: 5 })).sequences);

    const optimizer = gen.createOptimizer(1e-2);
    const first = gen.trainStep(params, optimizer, { ids });
    let last = first;
    for (let i = 0; i < 10; i++) last = gen.trainStep(params, optimizer, { ids });
    expect(Number.isFinite(first)).toBe(true);
    expect(last).toBeLessThan(first);
    optimizer.dispose();
    tf.dispose([...Object.values(ours), ...Object.values(theirs), ...Object.values(params), ids]);
    model.dispose();
  }
});
