/**
 * The generated TypeScript of every shipped spec's tiny variant: golden files, the real
 * `tsc --strict --noEmit` (one run over everything), and run as real code — loaded with the
 * in-memory model's weights, its outputs and losses equal the in-memory model's within 1e-6.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, compile, selectBackend, type CompiledModel } from '../../../src/tfjs.js';
import { generateModelSource, moduleFileName } from '../../../src/backends/ts/index.js';
import { checkFile } from '../../../src/index.js';
import { expectGolden } from '../../helpers/golden.js';
import { randomInputs } from '../tfjs/random-inputs.js';
import { exampleCases, HOSTILE_SPEC, importGenerated, removeScratch, ROOT, scratchProject, tinyCases, typeCheck, type TinyCase } from './helpers.js';

const TOLERANCE = 1e-6;

/** The surface every generated module has (`losses` when the model has losses). */
interface GeneratedModule {
  PARAMS: ReadonlyArray<{ name: string }>;
  createParams(seed?: number): Record<string, tf.Variable>;
  setWeights(params: Record<string, tf.Variable>, weights: Record<string, tf.Tensor>): void;
  forward(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>, options?: { training?: boolean }): Record<string, tf.Tensor>;
  losses?(batch: Record<string, tf.Tensor>, outputs: Record<string, tf.Tensor>): Record<string, tf.Tensor>;
  trainStep?(params: Record<string, tf.Variable>, optimizer: tf.Optimizer, batch: Record<string, tf.Tensor>): number;
  createOptimizer?(learningRate?: number): tf.Optimizer;
  generate?(params: Record<string, tf.Variable>, inputs: Record<string, tf.Tensor>, prefix: number[][], maxNewTokens: number): number[][];
}

const cases = tinyCases();
const sources = new Map<string, { modular: string; standalone: string }>();
let dir: string;

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

