/**
 * Shapes are true, for random valid specs: fast-check builds specs of every architecture family
 * (BERT-like encoders with a head, GPT-like decoders, Llama-like decoders with GQA and RoPE,
 * encoder-decoders with cross-attention, T5-like with relative position bias, ViT-like with
 * patches and [CLS], speech-like with a conv front-end, RNN/LSTM/GRU models) with random sizes
 * (d_model = heads·d_k, 1–3 layers, vocabularies, context lengths), norms and activations; each
 * one checks clean, runs forward on `cpu` with random batch and sequence sizes, and
 *
 *  - every value of the IR has a shape the checker fully knows once the input sizes are bound,
 *  - every node runs (the outputs and losses need the whole graph) and every tensor it computes
 *    has that shape (`forward(..., { checkShapes: true })`),
 *  - the outputs have the shape the generator meant (`logits` is `[batch, seq, vocab]`), an
 *    independent check of the checker's inference.
 *
 * A failure prints the generated spec and sizes. The generators are in `spec-generators.ts`
 * (fixed seed; `TFMC_PROPERTY_SEED=<n>` or `random`, and `TFMC_PROPERTY_RUNS=<n>`, explore further).
 */
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, selectBackend } from '../../../src/tfjs.js';
import { evalDim } from '../../../src/ir/dims.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { checkSource } from '../../../src/index.js';
import { randomInputs } from './random-inputs.js';
import { FAMILIES, runParameters, type Case } from './spec-generators.js';

/** The nodes that no output or loss needs (the test wants none: every tensor is checked). */
function deadNodes(ir: ModelIR): string[] {
  const needed = new Set<number>();
  const stack = [...ir.outputs, ...ir.losses].map((o) => o.value);
  const byId = new Map(ir.nodes.map((n) => [n.id, n]));
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    const p = byId.get(ir.values[id].producer);
    if (p) stack.push(...p.inputs);
  }
  return ir.nodes.filter((n) => !n.outputs.some((o) => needed.has(o))).map((n) => `${n.op} in \`${n.module}\``);
}

function runCase(c: Case): void {
  const r = checkSource(c.spec, 'gen.tfm');
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (c.rejectedWith) {
    if (!errors.length || errors.some((d) => d.code !== c.rejectedWith)) {
      throw new Error(`the checker should reject this spec with ${c.rejectedWith}, but it reported [${errors.map((d) => `${d.code} ${d.message}`).join('; ')}]`);
    }
    return;
  }
  if (errors.length) throw new Error(`the generated spec does not check:\n${errors.map((d) => `${d.code} ${d.primary.span.start.line}:${d.primary.span.start.column} ${d.message}`).join('\n')}`);
  const ir = r.models[0];

  // The checker knows every shape once the input sizes are bound.
  const env = (s: string) => c.sizes[s];
  for (const v of ir.values) {
    if (v.dtype === 'mask') continue;
    const shape = v.shape.map((d) => evalDim(d, env));
    if (shape.some((d) => d === undefined || !Number.isInteger(d) || d < 0)) {
      throw new Error(`value ${v.id}${v.name ? ` (${v.name})` : ''} has the inferred shape [${shape.join(', ')}], not fully known from the input sizes`);
    }
  }
  const dead = deadNodes(ir);
  if (dead.length) throw new Error(`nodes that no output or loss needs (not run, so not checked): ${dead.join(', ')}`);

  const model = buildModel(ir, { seed: 1 });
  const inputs = randomInputs(ir, { sizes: c.sizes, seed: 2 });
  try {
    // checkShapes: every node's outputs are compared with the IR's shapes at these sizes.
    const out = model.forward(inputs, { checkShapes: true, outputs: [...model.outputNames, ...model.lossNames] });
    try {
      for (const [name, want] of Object.entries(c.outputs)) {
        if (!out[name]) throw new Error(`no output \`${name}\``);
        if (out[name].shape.join() !== want.join()) throw new Error(`output \`${name}\` is [${out[name].shape.join(', ')}], the generator expected [${want.join(', ')}]`);
        const irShape = ir.values[ir.outputs.find((o) => o.name === name)!.value].shape.map((d) => evalDim(d, env));
        if (irShape.join() !== want.join()) throw new Error(`output \`${name}\` is inferred as [${irShape.join(', ')}], the generator expected [${want.join(', ')}]`);
      }
      for (const loss of model.lossNames) if (out[loss].rank !== 0) throw new Error(`loss \`${loss}\` is not a scalar`);
    } finally {
      tf.dispose(Object.values(out));
    }
  } finally {
    tf.dispose(Object.values(inputs));
    model.dispose();
  }
}

describe('shapes are true for random valid specs (cpu)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  for (const [title, arb, factor = 1] of FAMILIES) {
    it(`${title}: every tensor's runtime shape is the inferred shape`, () => {
      const before = tf.memory().numTensors;
      fc.assert(
        fc.property(arb, (c) => {
          try {
            runCase(c);
          } catch (e) {
            // Shown with fast-check's counterexample: the spec as a user would read it.
            throw new Error(`${(e as Error).message}\n--- ${c.family} spec, run with ${JSON.stringify(c.sizes)} ---\n${c.spec}`);
          }
        }),
        runParameters(factor),
      );
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
