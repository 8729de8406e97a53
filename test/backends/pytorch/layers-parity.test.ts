/**
 * The layers of test/fixtures/parity/layers.tfm (dilated and grouped convolutions, Conv2d,
 * BatchNorm, glu, pooling, ctc_loss) against the generated PyTorch module on the same weights, at
 * tighter tolerances than parity.test.ts (outputs ≤ 1e-5, gradients ≤ 1e-4 of each parameter's
 * largest), in inference and in training mode: batch norm normalising by the batch statistics, and
 * the running statistics it leaves after one training forward. Also the Conformer example
 * (examples/speech-conformer.tfm, shrunk) in inference: its dropout makes training differ by design.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePytorch } from '../../../src/backends/pytorch/index.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { checkFile, compile } from '../../../src/index.js';
import { summarize } from '../../../src/ir/summary.js';
import { totalParams, type ModelIR } from '../../../src/ir/types.js';
import { exportSafetensors } from '../../../src/weights/exchange.js';
import { maxAbsDiff, randomInputs, readTensors, requireTorch, ROOT, runModels, writeInputs, type JobReport } from './helpers.js';

const FIXTURE = 'test/fixtures/parity/layers.tfm';
const OUTPUT_TOLERANCE = 1e-5;
const GRADIENT_TOLERANCE = 1e-4;

type Arrays = Map<string, Float32Array>;

interface Run {
  outputs: Arrays;
  grads: Arrays;
}

interface Case {
  file: string;
  overrides?: Record<string, string>;
  ir: ModelIR;
  /** Compared in training mode too (no dropout in the model). */
  training: boolean;
  dir: string;
  model?: CompiledModel;
  inference?: Run;
  trained?: Run & { buffers: Arrays };
  report?: JobReport;
}

const CONFORMER = { file: 'examples/speech-conformer.tfm', overrides: { d_model: '16', heads: '2', layers: '1', kernel: '5', n_mels: '8' } };
const cases: Case[] = [
  ...checkFile(join(ROOT, FIXTURE)).models.map((ir) => ({ file: FIXTURE, ir, training: true, dir: '' })),
  { ...CONFORMER, ir: checkFile(join(ROOT, CONFORMER.file), { overrides: CONFORMER.overrides }).models[0], training: false, dir: '' },
];
let work: string;

