/**
 * The step-wise plan (src/ir/incremental.ts) reads only the last position of the outputs, so it
 * cuts to the last row the inputs of the ops between the last mixing of positions and the output
 * (the head, the final norm, the last layer's MLP and queries) and nothing that must stay whole:
 * the keys and values (the cache), the rows a prefix mask counts, a bias over the keys. On a
 * prompt the head then runs on one row; the logits stay those of full recomputation
 * (test/backends/tfjs/generate/*).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, selectBackend, type CompiledModel } from '../../src/tfjs.js';
import { decodingRoles } from '../../src/backends/tfjs/generate/index.js';
import { createStepper } from '../../src/backends/tfjs/generate/steppers.js';
import { planIncremental, type IncrementalPlan } from '../../src/ir/incremental.js';

const models: CompiledModel[] = [];
beforeAll(async () => {
  await selectBackend('cpu');
});
afterAll(() => models.forEach((m) => m.dispose()));

const lm = (mask: string) => `model Lm {
  config { vocab = 41  ctx = 32  d_model = 16  heads = 2  layers = 2 }
  input ids: int32[batch, seq] where seq <= ctx
  let wte = Embedding(vocab, d_model)
  let wpe = PositionEmbedding(ctx, d_model, kind: learned)
  let blocks = repeat layers { DecoderLayer(d_model, heads, norm: pre, activation: gelu_tanh, dropout: 0.0) }
  let norm = LayerNorm(d_model)
  output logits = Linear(vocab)(norm(blocks(wte(ids) + wpe(ids), self_mask: ${mask})))
}`;

async function planOf(spec: string): Promise<{ plan: IncrementalPlan; model: CompiledModel }> {
  const model = await compile(spec, { model: 'Lm', seed: 2 });
  models.push(model);
  const roles = decodingRoles(model.executor);
  const plan = planIncremental(model.executor.ir, model.executor.planFor([roles.output]).nodes, roles.timeInput, [roles.output.value]);
  if (!plan.ok) throw new Error(plan.reason);
  return { plan, model };
}

/** The ops whose input `i` is cut to the last row, with the layer (module path) they are in. */
function cuts(plan: IncrementalPlan): string[] {
  return plan.nodes.flatMap((s) => s.needs.flatMap((need, i) => (need === 'last' ? [`${s.node.op}#${i} ${s.node.module.replace(/\.\w+$/, '')}`] : [])));
}

describe('the step-wise plan cuts to the last position what only the logits read', () => {
  it("cuts the head, the final norm and the last layer's MLP and queries; keeps the keys and values whole", async () => {
    const { plan } = await planOf(lm('causal'));
    const cut = cuts(plan);
    const ops = (s: IncrementalPlan['nodes'][number]) => s.node.op;
    const head = plan.nodes.find((s) => ops(s) === 'linear' && s.node.module.startsWith('logits'));
    expect(head?.needs[0]).toBe('last');
    expect(plan.nodes.find((s) => ops(s) === 'layer_norm' && s.node.module.startsWith('norm'))?.needs[0]).toBe('last');
    // Only the last layer: the first one's output is every key of the second.
    expect(cut.some((c) => c.includes('blocks.0'))).toBe(false);
    expect(cut.some((c) => /^matmul#0 .*blocks\.1/.test(c))).toBe(true); // queries · keys, on the last query
    // Never a history (the cache needs every new row), never a key side.
    for (const s of plan.nodes) {
      s.node.inputs.forEach((id, i) => {
        if (s.needs[i] === 'last') expect(plan.histories.has(id)).toBe(false);
      });
      if (ops(s) === 'matmul') expect(s.needs[1]).not.toBe('last');
    }
  });

  it('does not cut the scores a prefix mask reads (it counts the cached positions from the rows)', async () => {
    const { plan } = await planOf(lm('prefix(3)'));
    expect(plan.nodes.find((s) => s.node.op === 'masked')?.needs[0]).not.toBe('last');
    expect(plan.nodes.find((s) => s.node.op === 'linear' && s.node.module.startsWith('logits'))?.needs[0]).toBe('last');
  });

  it('runs the head on one row of a six-token prompt, with the logits of full recomputation', async () => {
    const { model } = await planOf(lm('causal'));
    const roles = decodingRoles(model.executor);
    const setup = { model: model.executor, timeInput: roles.timeInput, output: roles.output, sources: {} };
    const cached = createStepper(setup, true);
    const full = createStepper(setup, false);
    const prompt = [[3, 1, 4, 1, 5, 9], [2, 7, 1, 8, 2, 8]];
    let a: tf.Tensor2D | undefined;
    const info = await tf.profile(() => (a = cached.next(prompt)));
    // Every product with the vocabulary as its output width ran on one position per row.
    const head = info.kernels.filter((k) => /MatMul/.test(k.name) && k.outputShapes[0].at(-1) === 41);
    expect(head.length).toBeGreaterThan(0);
    for (const k of head) expect(k.outputShapes[0].reduce((x, y) => x * y, 1)).toBe(2 * 41);
    const b = full.next(prompt);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a!, b))).dataSync()[0])).toBeLessThan(2e-5);
    tf.dispose([a!, b]);
    cached.dispose();
    full.dispose();
  });
});
