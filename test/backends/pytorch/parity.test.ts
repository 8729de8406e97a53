/**
 * The generated PyTorch module of every shipped tiny spec (and of the block-level parity cases and a
 * spec of Python-keyword names) against the tfjs model, with Debian's
 * torch, in one Python process for all models:
 * - its parameter count and state_dict names are tfmc's;
 * - tfjs → PyTorch: the tfjs model's weights, exported as safetensors, give the same outputs and
 *   losses in PyTorch (≤ 1e-5), and the same gradients (≤ 1e-4 relative), each computed in tfjs on
 *   both the native backend (the default) and wasm (the same tensors: switching moves no data);
 * - PyTorch → tfjs: weights initialised and saved by the generated module load into the tfjs
 *   model (importSafetensors) and give the same outputs (≤ 1e-5).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePytorch } from '../../../src/backends/pytorch/index.js';
import { KERNELS } from '../../../src/ir/ops/index.js';
import { checkFile, compile } from '../../../src/index.js';
import { selectBackend } from '../../../src/tfjs.js';
import type { CompiledModel } from '../../../src/backends/tfjs/compiled-model.js';
import { summarize } from '../../../src/ir/summary.js';
import { totalParams, type ModelIR } from '../../../src/ir/types.js';
import { exportSafetensors, importSafetensors } from '../../../src/weights/exchange.js';
import { maxAbsDiff, randomInputs, readTensors, requireTorch, ROOT, runModels, writeInputs, type JobReport } from './helpers.js';

/** Outputs and losses of the two frameworks on the same weights (float32 throughout): issue 13's bar, ≤ 1e-5 absolute. */
const TOLERANCE = 1e-5;
/** Gradients: ≤ 1e-4 of each parameter's largest gradient. */
const GRAD_TOLERANCE = 1e-4;

/** The tfjs side is computed on both: native (the default) and wasm, its fallback. */
const BACKENDS = ['native', 'wasm'] as const;
type Backend = (typeof BACKENDS)[number];

interface Case {
  /** Relative to the repository root. */
  file: string;
  overrides?: Record<string, string>;
  ir: ModelIR;
  dir: string;
  /** By backend (native, wasm): the outputs and losses. */
  tfjsOutputs: Map<Backend, Map<string, Float32Array>>;
  /** By backend: the gradient of the sum of the losses by parameter (models with losses). */
  tfjsGrads: Map<Backend, Map<string, Float32Array>>;
  report?: JobReport;
}

function casesOf(file: string, keep: (name: string) => boolean, overrides?: Record<string, string>): Case[] {
  const r = checkFile(join(ROOT, file), { overrides });
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.models.filter((m) => keep(m.name)).map((ir) => ({ file, overrides, ir, dir: '', tfjsOutputs: new Map(), tfjsGrads: new Map() }));
}

const specs = readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.tfm')).sort();
const cases: Case[] = [
  // Every shipped spec's tiny variant.
  ...specs.flatMap((f) => casesOf(`specs/${f}`, (name) => name.endsWith('Tiny'))),
  // The block-level parity cases (GRU with an initial state, a Llama-style layer with RoPE and
  // grouped-query attention, ...), and spec names that are Python keywords with the ops the
  // specs above lack.
  ...casesOf('test/fixtures/parity/blocks.tfm', () => true),
  // The tensor primitives (exp … top_k, slice, roll, cast, stop_gradient), with gradients through them.
  ...casesOf('test/fixtures/parity/primitives.tfm', () => true),
  // `repeat N shared`: one layer (a block, a block with a second argument, a primitive layer) applied N times.
  ...casesOf('test/fixtures/parity/shared.tfm', () => true),
  // The mask constructors and operators (window, prefix, same_segment, padding from lengths, `|`, `!`).
  ...casesOf('test/fixtures/parity/masks.tfm', () => true),
  // The open-language primitives: reshape, permute, free parameters, comparisons, gather, ...
  ...casesOf('test/fixtures/parity/open-language.tfm', () => true),
  // Convolutions (dilated, grouped, 2-D), batch norm (eval mode here; train mode in layers-parity.test.ts), glu, pooling, CTC.
  ...casesOf('test/fixtures/parity/layers.tfm', () => true),
  // Masks and biases given as inputs (bool / 0-1 data), and ALiBi's bias.
  ...casesOf('test/fixtures/parity/mask-inputs.tfm', () => true),
  // The standard library's switches: per-projection biases, rope_base, partial rotary, offset positions.
  ...casesOf('test/fixtures/parity/std-variants.tfm', () => true),
  // The Qwen2-style example's tiny models, one a variant that adds a head and a loss.
  ...casesOf('examples/qwen2-style.tfm', (name) => name.endsWith('Tiny')),
  ...casesOf('test/backends/pytorch/fixtures/names-and-ops.tfm', () => true),
];
let work: string;
const models = new Map<string, CompiledModel>();
const measured: string[] = [];
const gradMeasured: string[] = [];

