/**
 * Numerical parity with PyTorch. The fixtures (test/fixtures/parity/*.json, made by
 * scripts/parity/make_fixtures.py) hold random weights, inputs, the PyTorch outputs, loss and
 * gradients of the loss with respect to every parameter. The same weights are loaded into the
 * model tfmc compiles from the same spec; outputs must agree to 1e-4 (max abs difference) and
 * gradients to 1e-3 relative (max abs difference over the parameter's largest reference
 * gradient, that scale floored at 1% of the case's largest gradient). Runs on `cpu` always and
 * on `wasm` when it loads.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, selectBackend, type BackendName } from '../../../src/tfjs.js';
import { relativePositionBucket } from '../../../src/runtime/index.js';
import { decode, decodeArray, loadIR, maxAbs, maxAbsDiff, PARITY_DIR, parityCases } from './helpers.js';

const OUTPUT_TOL = 1e-4;
const GRAD_REL_TOL = 1e-3;

const cases = parityCases();
const measured: string[] = [];

async function available(name: BackendName): Promise<boolean> {
  try {
    await selectBackend(name);
    return true;
  } catch {
    return false;
  }
}

describe('T5 relative position buckets', () => {
  const { tables } = JSON.parse(readFileSync(join(PARITY_DIR, 'relative_buckets.json'), 'utf8')) as {
    tables: Array<{ bidirectional: boolean; buckets: number; max_distance: number; from: number; values: number[] }>;
  };
  for (const t of tables) {
    it(`equal PyTorch's (bidirectional ${t.bidirectional}, ${t.buckets} buckets, max distance ${t.max_distance})`, () => {
      const ours = t.values.map((_, i) => relativePositionBucket(t.from + i, t.bidirectional, t.buckets, t.max_distance));
      expect(ours).toEqual(t.values);
    });
  }
});

describe('parity fixtures', () => {
  it('cover the required cases', () => {
    const names = cases.map((c) => c.case);
    const required = ['mha_plain', 'mha_causal', 'mha_padding', 'mha_causal_padding', 'encoder_post', 'encoder_pre', 'decoder_cross', 'gpt2_tiny'];
    for (const want of required) {
      expect(names).toContain(want);
    }
  });
  for (const c of cases) {
    it(`${c.case}: parameter names and shapes equal the IR's`, () => {
      const ir = loadIR(c.spec, c.model);
      const fromIR = Object.fromEntries(ir.params.map((p) => [p.name, p.shape]));
      const fromTorch = Object.fromEntries(Object.entries(c.params).map(([n, t]) => [n, t.shape]));
      expect(fromTorch).toEqual(fromIR);
    });
  }
});

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`parity with PyTorch on ${backend}`, () => {
    // Both backends ship in the package (the wasm binaries are read from node_modules): a
    // backend that does not load is a failure, never a skip.
    beforeAll(async () => {
      if (!(await available(backend))) throw new Error(`the ${backend} backend did not load`);
    });

    for (const c of cases) {
      it(c.case, () => {
        const ir = loadIR(c.spec, c.model);
        const model = buildModel(ir, { seed: 1 });
        const inputs: Record<string, tf.Tensor> = {};
        try {
          const weights = Object.fromEntries(Object.entries(c.params).map(([n, t]) => [n, decode(t)]));
          model.setWeights(weights);
          tf.dispose(Object.values(weights));
          for (const [n, t] of Object.entries(c.inputs)) inputs[n] = decode(t);

          // Outputs (inference: dropout off), with every intermediate shape checked against the IR.
          const outs = model.forward(inputs, { outputs: Object.keys(c.outputs), checkShapes: true });
          let outDiff = 0;
          for (const [name, want] of Object.entries(c.outputs)) {
            const got = outs[name];
            expect(got.shape, `${name} shape`).toEqual(want.shape);
            const d = maxAbsDiff(got.dataSync(), decodeArray(want));
            expect(d, `${name}: max abs difference`).toBeLessThanOrEqual(OUTPUT_TOL);
            outDiff = Math.max(outDiff, d);
          }
          tf.dispose(Object.values(outs));

          // The losses, and the gradients of their sum with respect to every parameter.
          const lossNames = Object.keys(c.losses);
          expect(lossNames.sort()).toEqual(ir.losses.map((l) => l.name).sort());
          const vars = [...model.variables.values()];
          const paramOf = new Map([...model.variables].map(([n, v]) => [v.name, n]));
          let lossDiff = 0;
          const { value, grads } = tf.variableGrads(() => {
            const losses = model.forward(inputs, { outputs: lossNames });
            for (const name of lossNames) {
              const d = Math.abs(losses[name].dataSync()[0] - c.losses[name]);
              expect(d, `loss ${name}`).toBeLessThanOrEqual(OUTPUT_TOL * Math.max(1, Math.abs(c.losses[name])));
              lossDiff = Math.max(lossDiff, d);
            }
            return tf.addN(lossNames.map((n) => losses[n])) as tf.Scalar;
          }, vars);
          let gradRel = 0;
          // A parameter whose gradient is zero in exact arithmetic (e.g. the key bias: softmax
          // ignores a shift shared by all keys) has a reference of rounding noise; its scale is
          // floored at a hundredth of the case's largest gradient.
          const floor = 0.01 * Math.max(...Object.values(c.grads).map((g) => maxAbs(decodeArray(g))));
          for (const [varName, g] of Object.entries(grads)) {
            const param = paramOf.get(varName)!;
            const want = decodeArray(c.grads[param]);
            const scale = Math.max(maxAbs(want), floor);
            const rel = maxAbsDiff(g.dataSync(), want) / scale;
            expect(rel, `gradient of ${param}: max abs difference / max |reference| (scale ${scale})`).toBeLessThanOrEqual(GRAD_REL_TOL);
            gradRel = Math.max(gradRel, rel);
          }
          expect(Object.keys(grads).length).toBe(ir.params.length);
          tf.dispose([value, ...Object.values(grads)]);
          measured.push(`${backend} ${c.case}: outputs ${outDiff.toExponential(2)}, loss ${lossDiff.toExponential(2)}, gradients (relative) ${gradRel.toExponential(2)}`);
        } finally {
          tf.dispose(Object.values(inputs));
          model.dispose();
        }
      });
    }
  });
}

afterAll(() => {
  if (measured.length) console.log(`parity, max differences:\n  ${measured.join('\n  ')}`);
});
