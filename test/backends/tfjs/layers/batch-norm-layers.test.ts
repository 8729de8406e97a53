/**
 * A model with buffers (batch norm's running statistics) as a tfjs-layers model: tfjs-layers keeps
 * them as non-trainable weights (listed after the trainable ones, not in the IR's order), and a
 * trained model's statistics survive `toLayersModel` and a save and reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compile, loadLayersModel, predictByName, saveLayersModel, selectBackend, tfmcLayerOf } from '../../../../src/tfjs.js';
import { ROOT } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfmc-bn-layers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the running statistics through toLayersModel and a save and reload', async () => {
  const model = await compile(join(ROOT, 'test/fixtures/parity/layers.tfm'), { model: 'LayerBatchNorm', seed: 2 });
  const x = tf.tensor3d(Array.from({ length: 2 * 4 * 6 }, (_, i) => Math.sin(i) + 0.5), [2, 4, 6]);
  const target = tf.zeros([2, 4, 8]);
  model.trainStep({ x, target }, { learningRate: 0.01 });
  const want = tf.tidy(() => Array.from(model.predict({ x }).y.dataSync()));
  const layers = model.toLayersModel();
  try {
    const layer = tfmcLayerOf(layers);
    expect(layer.weightOf.get('y.running_mean')!.trainable).toBe(false);
    expect(layer.weightOf.get('y.weight')!.trainable).toBe(true);
    expect(layer.nonTrainableWeights.length).toBe(3);
    expect(tf.tidy(() => Array.from(predictByName(layers, { x }).y.dataSync()))).toEqual(want);
    await saveLayersModel(model, join(dir, 'bn'));
    const loaded = await loadLayersModel(join(dir, 'bn'));
    try {
      const reloaded = tfmcLayerOf(loaded);
      expect(Array.from(reloaded.weightOf.get('y.running_var')!.read().dataSync())).toEqual(Array.from(model.getWeights()['y.running_var'].dataSync()));
      expect(tf.tidy(() => Array.from(predictByName(loaded, { x }).y.dataSync()))).toEqual(want);
    } finally {
      loaded.dispose();
    }
  } finally {
    layers.dispose();
    model.dispose();
    tf.dispose([x, target]);
  }
});