function predictAll(model: CompiledModel, inputs: ReturnType<typeof randomInputs>): Map<string, Float32Array> {
  const feeds = Object.fromEntries([...inputs].map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
  const out = model.predict(feeds, { outputs: [...model.outputNames, ...model.lossNames] });
  const result = new Map(Object.entries(out).map(([k, t]) => [k, Float32Array.from(t.dataSync())]));
  tf.dispose([...Object.values(out), ...Object.values(feeds)]);
  return result;
}

function gradients(model: CompiledModel, inputs: ReturnType<typeof randomInputs>): Map<string, Float32Array> {
  const feeds = Object.fromEntries([...inputs].map(([k, v]) => [k, tf.tensor(v.data, v.shape, v.dtype)]));
  const { grads, value } = tf.variableGrads(() => {
    const out = model.executor.forward(feeds, { outputs: model.lossNames });
    return tf.addN(model.lossNames.map((n) => out[n])) as tf.Scalar;
  });
  // variableGrads keys the gradients by tfjs variable name; the parameter names are the model's. Buffers have none.
  const trained = Object.entries(model.getWeights()).filter(([, v]) => v.trainable);
  const result = new Map(trained.map(([param, v]) => [param, Float32Array.from(grads[v.name].dataSync())]));
  tf.dispose([...Object.values(grads), value, ...Object.values(feeds)]);
  return result;
}

beforeAll(async () => {
  requireTorch();
  work = mkdtempSync(join(tmpdir(), 'tfmc-pytorch-'));
  const jobs: object[] = [];
  for (const c of cases) {
    c.dir = join(work, c.ir.name);
    await writePytorch(c.ir, c.dir, { specName: c.file });
    const model = await compile(join(ROOT, c.file), { model: c.ir.name, overrides: c.overrides, seed: 11, backend: 'native' });
    models.set(c.ir.name, model);
    // Shapes vary from case to case (batch 2–3, sequences of 8–14), fixed per case so a failure reproduces.
    const h = [...c.ir.name].reduce((a, ch) => (a * 31 + ch.charCodeAt(0)) >>> 0, 7);
    const inputs = randomInputs(c.ir, 3, 8 + (h % 7), 2 + ((h >> 3) % 2));
    await writeInputs(join(c.dir, 'inputs.safetensors'), inputs);
    await exportSafetensors(model, join(c.dir, 'tfjs.safetensors'));
    for (const b of BACKENDS) {
      await selectBackend(b);
      c.tfjsOutputs.set(b, predictAll(model, inputs));
      if (c.ir.losses.length) c.tfjsGrads.set(b, gradients(model, inputs));
    }
    await selectBackend('native');
    jobs.push({
      dir: c.dir,
      inputs: join(c.dir, 'inputs.safetensors'),
      weights: join(c.dir, 'tfjs.safetensors'),
      outputs: join(c.dir, 'torch-outputs.safetensors'),
      seed: 5,
      seeded_weights: join(c.dir, 'torch.safetensors'),
      seeded_outputs: join(c.dir, 'torch-seeded-outputs.safetensors'),
      grads: c.ir.losses.length ? join(c.dir, 'torch-grads.safetensors') : undefined,
    });
  }
  writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs));
  const reports = runModels(join(work, 'jobs.json'));
  cases.forEach((c, i) => (c.report = reports[i]));
}, 180_000);

