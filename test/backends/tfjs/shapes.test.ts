/**
 * Shapes are true: every shipped spec's tiny variant (and the examples, shrunk with config
 * overrides) runs forward on `cpu`, every intermediate tensor's runtime shape equals the shape
 * the checker inferred (`checkShapes`), and every output's shape equals the IR's shape evaluated
 * at the actual batch and sequence lengths.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel, selectBackend } from '../../../src/tfjs.js';
import { evalDim, resolve } from '../../../src/ir/dims.js';
import { checkFile, checkSource } from '../../../src/index.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { ROOT } from './helpers.js';

/** Sizes for symbolic dims: batch 2, and distinct lengths for the others (below every bound). */
const LENGTHS = [7, 5, 6, 9, 4];

function randomInputs(ir: ModelIR, seed: number): { inputs: Record<string, tf.Tensor>; env: Map<string, number> } {
  const env = new Map<string, number>();
  let next = 0;
  const inputs: Record<string, tf.Tensor> = {};
  for (const input of ir.inputs) {
    const v = ir.values[input.value];
    const shape = v.shape.map((d) => {
      const r = resolve(d);
      if (r.kind === 'const') return r.value;
      if (r.kind !== 'sym') throw new Error(`input ${input.name} has a derived dim`);
      if (!env.has(r.name)) env.set(r.name, r.name === 'batch' ? 2 : (r.name === 'frames' ? 11 : LENGTHS[next++ % LENGTHS.length]));
      return env.get(r.name)!;
    });
    // ids and labels in {0, 1}: valid for every vocabulary, class count and segment table.
    inputs[input.name] = v.dtype === 'int32' ? tf.randomUniform(shape, 0, 2, 'int32', seed) : tf.randomNormal(shape, 0, 1, 'float32', seed);
  }
  return { inputs, env };
}

interface Case {
  file: string;
  model: string;
  overrides?: Record<string, string>;
}

const cases: Case[] = readdirSync(join(ROOT, 'specs'))
  .filter((f) => f.endsWith('.tfm'))
  .sort()
  .flatMap((f) => checkFile(join(ROOT, 'specs', f)).models.filter((m) => m.name.endsWith('Tiny')).map((m) => ({ file: `specs/${f}`, model: m.name })));
cases.push(
  { file: 'examples/llama-style.tfm', model: 'TinyLlama', overrides: { vocab: '100', ctx: '64', d_model: '32', heads: '4', kv_heads: '2', layers: '2', d_ff: '64' } },
  { file: 'examples/speech-conformer.tfm', model: 'ConformerSpeech', overrides: { d_model: '32', layers: '1' } },
);

describe('runtime shapes equal the inferred shapes (cpu)', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('every shipped spec has a tiny variant here', () => {
    expect(cases.filter((c) => c.file.startsWith('specs/')).length).toBeGreaterThanOrEqual(7);
  });

  for (const c of cases) {
    it(`${c.file} ${c.model}`, () => {
      // Shrunk examples no longer meet their `expect params == …` lines: drop those.
      const path = join(ROOT, c.file);
      const r = c.overrides
        ? checkSource(readFileSync(path, 'utf8').replace(/^\s*expect params == [\d_]+\s*$/gm, ''), path, { overrides: c.overrides })
        : checkFile(path);
      expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
      const ir = r.models.find((m) => m.name === c.model)!;
      const model = buildModel(ir, { seed: 3 });
      const { inputs, env } = randomInputs(ir, 5);
      try {
        const out = model.forward(inputs, { checkShapes: true });
        const expected = [...ir.outputs, ...ir.losses];
        expect(Object.keys(out).sort()).toEqual(expected.map((o) => o.name).sort());
        for (const o of expected) {
          const want = ir.values[o.value].shape.map((d) => evalDim(d, (s) => env.get(s)));
          expect(want.every((d) => d !== undefined), `${o.name}: the inferred shape is fully known`).toBe(true);
          expect(out[o.name].shape, o.name).toEqual(want);
          const data = out[o.name].dataSync();
          expect(data.every((x) => Number.isFinite(x)), `${o.name} is finite`).toBe(true);
        }
        tf.dispose(Object.values(out));
      } finally {
        tf.dispose(Object.values(inputs));
        model.dispose();
      }
    });
  }
});
