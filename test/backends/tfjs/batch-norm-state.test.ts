/**
 * Batch norm's running statistics through the model API: a training step updates them (and Adam
 * leaves them alone: they have no gradient), inference reads them, and a checkpoint saves and
 * restores them with the parameters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { compile } from '../../../src/index.js';

const SPEC = join(import.meta.dirname, '../../fixtures/parity/layers.tfm');
let dir: string;
let model: CompiledModel;

const values = (name: string) => Array.from(model.getWeights()[name].dataSync());
const batch = () => ({
  x: tf.tensor3d(Array.from({ length: 2 * 5 * 6 }, (_, i) => Math.sin(i) * 2 + 1), [2, 5, 6]),
  target: tf.zeros([2, 5, 8]),
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-bn-'));
  model = await compile(SPEC, { model: 'LayerBatchNorm', seed: 3 });
});

afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

it('updates the running statistics on a training step, and only there', () => {
  const feeds = batch();
  const before = values('y.running_mean');
  expect(before).toEqual(new Array(8).fill(0));
  tf.dispose(Object.values(model.predict({ x: feeds.x })));
  expect(values('y.running_mean')).toEqual(before);
  model.trainStep(feeds, { learningRate: 0.01 });
  expect(values('y.num_batches_tracked')).toEqual([1]);
  expect(values('y.running_mean').some((v) => Math.abs(v) > 1e-3)).toBe(true);
  tf.dispose(Object.values(feeds));
});

it('gives Adam no moments for the buffers (they have no gradient)', async () => {
  const manifest = await model.save(join(dir, 'with-optimizer'), { optimizer: true });
  const moments = manifest.optimizer!.tensors.map((t) => t.name);
  expect(moments).toContain('m/y.weight');
  expect(moments.filter((n) => /running|num_batches/.test(n))).toEqual([]);
});

it('saves and restores the running statistics with a checkpoint', async () => {
  const saved = { mean: values('y.running_mean'), variance: values('y.running_var'), count: values('y.num_batches_tracked') };
  await model.save(join(dir, 'ckpt'));
  const feeds = batch();
  model.trainStep(feeds, { learningRate: 0.01 });
  tf.dispose(Object.values(feeds));
  expect(values('y.num_batches_tracked')).toEqual([2]);
  await model.load(join(dir, 'ckpt'));
  expect({ mean: values('y.running_mean'), variance: values('y.running_var'), count: values('y.num_batches_tracked') }).toEqual(saved);
});
