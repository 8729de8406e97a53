/** The model API: compile, predict, trainStep, evaluate, fit, and the errors a user can cause. */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, ModelInputError, TfmcCompileError, TrainingDivergedError } from '../../../src/index.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { batchesOf } from '../../../src/backends/tfjs/data.js';
import { identityLogits, ROOT } from './helpers.js';

const REVERSE = join(ROOT, 'examples/reverse.tfm');
const GPT2 = join(ROOT, 'specs/gpt2.tfm');
/** ReverseTiny at its smallest: fast enough for many steps in a test. */
const SMALL = { d_model: 16, heads: 2, d_ff: 32, layers: 1 };

async function expectCompileError(p: Promise<unknown>): Promise<TfmcCompileError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TfmcCompileError) return e;
    throw new Error(`expected a TfmcCompileError, got ${String(e)}`);
  }
  throw new Error('expected a TfmcCompileError, but compile succeeded');
}

function inputError(f: () => unknown): ModelInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelInputError) return e;
    throw new Error(`expected a ModelInputError, got ${String(e)}`);
  }
  throw new Error('expected a ModelInputError, but nothing was thrown');
}

function weightsOf(m: CompiledModel): Record<string, Float32Array> {
  return Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, v.dataSync() as Float32Array]));
}

/** A reversal batch: src digits, tgt = [start, reversed], labels = [reversed, end]. */
function reverseBatch(rows: number[][]) {
  const rev = rows.map((r) => [...r].reverse());
  return { src: rows, tgt: rev.map((r) => [1, ...r]), labels: rev.map((r) => [...r, 2]) };
}

