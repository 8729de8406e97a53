/**
 * The ONNX target against the tfjs executor: every tiny model of the shipped specs and every model
 * of the parity fixtures (test/fixtures/parity/*.tfm) is exported with the tfjs model's weights,
 * run in onnxruntime-node at two different batch and sequence sizes (one session: the axes are
 * dynamic), and must agree with tfjs to 1e-4 (max abs difference); every exported file then passes
 * onnx.checker.check_model (full check, /usr/bin/python3 with Debian's python3-onnx).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardValues, LOWERINGS } from '../../../src/backends/onnx/index.js';
import { buildModel, selectBackend } from '../../../src/tfjs.js';
import { loadIR, maxAbsDiff, ROOT } from '../tfjs/helpers.js';
import { randomInputs } from '../tfjs/random-inputs.js';
import { checkModels, exportTo, forwardInputNames, toOrt, twoSizes } from './helpers.js';

const TOL = 1e-4;

/**
 * The models: the tiny ones of the shipped specs (docs/language.md §12), all of the parity
 * fixtures, losses written as outputs, and the std blocks and ops none of those reach.
 */
function models(): Array<{ spec: string; model: string }> {
  const out: Array<{ spec: string; model: string }> = [];
  const declared = (file: string) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/^model\s+(\w+)/gm)].map((m) => m[1]);
  for (const f of readdirSync(join(ROOT, 'specs')).filter((f) => f.endsWith('.tfm')).sort()) {
    for (const model of declared(`specs/${f}`).filter((m) => m.endsWith('Tiny'))) out.push({ spec: `specs/${f}`, model });
  }
  for (const f of readdirSync(join(ROOT, 'test/fixtures/parity')).filter((f) => f.endsWith('.tfm')).sort()) {
    for (const model of declared(`test/fixtures/parity/${f}`)) out.push({ spec: `test/fixtures/parity/${f}`, model });
  }
  out.push({ spec: 'test/fixtures/onnx/loss-outputs.tfm', model: 'LossOutputs' });
  out.push({ spec: 'test/fixtures/onnx/std-definitions.tfm', model: 'StdDefinitions' });
  out.push({ spec: 'test/fixtures/onnx/ops-extra.tfm', model: 'OpsExtra' });
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'tfmc-onnx-'));
const written: string[] = [];
const measured: string[] = [];

beforeAll(async () => {
  await selectBackend('cpu');
});

afterAll(() => {
  if (measured.length) console.log(`ONNX vs tfjs, max differences:\n  ${measured.join('\n  ')}`);
  rmSync(dir, { recursive: true, force: true });
});

describe('ONNX models match tfjs in onnxruntime-node', () => {
  const cases = models();

  it('cover every tiny shipped model, and every op the target lowers but CTC', () => {
    const ops = new Set(cases.flatMap((c) => {
      const ir = loadIR(c.spec, c.model);
      const needed = forwardValues(ir);
      return ir.nodes.filter((n) => n.outputs.some((o) => needed.has(o))).map((n) => n.op);
    }));
    expect([...LOWERINGS.keys()].filter((op) => !ops.has(op))).toEqual(['ctc_loss']);
    const names = cases.map((c) => c.model);
    for (const tiny of ['TransformerTiny', 'BertTiny', 'Gpt2Tiny', 'T5Tiny', 'VitTiny', 'SpeechTiny', 'LstmSeq2SeqTiny', 'MixtralTiny', 'SwinTiny', 'ConformerTiny', 'PerceiverIOTiny']) {
      expect(names).toContain(tiny);
    }
  });

  for (const c of cases) {
    it(`${c.model} (${c.spec})`, async () => {
      const ir = loadIR(c.spec, c.model);
      const model = buildModel(ir, { seed: 7 });
      try {
        const { path } = exportTo(model, dir);
        written.push(path);
        const session = await ort.InferenceSession.create(path);
        expect([...session.inputNames].sort()).toEqual(forwardInputNames(ir).sort());
        expect([...session.outputNames]).toEqual(ir.outputs.map((o) => o.name));
        const report: string[] = [];
        for (const [i, sizes] of twoSizes(model).entries()) {
          const inputs = randomInputs(ir, { sizes, seed: 11 + i, names: forwardInputNames(ir) });
          try {
            const want = model.forward(inputs, { outputs: model.outputNames });
            const got = await session.run(Object.fromEntries(Object.entries(inputs).map(([n, t]) => [n, toOrt(t)])));
            let worst = 0;
            for (const o of ir.outputs) {
              const w = want[o.name];
              const g = got[o.name];
              expect(g.dims, `${o.name} at ${JSON.stringify(sizes)}`).toEqual(w.shape);
              expect(g.type, `${o.name} dtype`).toBe(w.dtype === 'bool' ? 'bool' : w.dtype);
              const d = maxAbsDiff(Array.from(g.data as ArrayLike<number>, Number), Array.from(w.dataSync(), Number));
              expect(d, `${o.name} at ${JSON.stringify(sizes)}: max abs difference`).toBeLessThanOrEqual(TOL);
              worst = Math.max(worst, d);
            }
            tf.dispose(Object.values(want));
            report.push(`${JSON.stringify(sizes)} ${worst.toExponential(1)}`);
          } finally {
            tf.dispose(Object.values(inputs));
          }
        }
        await session.release();
        measured.push(`${c.model}: ${report.join(', ')}`);
      } finally {
        model.dispose();
      }
    });
  }

  it('pass onnx.checker.check_model', () => {
    expect(written.length).toBe(cases.length);
    const report = checkModels(written);
    expect(report.trim().split('\n')).toHaveLength(written.length);
    expect(report).toContain('opset 17');
  });
});
