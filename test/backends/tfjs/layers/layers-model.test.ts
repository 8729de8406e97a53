/**
 * tfjs-layers serialization in Node: a compiled model as a `tf.LayersModel` computes what
 * `predict` computes; saved to a directory and loaded back with `tf.loadLayersModel` (after
 * importing tfmc, which registers its layer), its weights are bit-identical and so are its outputs.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, LayersModelError, loadLayersModel, predictByName, saveLayersModel, selectBackend, TfmcLayer, tfmcLayerOf, type CompiledModel } from '../../../../src/tfjs.js';
import { irToJson, toConfigText } from '../../../../src/backends/tfjs/layers/ir-json.js';
import { ROOT } from '../helpers.js';
import { randomInputs } from '../random-inputs.js';

/** Every architecture family of the shipped specs. */
const CASES = [
  { spec: 'specs/gpt2.tfm', model: 'Gpt2Tiny' },
  { spec: 'specs/bert.tfm', model: 'BertTiny' },
  { spec: 'specs/transformer.tfm', model: 'TransformerTiny' },
  { spec: 'specs/t5.tfm', model: 'T5Tiny' },
  { spec: 'specs/vit.tfm', model: 'VitTiny' },
  { spec: 'specs/speech.tfm', model: 'SpeechTiny' },
  { spec: 'specs/lstm-seq2seq.tfm', model: 'LstmSeq2SeqTiny' },
];

let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfmc-layers-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function arrays(rec: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(rec).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

async function caught(p: Promise<unknown>): Promise<LayersModelError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LayersModelError) return e;
    throw new Error(`expected a LayersModelError, got ${String(e)}`);
  }
  throw new Error('expected a LayersModelError, but nothing was thrown');
}