describe('compile', () => {
  beforeAll(async () => {
    await import('../../../src/backends/tfjs/backend.js').then((b) => b.selectBackend('cpu'));
  });

  it('compiles a file, reports the backend in use, and exposes the IR and config', async () => {
    const m = await compile(GPT2, { model: 'Gpt2Tiny', seed: 1 });
    expect(m.backend).toBe('cpu'); // the backend already selected is kept
    expect(m.name).toBe('Gpt2Tiny');
    expect(m.ir.name).toBe('Gpt2Tiny');
    expect(m.config.d_model).toBe(32);
    expect(m.parameterCount).toBe(30_720);
    expect(m.inputNames).toEqual(['ids']);
    expect(m.outputNames).toEqual(['logits']);
    expect(m.lossNames).toEqual(['next_token']);
    expect(m.describeInputs()).toEqual({ ids: 'int32 [batch, seq] with seq <= 64' });
    m.dispose();
  });

  it('compiles source text with overrides (numbers accepted), and seeds are reproducible', async () => {
    const text = `model M {\n  config { d = 8  width = 3 }\n  input x: float32[batch, d]\n  output y = Linear(width)(x)\n}\n`;
    const a = await compile(text, { overrides: { width: 5 }, seed: 7 });
    const b = await compile(text, { overrides: { width: '5' }, seed: 7 });
    expect(a.config.width).toBe(5);
    expect(a.overrides).toEqual({ width: '5' });
    const ya = a.predict({ x: [[1, 2, 3, 4, 5, 6, 7, 8]] }).y;
    const yb = b.predict({ x: [[1, 2, 3, 4, 5, 6, 7, 8]] }).y;
    expect(ya.shape).toEqual([1, 5]);
    expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
    tf.dispose([ya, yb]);
    a.dispose();
    b.dispose();
  });

  it('a spec with errors is a TfmcCompileError carrying the diagnostics, rendered as tfmc check does', async () => {
    const text = 'model Bad {\n  input x: float32[batch, 16]\n  let a = Linear(8)(x)\n  let b = Linear(4)(x)\n  output y = a + b\n}\n';
    const e = await expectCompileError(compile(text, { path: 'bad.tfm' }));
    expect(e.errorDiagnostics.map((d) => d.code)).toEqual(['TFM3001']);
    expect(e.message).toContain('error[TFM3001]');
    expect(e.message).toContain('bad.tfm:5');
    expect(e.message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });

  it('overrides apply to the model asked for; its expectations are skipped, not failed', async () => {
    const spec = join(ROOT, 'specs/transformer.tfm');
    // layers = 3 breaks the parameter count TransformerTiny states for its own configuration.
    const m = await compile(spec, { model: 'TransformerTiny', overrides: { layers: 3 }, seed: 1 });
    expect(m.config.layers).toBe(3);
    expect(m.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['info TFM4009']);
    expect(m.warnings).toEqual([]);
    m.dispose();
    // An error in the model asked for still stops it.
    const e = await expectCompileError(compile(spec, { model: 'TransformerTiny', overrides: { heads: 5 } }));
    expect(e.errorDiagnostics.some((d) => d.code === 'TFM3003')).toBe(true);
  });

  it('Node prints an uncaught user error as its message, without a stack or the attached data', async () => {
    const { inspect } = await import('node:util');
    const e = await expectCompileError(compile(GPT2, { model: 'Gpt3' }));
    expect(inspect(e)).toBe(`TfmcCompileError: ${e.message}`);
  });

  it('an override of the wrong type, a missing file, an unknown model, an ambiguous file', async () => {
    const e1 = await expectCompileError(compile(GPT2, { model: 'Gpt2Tiny', overrides: { heads: 'many' } }));
    expect(e1.errorDiagnostics[0].code).toBe('TFM4001');
    const e2 = await expectCompileError(compile('no/such/spec.tfm'));
    expect(e2.message).toBe('cannot read the spec file no/such/spec.tfm: no such file');
    const e3 = await expectCompileError(compile(GPT2, { model: 'Gpt3' }));
    expect(e3.message).toBe(`${GPT2} has no model named \`Gpt3\` (its models: \`Gpt2Small\`, \`Gpt2Tiny\`)`);
    const typo = await expectCompileError(compile(GPT2, { model: 'Gpt2tiny' }));
    expect(typo.message).toBe(`${GPT2} has no model named \`Gpt2tiny\` (did you mean \`Gpt2Tiny\`? its models: \`Gpt2Small\`, \`Gpt2Tiny\`)`);
    const e4 = await expectCompileError(compile(GPT2));
    expect(e4.message).toContain('has 2 models (`Gpt2Small`, `Gpt2Tiny`); choose one with the `model` option');
  });
});

describe('predict and bad input', () => {
  let gpt: CompiledModel;
  beforeAll(async () => {
    gpt = await compile(GPT2, { model: 'Gpt2Tiny', seed: 1, backend: 'cpu' });
  });
  afterAll(() => gpt.dispose());

  it('accepts nested arrays or tensors, and returns the requested outputs', () => {
    const a = gpt.predict({ ids: [[1, 2, 3]] });
    const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    const b = gpt.predict({ ids });
    expect(Object.keys(a)).toEqual(['logits']);
    expect(a.logits.shape).toEqual([1, 3, 100]);
    expect(Array.from(a.logits.dataSync())).toEqual(Array.from(b.logits.dataSync()));
    const l = gpt.predict({ ids: [[1, 2, 3]] }, { outputs: ['next_token'] });
    expect(l.next_token.shape).toEqual([]);
    tf.dispose([a.logits, b.logits, ids, l.next_token]);
    expect(() => gpt.predict({ ids: [[1]] }, { outputs: ['probs'] })).toThrow('has no output or loss named `probs` (it has `logits`, `next_token`)');
  });

  it('token ids outside the vocabulary', () => {
    const e = inputError(() => gpt.predict({ ids: [[1, 2, 100]] }));
    expect(e.input).toBe('ids');
    expect(e.message).toBe('input `ids`: value 100 at [0, 2] is out of range: token ids of `wte` (100 rows) must be 0 ≤ id < 100');
  });

  it('a sequence longer than the positional table', () => {
    const e = inputError(() => gpt.predict({ ids: [new Array(65).fill(1)] }));
    expect(e.message).toBe('input `ids`: `seq` is 65, but the model allows at most 64 (expected int32 [batch, seq] with seq <= 64)');
  });

  it('the wrong rank, the wrong dtype, fractions, ragged rows, a missing or unknown input', () => {
    expect(inputError(() => gpt.predict({ ids: [1, 2, 3] })).message).toBe('input `ids`: expected int32 [batch, seq] with seq <= 64 (rank 2), got int32 [3] (rank 1)');
    const f = tf.tensor2d([[1, 2]]);
    expect(inputError(() => gpt.predict({ ids: f })).message).toBe('input `ids`: expected int32 [batch, seq] with seq <= 64, got float32 [1, 2]: the dtype differs');
    f.dispose();
    expect(inputError(() => gpt.predict({ ids: [[1, 2.5]] })).message).toBe('input `ids`: expected int32 [batch, seq] with seq <= 64, got 2.5, which is not an integer at [0, 1]');
    expect(inputError(() => gpt.predict({ ids: [[1, 2], [3]] })).message).toBe(
      'input `ids`: expected int32 [batch, seq] with seq <= 64, got a ragged array: row [1] has 1 elements, but row [0] has 2 (pad the rows to one length)',
    );
    expect(inputError(() => gpt.predict({})).message).toBe('input `ids`: missing: expected int32 [batch, seq] with seq <= 64');
    expect(inputError(() => gpt.predict({ ids: [[1]], tokens: [[1]] })).message).toContain('has no input named `tokens` (its inputs: `ids`)');
    expect(inputError(() => gpt.predict({ ids: 'hello' as unknown as number[] })).message).toContain('as a tf.Tensor or nested arrays of numbers, got string');
  });

  it('bad input does not leak tensors', () => {
    const before = tf.memory().numTensors;
    expect(() => gpt.predict({ ids: [[1, 2, 300]] })).toThrow(ModelInputError);
    expect(() => gpt.trainStep({ ids: [[1, 2, 300]] })).toThrow(ModelInputError);
    expect(() => gpt.predict({ ids: [[1], [2, 3]] })).toThrow(ModelInputError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('training', () => {
  beforeAll(async () => {
    await import('../../../src/backends/tfjs/backend.js').then((b) => b.selectBackend('cpu'));
  });

  it('trainStep lowers the loss on a fixed batch, reports norm and learning rate, and the tensor count stays flat', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 3 });
    const batch = reverseBatch([
      [3, 4, 5, 6],
      [7, 8, 9, 10],
      [11, 12, 3, 5],
    ]);
    const first = m.trainStep(batch, { learningRate: 3e-3, clipNorm: 0.5 });
    expect(first.step).toBe(1);
    expect(first.learningRate).toBe(3e-3);
    expect(first.gradNorm).toBeGreaterThan(0);
    expect(first.clipped).toBe(first.gradNorm > 0.5);
    expect(Object.keys(first.losses)).toEqual(['nll']);
    m.trainStep(batch, { learningRate: 3e-3 });
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 20; i++) last = m.trainStep(batch, { learningRate: 3e-3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(last.step).toBe(22);
    expect(last.loss).toBeLessThan(first.loss * 0.5);
    m.dispose();
  });

  it('the tensor count stays flat across fit epochs with validation, evaluate and a schedule', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 3 });
    const data = batchesOf(reverseBatch([[3, 4], [5, 6, 7], [8, 9, 10, 11], [12, 3]]), { batchSize: 2, pad: 0 });
    await m.fit(data, { epochs: 1, learningRate: { kind: 'transformer', warmup: 4 } });
    // Inference keeps transposed weights (made once, replaced when training changes a weight).
    await m.evaluate(data);
    const before = tf.memory().numTensors;
    const h = await m.fit(data, { epochs: 3, validationData: data, learningRate: { kind: 'transformer', warmup: 4 } });
    await m.evaluate(data);
    expect(tf.memory().numTensors).toBe(before);
    expect(h.steps).toBe(6);
    expect(h.epochs.map((e) => e.steps)).toEqual([2, 2, 2]);
    expect(h.epochs[2].validation?.losses.nll).toBeGreaterThan(0);
    // The paper's schedule with d_model 16 and 4 warm-up steps: step 8 (the last) is 16^-0.5 · 8^-0.5.
    expect(h.epochs[2].learningRate).toBeCloseTo(0.25 / Math.sqrt(8), 10);
    m.dispose();
  });

  it('evaluate: mean loss weighted by counted tokens, token and sequence accuracy', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 3 });
    const batches = [reverseBatch([[3, 4, 5]]), reverseBatch([[6, 7], [8, 9]])];
    const r = await m.evaluate(batches);
    expect(r.batches).toBe(2);
    expect(r.examples).toBe(3);
    expect(r.tokens.nll).toBe(4 + 3 + 3);
    // Each batch's own loss, weighted by its counted targets, gives the mean.
    const l1 = (await m.evaluate([batches[0]])).losses.nll;
    const l2 = (await m.evaluate([batches[1]])).losses.nll;
    expect(r.losses.nll).toBeCloseTo((l1 * 4 + l2 * 6) / 10, 5);
    expect(r.loss).toBeCloseTo(r.losses.nll, 10);
    expect(r.accuracy.nll).toBeGreaterThanOrEqual(0);
    expect(r.accuracy.nll).toBeLessThanOrEqual(1);
    expect(r.sequenceAccuracy.nll).toBeLessThanOrEqual(r.accuracy.nll);
    m.dispose();
  });

  it('accuracy counts arg-max hits on counted targets only (ignore_index excluded)', async () => {
    // A model whose logits are its input: accuracy is checkable by hand.
    const { model: m, data } = await identityLogits();
    const r = await m.evaluate(data);
    expect(r.tokens.ce).toBe(4);
    expect(r.accuracy.ce).toBeCloseTo(3 / 4, 10); // [0,1,0] vs argmax [0,1,2]: 2 of 3; row 2: 1 of 1
    expect(r.sequenceAccuracy.ce).toBeCloseTo(1 / 2, 10);
    m.dispose();
  });

  it('label smoothing comes from the spec, and an override changes it only for that call', async () => {
    const m = await compile(REVERSE, { overrides: { ...SMALL, label_smoothing: 0.1 }, seed: 3 });
    const data = [reverseBatch([[3, 4, 5], [6, 7, 8]])];
    const spec = (await m.evaluate(data)).losses.nll;
    const none = (await m.evaluate(data, { labelSmoothing: 0 })).losses.nll;
    const again = (await m.evaluate(data)).losses.nll;
    expect(none).not.toBeCloseTo(spec, 4);
    expect(again).toBe(spec);
    // Training with the override: the step's loss is the unsmoothed one.
    const step = m.trainStep(data[0], { labelSmoothing: 0, learningRate: 0 });
    expect(step.loss).toBeCloseTo(none, 4);
    expect(() => m.trainStep(data[0], { labelSmoothing: 1.5 })).toThrow('labelSmoothing must be in [0, 1), got 1.5');
    m.dispose();
  });

  it('choosing and weighting losses; a batch with no labels is a clear error', async () => {
    const m = await compile(join(ROOT, 'specs/bert.tfm'), { model: 'BertTiny', seed: 1 });
    const base = { ids: [[2, 5, 6, 7]], segments: [[0, 0, 1, 1]] };
    const both = m.trainStep({ ...base, mlm_labels: [[-100, 5, -100, -100]], nsp_labels: [1] }, { learningRate: 0 });
    expect(Object.keys(both.losses)).toEqual(['masked_lm', 'next_sentence']);
    expect(both.loss).toBeCloseTo(both.losses.masked_lm + both.losses.next_sentence, 5);
    const weighted = m.trainStep({ ...base, mlm_labels: [[-100, 5, -100, -100]], nsp_labels: [1] }, { learningRate: 0, losses: { masked_lm: 1, next_sentence: 0.5 } });
    expect(weighted.loss).toBeCloseTo(weighted.losses.masked_lm + 0.5 * weighted.losses.next_sentence, 5); // (dropout: each step differs)
    const nspOnly = m.trainStep({ ...base, nsp_labels: [1] }, { learningRate: 0 });
    expect(Object.keys(nspOnly.losses)).toEqual(['next_sentence']);
    const e = inputError(() => m.trainStep(base));
    expect(e.message).toBe('input `mlm_labels`: missing: the batch has no data for any loss; loss `masked_lm` needs `ids`, `segments`, `mlm_labels` (missing `mlm_labels`)');
    m.dispose();
  });

  it('a NaN/Inf loss stops training with a clear error, keeping the last weights whose loss was finite', async () => {
    const m = await compile(GPT2, { model: 'Gpt2Tiny', seed: 5 });
    const batch = { ids: [[1, 2, 3, 4, 5, 6]] };
    const ok = m.trainStep(batch, { learningRate: 1e-3 });
    const good = weightsOf(m);
    const goodLoss = (await m.evaluate([batch])).losses.next_token;
    // An absurd learning rate: the update itself is finite, but the next loss overflows.
    m.trainStep(batch, { learningRate: 1e30 });
    let err: TrainingDivergedError | undefined;
    try {
      m.trainStep(batch, { learningRate: 1e-3 });
    } catch (e) {
      err = e as TrainingDivergedError;
    }
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err!.step).toBe(3);
    expect(err!.restored).toBe(true);
    expect(err!.lastGoodStep).toBe(2);
    expect(err!.message).toMatch(/^training stopped at step 3: loss `next_token` is not finite \(next_token = (NaN|Infinity)\); the previous update was undone, so the model holds the last weights whose loss was finite \(loss [\d.]+ at step 2\)\./);
    expect(m.step).toBe(2);
    // The weights are those before the bad update, bit for bit.
    const now = weightsOf(m);
    for (const [k, v] of Object.entries(good)) expect(Array.from(now[k])).toEqual(Array.from(v));
    expect((await m.evaluate([batch])).losses.next_token).toBeCloseTo(goodLoss, 6);
    expect(ok.step).toBe(1);
    m.dispose();
  });

  it('fit stops on divergence with the history so far, and the tensor count is unchanged', async () => {
    const m = await compile(GPT2, { model: 'Gpt2Tiny', seed: 5 });
    const data = [{ ids: [[1, 2, 3, 4]] }, { ids: [[4, 3, 2, 1]] }];
    m.trainStep(data[0], { learningRate: 1e-3 });
    const before = tf.memory().numTensors;
    let err: TrainingDivergedError | undefined;
    try {
      await m.fit(data, { epochs: 5, learningRate: (step) => (step === 3 ? 1e30 : 1e-3) });
    } catch (e) {
      err = e as TrainingDivergedError;
    }
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err!.step).toBe(4);
    expect((err!.history as { steps: number }).steps).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('fit callbacks: onStep sees every step, returning false stops; maxSteps', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 3 });
    const data = [reverseBatch([[3, 4]]), reverseBatch([[5, 6]]), reverseBatch([[7, 8]])];
    const seen: number[] = [];
    const h = await m.fit(data, {
      epochs: 10,
      onStep: (s) => {
        seen.push(s.step);
        return s.step < 4;
      },
    });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(h.stopped).toBe('callback');
    const epochs: number[] = [];
    const h2 = await m.fit(data, {
      epochs: 10,
      maxSteps: 5,
      onEpoch: (e) => {
        epochs.push(e.steps);
      },
    });
    expect(h2.steps).toBe(5);
    expect(h2.stopped).toBe('maxSteps');
    expect(epochs).toEqual([3, 2]);
    expect(m.step).toBe(9);
    m.dispose();
  });

  it('a bad batch in the middle of fit or evaluate is a ModelInputError naming the input; nothing leaks', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 3 });
    const good = reverseBatch([[3, 4, 5]]);
    m.trainStep(good);
    const before = tf.memory().numTensors;
    const bad = { ...reverseBatch([[3, 4, 5]]), src: [[3, 4, 13]] };
    const e = await m.fit([good, bad], { epochs: 1 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ModelInputError);
    expect((e as ModelInputError).message).toBe('input `src`: value 13 at [0, 2] is out of range: token ids of `embed` (13 rows) must be 0 ≤ id < 13');
    const long = reverseBatch([new Array(24).fill(3)]);
    const e2 = await m.evaluate([long]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e2 as ModelInputError).message).toBe('input `tgt`: `tgt_len` is 25, but the model allows at most 24 (expected int32 [batch, tgt_len] with tgt_len <= 24)');
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
  });

  it('a model without a loss cannot be trained', async () => {
    const m = await compile('model NoLoss {\n  input x: float32[batch, 4]\n  output y = Linear(2)(x)\n}\n');
    expect(() => m.trainStep({ x: [[1, 2, 3, 4]] })).toThrow('the model `NoLoss` declares no loss: add one to the spec');
    m.dispose();
  });
});