/** One forward (losses included) and the gradient of the sum of the losses, by parameter name. */
function forwardAndGrads(model: CompiledModel, feeds: Record<string, tf.Tensor>, training: boolean): Run {
  let outputs: Arrays = new Map();
  const { grads, value } = tf.variableGrads(() => {
    const out = model.executor.forward(feeds, { training, outputs: [...model.outputNames, ...model.lossNames] });
    outputs = new Map(Object.entries(out).map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
    return tf.addN(model.lossNames.map((n) => out[n])) as tf.Scalar;
  });
  const trained = Object.entries(model.getWeights()).filter(([, v]) => v.trainable);
  const result = { outputs, grads: new Map(trained.map(([name, v]) => [name, Float32Array.from(grads[v.name].dataSync())])) };
  tf.dispose([...Object.values(grads), value]);
  return result;
}

/** The largest difference relative to the largest tfjs gradient of each parameter (at least 1e-3). */
function worstGradient(tfjs: Arrays, torch: (name: string) => Float32Array | undefined): { name: string; diff: number } {
  let worst = { name: '', diff: 0 };
  for (const [name, want] of tfjs) {
    const got = torch(name);
    const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
    const diff = got ? maxAbsDiff(got, want) / scale : Infinity;
    if (diff > worst.diff) worst = { name, diff };
  }
  return worst;
}

beforeAll(async () => {
  requireTorch();
  work = mkdtempSync(join(tmpdir(), 'tfmc-layers-'));
  const jobs: object[] = [];
  for (const c of cases) {
    c.dir = join(work, c.ir.name);
    await writePytorch(c.ir, c.dir, { specName: c.file });
    const model = await compile(join(ROOT, c.file), { model: c.ir.name, overrides: c.overrides, seed: 7 });
    c.model = model;
    const inputs = randomInputs(c.ir, 5);
    await writeInputs(join(c.dir, 'inputs.safetensors'), inputs);
    await exportSafetensors(model, join(c.dir, 'tfjs.safetensors'));
    const feeds = Object.fromEntries([...inputs].map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
    c.inference = forwardAndGrads(model, feeds, false);
    if (c.training) {
      const training = forwardAndGrads(model, feeds, true);
      const buffers = new Map(c.ir.params.filter((p) => p.buffer).map((p) => [p.name, Float32Array.from(model.getWeights()[p.name].dataSync())]));
      c.trained = { ...training, buffers };
    }
    tf.dispose(Object.values(feeds));
    jobs.push({
      dir: c.dir,
      inputs: join(c.dir, 'inputs.safetensors'),
      weights: join(c.dir, 'tfjs.safetensors'),
      outputs: join(c.dir, 'torch-outputs.safetensors'),
      grads: join(c.dir, 'torch-grads.safetensors'),
      train_forward: c.training ? join(c.dir, 'torch-train.safetensors') : undefined,
    });
  }
  writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
  runModels(join(work, 'jobs.json')).forEach((report, i) => (cases[i].report = report));
}, 120_000);

afterAll(() => {
  for (const c of cases) c.model?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

it('covers every layer the fixture is for', () => {
  const ops = new Set(cases.flatMap((c) => c.ir.nodes.map((n) => n.op)));
  for (const op of ['conv1d', 'conv2d', 'batch_norm', 'glu', 'avg_pool1d', 'max_pool1d', 'avg_pool2d', 'max_pool2d', 'ctc_loss']) expect(ops, op).toContain(op);
});

it('counts batch norm\'s running statistics as state, not parameters (summary, PyTorch, the model API)', () => {
  const bn = cases.find((c) => c.ir.name === 'LayerBatchNorm')!;
  expect(bn.ir.params.filter((p) => p.buffer).map((p) => p.name)).toEqual(['y.running_mean', 'y.running_var', 'y.num_batches_tracked']);
  // Linear(8) on 6 features (48 + 8) and the norm's weight and bias (8 + 8).
  expect(totalParams(bn.ir)).toBe(72);
  expect(summarize(bn.ir).params).toBe(72);
  expect(bn.model!.parameterCount).toBe(72);
  const vars = bn.model!.getWeights();
  expect(vars['y.running_var'].trainable).toBe(false);
  expect(vars['y.weight'].trainable).toBe(true);
});

describe.each(cases.map((c) => [c.ir.name, c] as const))('%s', (_name, c) => {
  it(`gives PyTorch's outputs and losses in inference (≤ ${OUTPUT_TOLERANCE})`, async () => {
    const torch = await readTensors(join(c.dir, 'torch-outputs.safetensors'));
    for (const [name, want] of c.inference!.outputs) expect(maxAbsDiff(torch.get(name)!.data, want), name).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
  });

  it(`gives PyTorch's gradients in inference (≤ ${GRADIENT_TOLERANCE} relative)`, async () => {
    const torch = await readTensors(join(c.dir, 'torch-grads.safetensors'));
    const worst = worstGradient(c.inference!.grads, (n) => torch.get(n)?.data);
    expect(worst.diff, worst.name).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
  });

  if (c.training) it('gives PyTorch\'s outputs, gradients and running statistics in training mode', async () => {
    const torch = await readTensors(join(c.dir, 'torch-train.safetensors'));
    for (const [name, want] of c.trained!.outputs) expect(maxAbsDiff(torch.get(`output:${name}`)!.data, want), name).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
    const worst = worstGradient(c.trained!.grads, (n) => torch.get(`grad:${n}`)?.data);
    expect(worst.diff, worst.name).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    for (const [name, want] of c.trained!.buffers) expect(maxAbsDiff(torch.get(`buffer:${name}`)!.data, want), name).toBeLessThanOrEqual(OUTPUT_TOLERANCE);
  });
});

it('batch norm trains on the batch and infers with the running statistics: the two modes differ, and one training forward moves the statistics', () => {
  const bn = cases.find((c) => c.ir.name === 'LayerBatchNorm')!;
  expect(maxAbsDiff(bn.inference!.outputs.get('y')!, bn.trained!.outputs.get('y')!)).toBeGreaterThan(1e-2);
  const buffers = bn.trained!.buffers;
  expect(Array.from(buffers.get('y.num_batches_tracked')!)).toEqual([1]);
  expect(Math.max(...Array.from(buffers.get('y.running_mean')!, Math.abs))).toBeGreaterThan(1e-3);
});

it('the Conformer example: the generated PyTorch module has tfmc\'s parameter count and state_dict names (buffers included)', async () => {
  const c = cases.find((x) => x.file === CONFORMER.file)!;
  const names = c.ir.params.map((p) => p.name);
  expect(names).toContain('encoder.0.conv.batch_norm.running_var');
  expect(names).toContain('encoder.0.conv.depthwise.weight');
  expect(c.ir.params.find((p) => p.name === 'encoder.0.conv.depthwise.weight')!.shape).toEqual([16, 1, 5]);
  const report = c.report!;
  expect(report.params).toBe(totalParams(c.ir));
  expect(report.names.slice().sort()).toEqual(names.slice().sort());
});