describe('generated TypeScript of the shipped tiny variants', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
    dir = scratchProject();
    for (const c of cases) {
      sources.set(c.model, {
        modular: await generateModelSource(c.ir),
        standalone: await generateModelSource(c.ir, { standalone: true }),
      });
    }
  }, 120_000);
  afterAll(() => removeScratch(dir));

  it('covers every shipped spec', () => {
    expect(new Set(cases.map((c) => c.spec)).size).toBeGreaterThanOrEqual(7);
  });

  it.each(cases.map((c) => [c.model, c] as const))('%s matches its golden file', (_name, c: TinyCase) => {
    expectGolden(join(ROOT, 'test/backends/ts/__golden__', moduleFileName(c.ir).replace(/\.ts$/, '.ts.golden')), sources.get(c.model)!.modular);
  });

  it('the GPT-2 standalone module matches its golden file', () => {
    expectGolden(join(ROOT, 'test/backends/ts/__golden__/gpt2-tiny.standalone.ts.golden'), sources.get('Gpt2Tiny')!.standalone);
  });

  it('is deterministic: a second generation is byte-identical', { timeout: 120_000 }, async () => {
    for (const c of cases) {
      expect(await generateModelSource(c.ir)).toBe(sources.get(c.model)!.modular);
      expect(await generateModelSource(c.ir, { standalone: true })).toBe(sources.get(c.model)!.standalone);
    }
  });

  it('type-checks with tsc --strict --noEmit (both forms of every model, and of the hostile-names spec)', async () => {
    const files: Record<string, string> = {};
    for (const c of cases) {
      const base = moduleFileName(c.ir).replace(/\.ts$/, '');
      files[`${base}.ts`] = sources.get(c.model)!.modular;
      files[`${base}.standalone.ts`] = sources.get(c.model)!.standalone;
    }
    const specPath = join(dir, 'hostile.tfm');
    writeFileSync(specPath, HOSTILE_SPEC);
    const hostile = checkFile(specPath).models[0];
    files['hostile.ts'] = await generateModelSource(hostile);
    files['hostile.standalone.ts'] = await generateModelSource(hostile, { standalone: true });
    expect(typeCheck(dir, files)).toBe('');
  }, 120_000);

  const measured: Record<string, number> = {};

  it.each(cases.map((c) => [c.model, c] as const))('%s computes the in-memory model\'s outputs and losses (≤ 1e-6)', async (_name, c: TinyCase) => {
    const gen = await importGenerated<GeneratedModule>(dir, sources.get(c.model)!.standalone);
    const model: CompiledModel = await compile(join(ROOT, c.spec), { model: c.model, seed: 7, backend: 'cpu' });
    const params = gen.createParams(1);
    try {
      gen.setWeights(params, model.getWeights());
      const batch = randomInputs(c.ir, { sizes: { batch: 2, seq: 6, src_len: 5, tgt_len: 7, frames: 12 }, fallback: 4, seed: 3 });
      const names = [...c.ir.outputs, ...c.ir.losses].map((o) => o.name);
      const expected = model.predict(batch, { outputs: names });
      const outputs = gen.forward(params, batch);
      const losses = gen.losses ? gen.losses(batch, outputs) : {};
      let worst = 0;
      for (const o of c.ir.outputs) worst = Math.max(worst, maxAbsDiff(outputs[o.name], expected[o.name]));
      for (const l of c.ir.losses) worst = Math.max(worst, maxAbsDiff(losses[l.name], expected[l.name]));
      measured[c.model] = worst;
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      tf.dispose([...Object.values(expected), ...Object.values(outputs), ...Object.values(losses), ...Object.values(batch)]);
    } finally {
      tf.dispose(Object.values(params));
      model.dispose();
    }
  });

  it('createParams(seed) gives the in-memory model\'s initial weights for the same seed', async () => {
    for (const c of cases) {
      const gen = await importGenerated<GeneratedModule>(dir, sources.get(c.model)!.standalone);
      const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 11, backend: 'cpu' });
      const params = gen.createParams(11);
      const weights = model.getWeights();
      expect(Object.keys(params).sort()).toEqual(Object.keys(weights).sort());
      for (const [name, w] of Object.entries(weights)) expect(maxAbsDiff(params[name], w), `${c.model} ${name}`).toBe(0);
      tf.dispose(Object.values(params));
      model.dispose();
    }
  });

  it('GPT-2: trainStep lowers the loss of a repeated batch, and generate equals greedy decoding of the in-memory model', async () => {
    const c = cases.find((x) => x.model === 'Gpt2Tiny')!;
    const gen = await importGenerated<GeneratedModule>(dir, sources.get(c.model)!.standalone);
    const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 5, backend: 'cpu' });
    const params = gen.createParams(5);
    const prefix = [[1, 2, 3], [4, 5, 6]];
    const ours = gen.generate!(params, {}, prefix, 5);
    const theirs = await model.generate({ prompt: prefix }, { maxNewTokens: 5 });
    expect(ours).toEqual(theirs.sequences);
    const batch = { ids: tf.tensor2d([[1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1]], [2, 6], 'int32') };
    const optimizer = gen.createOptimizer!(1e-2);
    const first = gen.trainStep!(params, optimizer, batch);
    let last = first;
    for (let i = 0; i < 10; i++) last = gen.trainStep!(params, optimizer, batch);
    expect(Number.isFinite(first)).toBe(true);
    expect(last).toBeLessThan(first);
    optimizer.dispose();
    tf.dispose([...Object.values(params), batch.ids]);
    model.dispose();
  });

  it('Transformer (encoder-decoder): generate equals greedy decoding of the in-memory model', async () => {
    const c = cases.find((x) => x.model === 'TransformerTiny')!;
    const gen = await importGenerated<GeneratedModule>(dir, sources.get(c.model)!.standalone);
    const model = await compile(join(ROOT, c.spec), { model: c.model, seed: 4, backend: 'cpu' });
    const params = gen.createParams(4);
    const src = tf.tensor2d([[5, 6, 7, 8], [9, 8, 7, 6]], [2, 4], 'int32');
    const ours = gen.generate!(params, { src }, [[1], [1]], 4);
    const theirs = await model.generate({ prompt: [[1], [1]], source: { src } }, { maxNewTokens: 4 });
    expect(ours).toEqual(theirs.sequences);
    tf.dispose([...Object.values(params), src]);
    model.dispose();
  });

  it.each(exampleCases().map((c) => [c.model, c] as const))('example %s computes the executor\'s outputs and losses (≤ 1e-6)', async (_name, c: TinyCase) => {
    const source = await generateModelSource(c.ir, { standalone: true });
    const gen = await importGenerated<GeneratedModule>(dir, source);
    const executor = buildModel(c.ir, { seed: 9 });
    const params = gen.createParams(1);
    try {
      gen.setWeights(params, executor.getWeights());
      const batch = randomInputs(c.ir, { sizes: { batch: 2, seq: 6, frames: 16 }, fallback: 4, seed: 5 });
      const expected = executor.forward(batch, { outputs: [...c.ir.outputs, ...c.ir.losses].map((o) => o.name) });
      const outputs = gen.forward(params, batch);
      const losses = gen.losses ? gen.losses(batch, outputs) : {};
      let worst = 0;
      for (const o of c.ir.outputs) worst = Math.max(worst, maxAbsDiff(outputs[o.name], expected[o.name]));
      for (const l of c.ir.losses) worst = Math.max(worst, maxAbsDiff(losses[l.name], expected[l.name]));
      measured[c.model] = worst;
      expect(worst).toBeLessThanOrEqual(TOLERANCE);
      tf.dispose([...Object.values(expected), ...Object.values(outputs), ...Object.values(losses), ...Object.values(batch)]);
    } finally {
      tf.dispose(Object.values(params));
      executor.dispose();
    }
  });

  afterAll(() => {
    // The measured differences, for the record (the assertion above is the test).
    console.log(`generated vs in-memory, max |difference|: ${JSON.stringify(measured)}`);
  });
});
