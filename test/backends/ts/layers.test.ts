/**
 * Generated TypeScript of the layers fixture (test/fixtures/parity/layers.tfm): it type-checks with
 * `tsc --strict`, and batch norm behaves as in the in-memory model in training too — the same
 * outputs and the same running statistics after a training forward, and `trainStep` trains the
 * parameters while the buffers follow the batches. (Inference equality is in generated.test.ts.)
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildModel, selectBackend } from '../../../src/tfjs.js';
import { generateModelSource, moduleFileName } from '../../../src/backends/ts/index.js';
import { checkFile } from '../../../src/index.js';
import { importGenerated, removeScratch, ROOT, scratchProject, typeCheck } from './helpers.js';

interface GeneratedModule {
  PARAMS: ReadonlyArray<{ name: string; buffer?: true }>;
  createParams(seed?: number): Record<string, tf.Variable>;
  setWeights(params: Record<string, tf.Variable>, weights: Record<string, tf.Tensor>): void;
  forward(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>, options?: { training?: boolean }): Record<string, tf.Tensor>;
  trainStep(params: Record<string, tf.Variable>, optimizer: tf.Optimizer, batch: Record<string, tf.Tensor>): number;
  createOptimizer(learningRate?: number): tf.Optimizer;
}

const models = checkFile(join(ROOT, 'test/fixtures/parity/layers.tfm')).models;
let dir: string;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = scratchProject();
});
afterAll(() => removeScratch(dir));

const values = (t: tf.Tensor) => Array.from(t.dataSync());

it('type-checks with tsc --strict --noEmit (both forms of every layers model)', async () => {
  const files: Record<string, string> = {};
  for (const ir of models) {
    const base = moduleFileName(ir).replace(/\.ts$/, '');
    files[`${base}.ts`] = await generateModelSource(ir);
    files[`${base}.standalone.ts`] = await generateModelSource(ir, { standalone: true });
  }
  expect(typeCheck(dir, files)).toBe('');
}, 120_000);

it('batch norm: a training forward gives the in-memory model\'s outputs and running statistics; trainStep trains the parameters, not the buffers', async () => {
  const ir = models.find((m) => m.name === 'LayerBatchNorm')!;
  const gen = await importGenerated<GeneratedModule>(dir, await generateModelSource(ir, { standalone: true }));
  expect(gen.PARAMS.filter((p) => p.buffer).map((p) => p.name)).toEqual(['y.running_mean', 'y.running_var', 'y.num_batches_tracked']);
  const executor = buildModel(ir, { seed: 4 });
  const params = gen.createParams(1);
  const x = tf.tensor3d(Array.from({ length: 2 * 5 * 6 }, (_, i) => Math.cos(i * 0.7) * 1.5 + 0.3), [2, 5, 6]);
  const target = tf.zeros([2, 5, 8]);
  try {
    gen.setWeights(params, executor.getWeights());
    expect(params['y.running_mean'].trainable).toBe(false);
    const mine = gen.forward(params, { x }, { training: true });
    const theirs = executor.forward({ x }, { training: true, outputs: ['y'] });
    expect(values(mine.y)).toEqual(values(theirs.y));
    for (const name of ['y.running_mean', 'y.running_var', 'y.num_batches_tracked']) expect(values(params[name]), name).toEqual(values(executor.getWeights()[name]));
    tf.dispose([...Object.values(mine), ...Object.values(theirs)]);

    const optimizer = gen.createOptimizer(1e-2);
    const weight = values(params['y.weight']);
    gen.trainStep(params, optimizer, { x, target });
    optimizer.dispose();
    expect(values(params['y.num_batches_tracked'])).toEqual([2]);
    expect(values(params['y.weight'])).not.toEqual(weight);
  } finally {
    tf.dispose([...Object.values(params), x, target]);
    executor.dispose();
  }
});