afterAll(() => {
  for (const m of models.values()) m.dispose();
  if (measured.length) console.log(`max |PyTorch − tfjs|: ${measured.join(', ')}`);
  if (gradMeasured.length) console.log(`max gradient difference / largest gradient: ${gradMeasured.join(', ')}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

it('exercises every IR op (each op with a kernel appears in a model above)', () => {
  const used = new Set(cases.flatMap((c) => c.ir.nodes.map((n) => n.op)));
  expect([...KERNELS.keys()].filter((op) => !used.has(op)).sort()).toEqual([]);
});

it('applies a shared stack\'s one layer N times: parameters under the stack\'s path, counted once, as `tfmc summary` counts them', () => {
  const shared = cases.filter((c) => c.file === 'test/fixtures/parity/shared.tfm');
  expect(shared.map((c) => c.ir.name)).toEqual(['SharedEncoder', 'SharedDecoder', 'SharedLinear']);
  for (const c of shared) {
    expect(c.report!.params, c.ir.name).toBe(summarize(c.ir).params);
    expect(c.report!.names.filter((n) => /\.\d+\./.test(n)), c.ir.name).toEqual([]);
  }
  const enc = shared[0];
  expect(enc.report!.names).toContain('encoder.self_attn.q_proj.weight');
  // One EncoderLayer(16, 2, d_ff: 32) is 2,224 parameters; applied 3 times, it is still counted once.
  expect(enc.report!.params).toBe(320 + 2_224 + 51);
  expect(readFileSync(join(enc.dir, 'model.py'), 'utf8')).toContain('        for _ in range(3):  # repeat 3 shared: one layer, applied 3 times\n            x = self.encoder(x)');
  expect(readFileSync(join(shared[2].dir, 'model.py'), 'utf8')).toContain('self.proj = rt.Linear(8, 8, bias=True)');
});

describe.each(cases.map((c) => [c.ir.name, c] as const))('%s', (_name, c) => {
  it('has tfmc\'s parameters: count and state_dict names', () => {
    expect(c.report!.params).toBe(totalParams(c.ir));
    expect(c.report!.declared).toBe(totalParams(c.ir));
    expect(c.report!.names.slice().sort()).toEqual(c.ir.params.map((p) => p.name).sort());
  });

  it.each(BACKENDS)('gives the tfjs outputs and losses on the tfjs weights (safetensors tfjs → PyTorch), tfjs on %s', async (b) => {
    const torch = await readTensors(join(c.dir, 'torch-outputs.safetensors'));
    const tfjs = c.tfjsOutputs.get(b)!;
    expect([...torch.keys()].sort()).toEqual([...tfjs.keys()].sort());
    let worst = 0;
    for (const [name, want] of tfjs) {
      const d = maxAbsDiff(torch.get(name)!.data, want);
      expect(d, `${name}`).toBeLessThanOrEqual(TOLERANCE);
      worst = Math.max(worst, d);
    }
    measured.push(`${c.ir.name} (${b}) ${worst.toExponential(1)}`);
  });

  if (c.ir.losses.length > 0) it.each(BACKENDS)('computes the gradients tfjs computes (≤ 1e-4 of each parameter\'s largest gradient), tfjs on %s', async (b) => {
    const torch = await readTensors(join(c.dir, 'torch-grads.safetensors'));
    let worst = 0;
    for (const p of c.ir.params.filter((q) => !q.buffer)) {
      const want = c.tfjsGrads.get(b)!.get(p.name)!;
      const scale = Math.max(1e-3, ...Array.from(want, Math.abs)); // (a floor for parameters with almost no gradient)
      const d = maxAbsDiff(torch.get(p.name)!.data, want) / scale;
      expect(d, p.name).toBeLessThanOrEqual(GRAD_TOLERANCE);
      worst = Math.max(worst, d);
    }
    gradMeasured.push(`${c.ir.name} (${b}) ${worst.toExponential(1)}`);
  });


  it('loads weights saved by PyTorch into tfjs with the same outputs (safetensors PyTorch → tfjs)', async () => {
    const model = models.get(c.ir.name)!;
    await importSafetensors(model, join(c.dir, 'torch.safetensors'));
    const saved = await readTensors(join(c.dir, 'torch.safetensors'));
    const w = model.getWeights();
    for (const p of c.ir.params) expect(maxAbsDiff(w[p.name].dataSync(), saved.get(p.name)!.data)).toBe(0);
    const inputs = new Map([...(await readTensors(join(c.dir, 'inputs.safetensors')))].map(([k, v]) => {
      const ir = c.ir.values[c.ir.inputs.find((i) => i.name === k)!.value];
      return [k, { ...v, dtype: (ir.dtype === 'int32' ? 'int32' : 'float32') as 'int32' | 'float32' }];
    }));
    const mine = predictAll(model, inputs);
    const torch = await readTensors(join(c.dir, 'torch-seeded-outputs.safetensors'));
    for (const [name, want] of torch) expect(maxAbsDiff(mine.get(name)!, want.data), name).toBeLessThanOrEqual(TOLERANCE);
  });
});
