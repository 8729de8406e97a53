/** Shared by the ONNX target's tests: exporting a tfjs model's weights, input sizes that fit a model, running onnxruntime. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { emitOnnx, forwardValues, type OnnxModel } from '../../../src/backends/onnx/index.js';
import type { TfjsModel } from '../../../src/backends/tfjs/executor.js';
import { resolve } from '../../../src/ir/dims.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { randomInputs } from '../tfjs/random-inputs.js';

/** The ONNX model of a tfjs model with its current weights, written to `dir/<name>.onnx` (and its side file). */
export function exportTo(model: TfjsModel, dir: string, external?: { minBytes: number }): { path: string; onnx: OnnxModel } {
  const path = join(dir, `${model.ir.name}.onnx`);
  const fileName = `${model.ir.name}.onnx.data`;
  const onnx = emitOnnx(model.ir, {
    weight: (name) => model.variables.get(name)!.dataSync() as Float32Array,
    externalData: external ? { fileName, minBytes: external.minBytes } : undefined,
  });
  writeFileSync(path, onnx.model);
  if (onnx.external) writeFileSync(join(dir, fileName), onnx.external);
  return { path, onnx };
}

/** The symbolic sizes of the forward graph's inputs. */
export function inputSymbols(ir: ModelIR): string[] {
  const needed = forwardValues(ir);
  const names = new Set<string>();
  for (const input of ir.inputs.filter((i) => needed.has(i.value))) {
    for (const d of ir.values[input.value].shape) {
      const r = resolve(d);
      if (r.kind === 'sym') names.add(r.name);
    }
  }
  return [...names];
}

/** Sizes tried for the axes other than the batch, smallest first (strided convolutions and windows need some). */
const CANDIDATES = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 20, 24, 32];

/**
 * Two different sets of sizes the model runs with in tfjs, batch 2 then 3, each other axis its
 * own size (so that two axes mixed up would show): the first fitting run of candidates, then a
 * later one.
 */
export function twoSizes(model: TfjsModel): Array<Record<string, number>> {
  const others = inputSymbols(model.ir).filter((s) => s !== 'batch');
  const names = forwardInputNames(model.ir);
  const runs = (sizes: Record<string, number>) => {
    const inputs = randomInputs(model.ir, { sizes, seed: 1, names });
    try {
      tf.dispose(Object.values(model.forward(inputs, { outputs: model.outputNames })));
      return true;
    } catch {
      return false;
    } finally {
      tf.dispose(Object.values(inputs));
    }
  };
  const found: Array<Record<string, number>> = [];
  let start = 0;
  for (const batch of [2, 3]) {
    for (; start + others.length <= CANDIDATES.length; start++) {
      const sizes: Record<string, number> = { batch, ...Object.fromEntries(others.map((s, j) => [s, CANDIDATES[start + j]])) };
      if (runs(sizes)) break;
    }
    if (start + others.length > CANDIDATES.length) throw new Error(`no sizes fit ${model.ir.name} (${others.join(', ')})`);
    found.push({ batch, ...Object.fromEntries(others.map((s, j) => [s, CANDIDATES[start + j]])) });
    start++;
  }
  return found;
}

export function forwardInputNames(ir: ModelIR): string[] {
  const needed = forwardValues(ir);
  return ir.inputs.filter((i) => needed.has(i.value)).map((i) => i.name);
}

/** A tfjs tensor as an onnxruntime tensor of the same dtype (bool as bool). */
export function toOrt(t: tf.Tensor): ort.Tensor {
  const data = t.dataSync();
  if (t.dtype === 'bool') return new ort.Tensor('bool', Uint8Array.from(data as Uint8Array), t.shape);
  if (t.dtype === 'int32') return new ort.Tensor('int32', Int32Array.from(data as Int32Array), t.shape);
  return new ort.Tensor('float32', Float32Array.from(data as Float32Array), t.shape);
}

/** Runs onnx.checker.check_model (full check, with shape inference) on each file; returns its report (one line per model). */
export function checkModels(paths: string[]): string {
  const script = [
    'import sys, onnx',
    'for p in sys.argv[1:]:',
    '    onnx.checker.check_model(p, full_check=True)',
    '    m = onnx.load(p, load_external_data=False)',
    '    print(p.rsplit("/", 1)[-1], "ok: opset", m.opset_import[0].version, "ir", m.ir_version)',
  ].join('\n');
  return execFileSync('/usr/bin/python3', ['-c', script, ...paths], { encoding: 'utf8' });
}
