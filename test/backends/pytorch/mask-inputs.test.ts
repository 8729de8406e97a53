/**
 * Mask and bias inputs and ALiBi on PyTorch's side, beyond the forward parity of
 * test/backends/pytorch/parity.test.ts (test/fixtures/parity/mask-inputs.tfm):
 * - the generated `train.py` trains a model with a mask input (0/1 in the safetensors data) and a
 *   bias input shared by every example (`float32[1, heads, seq, seq]`), and refuses mask data that
 *   is not 0/1 with one message;
 * - greedy generation in PyTorch (a full forward pass per token) gives the tokens tfjs generates
 *   with its key/value cache, for ALiBi under `causal` and under a prefix longer than the prompt.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePytorch } from '../../../src/backends/pytorch/index.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { compile } from '../../../src/index.js';
import { exportSafetensors, importSafetensors, writeSafetensors } from '../../../src/weights/exchange.js';
import { type JobReport, randomInputs, readTensors, requireTorch, rng, ROOT, runModels, writeInputs } from './helpers.js';

const FIXTURE = join(ROOT, 'test/fixtures/parity/mask-inputs.tfm');
const ALIBI_PREFIX = `model AlibiPrefixLm {
  config { vocab = 40  d_model = 16  heads = 4 }
  input ids: int32[batch, seq]
  let h = Embedding(vocab, d_model)(ids)
  let layer = DecoderLayer(d_model, heads, norm: pre, dropout: 0.0)
  output logits = Linear(vocab)(layer(h, self_mask: prefix(6), pos_bias: alibi(h, h, heads)))
}`;
const PROMPT = [3, 1, 4];
const T = 6;

let work: string;
const models: CompiledModel[] = [];
let trained: JobReport;
let badMask: JobReport;
const generated = new Map<string, JobReport>();

/** `count` values from `make`, as float32 (what a safetensors data file holds). */
function filled(count: number, make: (i: number) => number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => make(i));
}

beforeAll(async () => {
  requireTorch();
  work = mkdtempSync(join(tmpdir(), 'tfmc-mask-inputs-'));
  const jobs: object[] = [];

  // train.py on a mask input and a shared bias input.
  const train = await compile(FIXTURE, { model: 'MhaKeyMaskAndBias', seed: 1 });
  models.push(train);
  const dir = join(work, 'train');
  await writePytorch(train.ir, dir, { specName: 'mask-inputs.tfm' });
  await writeInputs(join(dir, 'inputs.safetensors'), randomInputs(train.ir, 2, T));
  const r = rng(3);
  const data = (keys: Float32Array) => [
    ['x', { shape: [16, T, 16], data: filled(16 * T * 16, () => r() * 2 - 1) }],
    ['keys', { shape: [16, 1, T], data: keys }],
    ['bias', { shape: [1, 4, T, T], data: filled(4 * T * T, () => r() - 0.5) }],
    ['target', { shape: [16, T, 16], data: filled(16 * T * 16, () => r() * 2 - 1) }],
  ] as Array<[string, { shape: number[]; data: Float32Array }]>;
  await writeSafetensors(join(dir, 'data.safetensors'), data(filled(16 * T, (i) => (i % T < 4 ? 1 : 0))));
  await writeSafetensors(join(dir, 'bad.safetensors'), data(filled(16 * T, (i) => (i === 7 ? 2 : 1))));
  const trainJob = (file: string, out: string) => ({ dir, inputs: join(dir, 'inputs.safetensors'), train: ['--data', join(dir, file), '--steps', '3', '--batch', '4', '--out', join(dir, out)] });
  jobs.push(trainJob('data.safetensors', 'trained.safetensors'), trainJob('bad.safetensors', 'never.safetensors'));

  // Greedy generation with the tfjs weights.
  for (const [name, spec] of [['AlibiLm', FIXTURE], ['AlibiPrefixLm', ALIBI_PREFIX]] as const) {
    const m = await compile(spec, { model: name, seed: 5 });
    models.push(m);
    // Sharper distributions than the initial weights give: no near-ties between tokens.
    m.setWeights(tf.tidy(() => Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, tf.mul(v, 3)]))));
    const d = join(work, name);
    await writePytorch(m.ir, d, { specName: `${name}.tfm` });
    await writeInputs(join(d, 'inputs.safetensors'), randomInputs(m.ir, 4, 8));
    await exportSafetensors(m, join(d, 'weights.safetensors'));
    jobs.push({ dir: d, inputs: join(d, 'inputs.safetensors'), weights: join(d, 'weights.safetensors'), outputs: join(d, 'outputs.safetensors'), generate: { prompt: PROMPT, steps: 10, input: 'ids', output: 'logits' } });
  }
  writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
  const reports = runModels(join(work, 'jobs.json'));
  [trained, badMask] = reports;
  generated.set('AlibiLm', reports[2]);
  generated.set('AlibiPrefixLm', reports[3]);
}, 150_000);

afterAll(() => {
  models.forEach((m) => m.dispose());
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('train.py with a mask input and a bias input shared by every example', () => {
  it('trains, and the weights load into tfjs', async () => {
    expect(trained.train_error).toBeNull();
    const weights = await readTensors(join(work, 'train/trained.safetensors'));
    expect(weights.has('attn.q_proj.weight')).toBe(true);
    await importSafetensors(models[0], join(work, 'train/trained.safetensors'));
  });

  it('refuses mask data that is not 0/1, with one message, writing nothing', () => {
    expect(badMask.train_error).toBe(`error: ${join(work, 'train/bad.safetensors')}: the mask keys holds values other than 0 and 1 (1 = may attend)`);
    expect(existsSync(join(work, 'train/never.safetensors'))).toBe(false);
  });
});

describe.each(['AlibiLm', 'AlibiPrefixLm'])('%s', (name) => {
  it('PyTorch generates the tokens tfjs generates with its key/value cache', async () => {
    const m = models.find((x) => x.ir.name === name)!;
    const r = await m.generate({ prompt: PROMPT }, { maxNewTokens: 10 });
    expect(r.cached, r.cacheNote).toBe(true);
    expect(generated.get(name)!.generated).toEqual(r.newTokens[0]);
  });
});
