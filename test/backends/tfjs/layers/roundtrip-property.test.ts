/**
 * tfjs-layers serialization is lossless for random valid specs of every family (the generators
 * of the shape property test): the model as a `tf.LayersModel`, saved (`model.save` into memory,
 * `model.json`'s topology through JSON text) and loaded with `tf.loadLayersModel`, computes
 * bit-identically what the executor computes from the checked IR, with the same weights.
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, predictByName, selectBackend, toLayersModel } from '../../../../src/tfjs.js';
import { checkSource } from '../../../../src/index.js';
import { randomInputs } from '../random-inputs.js';
import { FAMILIES, runParameters, type Case } from '../spec-generators.js';

/** Fewer runs than the shape test by default: each one also saves and loads a model. */
const RUNS = Number(process.env.TFMC_PROPERTY_RUNS ?? 3);

function arrays(rec: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(rec).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

async function roundTrip(c: Case): Promise<void> {
  const r = checkSource(c.spec, 'gen.tfm');
  if (c.rejectedWith) return; // not a valid spec (the shape test checks the rejection)
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`the generated spec does not check: ${errors.map((d) => d.message).join('; ')}`);
  const ir = r.models[0];
  const model = buildModel(ir, { seed: 1 });
  const inputs = randomInputs(ir, { sizes: c.sizes, seed: 2 });
  const layers = toLayersModel(ir, { weights: model.getWeights() });
  let loaded: tf.LayersModel | undefined;
  try {
    const want = tf.tidy(() => arrays(model.forward(inputs, { outputs: model.outputNames })));
    let saved: tf.io.ModelArtifacts | undefined;
    await layers.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    // Through JSON text, as model.json is written and read.
    const topology = JSON.parse(JSON.stringify(saved!.modelTopology)) as object;
    loaded = await tf.loadLayersModel(tf.io.fromMemory({ ...saved!, modelTopology: topology }));
    const got = tf.tidy(() => arrays(predictByName(loaded!, inputs)));
    expect(got).toEqual(want);
  } finally {
    loaded?.dispose();
    layers.dispose();
    tf.dispose(Object.values(inputs));
    model.dispose();
  }
}

describe('tfjs-layers round trip of random valid specs (cpu)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  for (const [title, arb, factor = 1] of FAMILIES) {
    it(`${title}: save → loadLayersModel → bit-identical outputs`, async () => {
      const before = tf.memory().numTensors;
      await fc.assert(
        fc.asyncProperty(arb, async (c) => {
          try {
            await roundTrip(c);
          } catch (e) {
            throw new Error(`${(e as Error).message}\n--- ${c.family} spec, run with ${JSON.stringify(c.sizes)} ---\n${c.spec}`);
          }
        }),
        runParameters(factor, RUNS),
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
