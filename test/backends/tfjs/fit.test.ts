/**
 * `fit`'s validation on real tiny models: the best validation loss, early stopping, the best
 * weights (restored and saved), continuing an earlier run's best; seeded dropout; perplexity.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../../src/index.js';
import { readCheckpoint } from '../../../src/backends/tfjs/checkpoint.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import type { EvaluationLog } from '../../../src/backends/tfjs/fit.js';
import { identityLogits, ROOT } from './helpers.js';

const REVERSE = join(ROOT, 'examples/reverse.tfm');
const SMALL = { d_model: 16, heads: 2, d_ff: 32, layers: 1 };
const batch = (rows: number[][]) => {
  const rev = rows.map((r) => [...r].reverse());
  return { src: rows, tgt: rev.map((r) => [1, ...r]), labels: rev.map((r) => [...r, 2]) };
};
const TRAIN = [batch([[3, 4, 5], [6, 7, 8]]), batch([[5, 6, 7], [8, 9, 3]]), batch([[4, 3, 9], [7, 5, 6]])];
const VALIDATION = [batch([[9, 8, 7], [3, 5, 4]])];
const weightsOf = (m: CompiledModel) => Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, v.dataSync().slice()]));

let tmp: string;
beforeAll(async () => {
  await import('../../../src/backends/tfjs/backend.js').then((b) => b.selectBackend('cpu'));
  tmp = mkdtempSync(join(tmpdir(), 'tfmc-fit-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('fit: validation, the best loss and early stopping', () => {
  it('evaluates every evalEvery steps and at epoch ends (once per step), and stops after `patience` evaluations without improvement', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 1 });
    const seen: EvaluationLog[] = [];
    // A learning rate of 0 leaves the weights as they are, so no evaluation improves on the first.
    const h = await m.fit(TRAIN, { epochs: 5, learningRate: 0, validationData: VALIDATION, evalEvery: 2, patience: 2, onEvaluate: (e) => void seen.push(e) });
    expect(seen.map((e) => [e.step, e.epoch, e.improved])).toEqual([
      [2, 0, true],
      [3, 0, false], // the end of epoch 0
      [4, 1, false],
    ]);
    expect([h.stopped, h.steps, m.step]).toEqual(['patience', 4, 4]);
    expect(h.best).toEqual({ step: 2, loss: seen[0].validation.loss, sinceBest: 2 });
    expect(h.epochs.map((e) => e.validation?.loss)).toEqual([seen[1].validation.loss, seen[2].validation.loss]);
    m.dispose();
  });

  it('continues an earlier run\'s best (`best`): improvements and patience count from it', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 1 });
    const h = await m.fit(TRAIN, { epochs: 3, learningRate: 0, validationData: VALIDATION, patience: 2, best: { step: 7, loss: 1e-6, sinceBest: 1 } });
    expect([h.stopped, h.steps]).toEqual(['patience', 3]);
    expect(h.best).toEqual({ step: 7, loss: 1e-6, sinceBest: 2 });
    m.dispose();
  });

  it('keeps the best weights: saveBest writes them at each improvement, restoreBest puts them back at the end', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 2 });
    const dir = join(tmp, 'best');
    const losses: Array<[number, number]> = [];
    // A rate that first learns, then is far too large: the validation loss rises again.
    const h = await m.fit(TRAIN, {
      epochs: 4,
      learningRate: (s) => (s <= 6 ? 1e-2 : 0.3),
      validationData: VALIDATION,
      evalEvery: 1,
      restoreBest: true,
      saveBest: dir,
      onEvaluate: (e) => void losses.push([e.step, e.validation.loss]),
    });
    const min = Math.min(...losses.map(([, l]) => l));
    const bestStep = losses.find(([, l]) => l === min)![0];
    expect(h.best).toMatchObject({ step: bestStep, loss: min, sinceBest: losses.filter(([s]) => s > bestStep).length });
    expect(h.best!.sinceBest).toBeGreaterThan(0); // so restoring changes the weights
    expect(h.restoredBest).toBe(true);
    expect((await m.evaluate(VALIDATION)).loss).toBe(min);
    const saved = await readCheckpoint(dir);
    expect(saved.manifest.step).toBe(bestStep);
    expect(saved.manifest.metrics).toEqual({ validationLoss: min });
    expect(saved.optimizer).toBeUndefined();
    for (const [name, w] of Object.entries(weightsOf(m))) expect(saved.weights.get(name)!.data).toEqual(w);
    m.dispose();
  });

  it('validation options without validationData, and bad values, are RangeErrors', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 1 });
    await expect(m.fit(TRAIN, { patience: 3 })).rejects.toThrow('patience needs validationData: they act on the validation loss');
    await expect(m.fit(TRAIN, { validationData: VALIDATION, evalEvery: 0 })).rejects.toThrow('evalEvery must be a whole number ≥ 1, got 0');
    await expect(m.fit(TRAIN, { validationData: VALIDATION, minDelta: -1 })).rejects.toThrow('minDelta must be a number ≥ 0');
    expect(m.step).toBe(0);
    m.dispose();
  });
});

describe('seeded dropout', () => {
  const train = async (seed: number, dropoutSeed?: number) => {
    const m = await compile(REVERSE, { overrides: { ...SMALL, dropout: 0.1 }, seed });
    for (const b of TRAIN) m.trainStep(b, { learningRate: 1e-2, dropoutSeed });
    const w = weightsOf(m);
    m.dispose();
    return w;
  };

  it('the same seed gives bit-identical weights with dropout > 0; another dropout seed gives others', async () => {
    const a = await train(1);
    const b = await train(1);
    const c = await train(1, 2);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('masks depend on the step, not on what ran before: a model restored at step k draws the straight run\'s masks', async () => {
    const straight = await compile(REVERSE, { overrides: { ...SMALL, dropout: 0.1 }, seed: 1 });
    const resumed = await compile(REVERSE, { overrides: { ...SMALL, dropout: 0.1 }, seed: 1 });
    straight.trainStep(TRAIN[0], { learningRate: 1e-2 });
    resumed.trainStep(TRAIN[0], { learningRate: 1e-2 });
    // Inference and training-mode predictions in between draw no seeded masks.
    tf.dispose(resumed.predict(TRAIN[1], { training: true }));
    await resumed.evaluate(VALIDATION);
    const dir = join(tmp, 'step1');
    await resumed.save(dir, { optimizer: true });
    resumed.dispose();
    const again = await compile(REVERSE, { overrides: { ...SMALL, dropout: 0.1 }, seed: 1 });
    await again.load(dir);
    for (const b of TRAIN.slice(1)) {
      straight.trainStep(b, { learningRate: 1e-2 });
      again.trainStep(b, { learningRate: 1e-2 });
    }
    expect(weightsOf(again)).toEqual(weightsOf(straight));
    straight.dispose();
    again.dispose();
  });
});

describe('perplexity', () => {
  it('is exp of the mean cross-entropy per counted target, without label smoothing', async () => {
    // Logits equal to the one-hot input: 3 targets at the arg-max, 1 elsewhere, 2 ignored.
    const { model: m, data } = await identityLogits();
    const r = await m.evaluate(data);
    // Mean NLL = (3·(ln(e + 2) − 1) + ln(e + 2)) / 4 = ln(e + 2) − 3/4.
    expect(r.perplexity.ce).toBeCloseTo((Math.E + 2) * Math.exp(-0.75), 5);
    expect(r.perplexity.ce / Math.exp(r.losses.ce)).toBeCloseTo(1, 6);
    const smoothed = await m.evaluate(data, { labelSmoothing: 0.3 });
    expect(smoothed.losses.ce).toBeGreaterThan(r.losses.ce + 0.01);
    expect(smoothed.perplexity.ce).toBeCloseTo(r.perplexity.ce, 5);
    m.dispose();
  });
});