describe('tfjs-layers: save and reload in Node', () => {
  for (const c of CASES) {
    it(`${c.model}: toLayersModel computes predict's outputs; saved and reloaded, weights and outputs are bit-identical`, async () => {
      const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 7 });
      const layers = model.toLayersModel();
      const inputs = randomInputs(model.ir, { sizes: { batch: 2 }, fallback: 5, seed: 3 });
      try {
        const want = tf.tidy(() => arrays(model.predict(inputs)));
        expect(Object.keys(want).sort()).toEqual([...model.outputNames].sort());
        const direct = tf.tidy(() => arrays(predictByName(layers, inputs)));
        expect(direct).toEqual(want);

        const target = join(dir, c.model);
        await saveLayersModel(model, target);
        expect(readdirSync(target).sort()).toEqual(['model.json', 'weights.bin']);
        const loaded = await loadLayersModel(target);
        try {
          const layer = tfmcLayerOf(loaded);
          expect(layer).toBeInstanceOf(TfmcLayer);
          expect(layer.ir.name).toBe(c.model);
          const weights = model.getWeights();
          expect(layer.weights.length).toBe(model.ir.params.length);
          model.ir.params.forEach((p, i) => {
            expect(Array.from(layer.weights[i].read().dataSync()), p.name).toEqual(Array.from(weights[p.name].dataSync()));
          });
          const again = tf.tidy(() => arrays(predictByName(loaded, inputs)));
          expect(again).toEqual(want);
        } finally {
          loaded.dispose();
        }
      } finally {
        layers.dispose();
        tf.dispose(Object.values(inputs));
        model.dispose();
      }
    });
  }

  it('model.json holds the TfmcModel layer with the IR in its config, parameters under their PyTorch-style names, and tfmc metadata', async () => {
    const model = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 1 });
    const target = join(dir, 'inspect');
    await saveLayersModel(model, target);
    const json = JSON.parse(readFileSync(join(target, 'model.json'), 'utf8'));
    const layers = json.modelTopology.config.layers as { class_name: string; config: Record<string, unknown> }[];
    expect(layers.map((l) => l.class_name)).toEqual(['InputLayer', 'TfmcModel']);
    expect(layers[0].config.dtype).toBe('int32');
    expect(layers[0].config.batch_input_shape).toEqual([null, null]);
    expect(layers[1].config.tfmc_ir).toBe(toConfigText(JSON.stringify(irToJson(model.ir))));
    const names = json.weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(names).toEqual(model.ir.params.map((p) => `tfmc/${p.name}`));
    expect(json.userDefinedMetadata.tfmc).toEqual({ format: 'tfmc-layers-model', version: 1, model: 'Gpt2Tiny', inputs: ['ids'], outputs: ['logits'] });
    const bytes = readFileSync(join(target, 'weights.bin')).byteLength;
    expect(bytes).toBe(model.parameterCount * 4);
    model.dispose();
  });

  it('the reloaded layer runs in training mode (dropout) through tfjs-layers, and its weights train with a tfjs optimizer', async () => {
    const model = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 2 });
    const target = join(dir, 'train');
    await saveLayersModel(model, target);
    const loaded = await loadLayersModel(target);
    const ids = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const layer = tfmcLayerOf(loaded);
    const run = (training: boolean) => tf.tidy(() => Array.from((loaded.apply(ids, { training }) as tf.Tensor).dataSync()));
    expect(run(false)).toEqual(run(false));
    expect(run(true)).not.toEqual(run(true)); // Gpt2Tiny's dropout 0.1 is on only while training
    const before = Array.from(layer.weights[0].read().dataSync());
    const opt = tf.train.sgd(0.1);
    opt.minimize(() => tf.mean(tf.square(loaded.apply(ids, { training: true }) as tf.Tensor)) as tf.Scalar);
    const after = Array.from(layer.weights[0].read().dataSync());
    expect(after).not.toEqual(before);
    tf.dispose([ids]);
    opt.dispose();
    loaded.dispose();
    model.dispose();
  });

  it('bad directories are one clear LayersModelError', async () => {
    expect((await caught(loadLayersModel(join(dir, 'nothing-here')))).message).toMatch(/nothing-here: has no model\.json/);

    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{ not json');
    expect((await caught(loadLayersModel(broken))).message).toMatch(/model\.json is not valid JSON/);

    const model = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 1 });
    const short = join(dir, 'short');
    await saveLayersModel(model, short);
    const bin = readFileSync(join(short, 'weights.bin'));
    writeFileSync(join(short, 'weights.bin'), bin.subarray(0, bin.byteLength - 8));
    expect((await caught(loadLayersModel(short))).message).toMatch(/weights files hold \d+ bytes, but model\.json describes \d+/);

    const escape = join(dir, 'escape');
    await saveLayersModel(model, escape);
    const json = JSON.parse(readFileSync(join(escape, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths = ['../short/weights.bin'];
    writeFileSync(join(escape, 'model.json'), JSON.stringify(json));
    expect((await caught(loadLayersModel(escape))).message).toMatch(/weights file outside the directory/);

    const future = join(dir, 'future');
    await saveLayersModel(model, future);
    const fj = JSON.parse(readFileSync(join(future, 'model.json'), 'utf8'));
    const layer = fj.modelTopology.config.layers[1].config;
    const ir = JSON.parse(Buffer.from(layer.tfmc_ir, 'hex').toString('utf8'));
    layer.tfmc_ir = toConfigText(JSON.stringify({ ...ir, version: 99 }));
    writeFileSync(join(future, 'model.json'), JSON.stringify(fj));
    expect((await caught(loadLayersModel(future))).message).toMatch(/TfmcModel layer cannot be rebuilt: tfmc IR version 99 cannot be read by this tfmc \(it reads version 1\)/);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect((await caught(saveLayersModel(model, foreign))).message).toMatch(/holds no model\.json; refusing to replace it/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    model.dispose();
  });

  it('saving over an earlier save replaces it whole (no temporary directory left behind)', async () => {
    const a = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 1 });
    const b = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 2 });
    const target = join(dir, 'replace');
    await saveLayersModel(a, target);
    await saveLayersModel(b, target);
    expect(readdirSync(dir).filter((f) => f.startsWith('replace'))).toEqual(['replace']);
    const loaded = await loadLayersModel(`file://${target}`);
    const w = b.getWeights()[b.ir.params[0].name];
    expect(Array.from(tfmcLayerOf(loaded).weights[0].read().dataSync())).toEqual(Array.from(w.dataSync()));
    loaded.dispose();
    a.dispose();
    b.dispose();
  });
});
