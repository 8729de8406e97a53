/**
 * What the ONNX target writes, read back with its own schema: every IR op has a lowering, the
 * graph's inputs, outputs and dynamic sizes are the spec's, parameters keep their names, and large
 * initializers move to the side file.
 */
import { describe, expect, it } from 'vitest';
import { decodeModel, emitOnnx, LOWERINGS, OnnxExportError } from '../../../src/backends/onnx/index.js';
import { KERNELS } from '../../../src/ir/ops/index.js';
import { loadIR } from '../tfjs/helpers.js';

/** Deterministic weights: parameter i holds i + 1 everywhere. */
function weights(ir: ReturnType<typeof loadIR>) {
  return (name: string) => {
    const i = ir.params.findIndex((p) => p.name === name);
    return new Float32Array(ir.params[i].shape.reduce((a, b) => a * b, 1)).fill(i + 1);
  };
}

describe('the ONNX target', () => {
  it('has a lowering for every IR op that has a kernel', () => {
    expect([...KERNELS.keys()].filter((op) => !LOWERINGS.has(op))).toEqual([]);
  });

  it('names and types inputs and outputs as the spec does, with dynamic batch and sequence sizes', () => {
    const ir = loadIR('specs/gpt2.tfm', 'Gpt2Tiny');
    const model = decodeModel(emitOnnx(ir, { weight: weights(ir) }).model);
    // The default domain is the empty string, which protobuf leaves off the wire.
    expect(model.opsetImport.map((o) => [o.domain ?? '', o.version])).toEqual([['', 17]]);
    expect(model.irVersion).toBe(8);
    expect(model.graph.input).toEqual([{ name: 'ids', type: { tensorType: { elemType: 6, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }] } } } }]);
    expect(model.graph.output).toEqual([{ name: 'logits', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: 100 }] } } } }]);
    const names = new Set(model.graph.initializer.map((t) => t.name));
    for (const p of ir.params) expect(names.has(p.name), p.name).toBe(true);
    const wte = model.graph.initializer.find((t) => t.name === 'wte.weight')!;
    expect(wte.dims).toEqual([100, 32]);
    expect(new Float32Array(new Uint8Array(wte.rawData!).buffer)[0]).toBe(ir.params.findIndex((p) => p.name === 'wte.weight') + 1);
  });

  it('moves initializers of at least minBytes to the side file, aligned, and keeps the rest inline', () => {
    const ir = loadIR('specs/gpt2.tfm', 'Gpt2Tiny');
    const minBytes = 4 * 32 * 32; // the 32×32 and larger matrices
    const out = emitOnnx(ir, { weight: weights(ir), externalData: { fileName: 'm.onnx.data', minBytes } });
    const model = decodeModel(out.model);
    const moved = model.graph.initializer.filter((t) => t.dataLocation === 1);
    expect(moved.length).toBeGreaterThan(0);
    let end = 0;
    for (const t of moved) {
      const entry = Object.fromEntries(t.externalData!.map((e) => [e.key, e.value]));
      expect(entry.location).toBe('m.onnx.data');
      expect(Number(entry.offset) % 64).toBe(0);
      expect(Number(entry.length)).toBe(4 * t.dims.reduce((a, b) => a * b, 1));
      expect(Number(entry.length)).toBeGreaterThanOrEqual(minBytes);
      expect(t.rawData).toBeUndefined();
      // The side file holds the parameter's values where the entry says.
      const bytes = out.external!.slice(Number(entry.offset), Number(entry.offset) + Number(entry.length));
      expect(new Float32Array(bytes.buffer)[0]).toBe(ir.params.findIndex((p) => p.name === t.name) + 1);
      end = Math.max(end, Number(entry.offset) + Number(entry.length));
    }
    expect(out.external!.length).toBe(end);
    for (const t of model.graph.initializer.filter((t) => t.dataLocation !== 1)) expect(t.rawData!.length).toBeLessThan(minBytes);
  });

  it('leaves out the inputs only losses read (labels)', () => {
    const ir = loadIR('test/fixtures/parity/layers.tfm', 'LayerCtc');
    const model = decodeModel(emitOnnx(ir, { weight: weights(ir) }).model);
    expect(model.graph.input.map((i) => i.name)).toEqual(['features']);
    expect(model.graph.output.map((o) => o.name)).toEqual(['probs']);
  });

  it('reports each op with no ONNX form as TFM7001 at the op, naming it', () => {
    const ir = loadIR('test/fixtures/onnx/ctc-output.tfm', 'CtcOutput');
    let error: unknown;
    try {
      emitOnnx(ir, { weight: weights(ir) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OnnxExportError);
    const [d, ...more] = (error as OnnxExportError).diagnostics;
    expect(more).toEqual([]);
    expect(d.code).toBe('TFM7001');
    expect(d.message).toContain('`ctc_loss`');
    expect(d.primary.file).toMatch(/ctc-output\.tfm$/);
    expect(d.primary.span.start.line).toBe(11);
  });
});
