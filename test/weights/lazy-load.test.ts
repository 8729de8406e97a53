/**
 * Building a model from a safetensors file without random initialisation (`compile(spec, {
 * weights })`), the in-place file reader behind it, and `filledTensor` on each backend: the
 * values are the file's exactly, the random initialisation of parameters that are not given is
 * unchanged (same seeds), and a bad file leaves nothing allocated.
 */
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backends/tfjs/backend.js';
import { buildModel } from '../../src/backends/tfjs/executor.js';
import { filledTensor } from '../../src/backends/tfjs/filled-tensor.js';
import { compile } from '../../src/index.js';
import { exportSafetensors, importSafetensors, WeightsFileError, writeSafetensors } from '../../src/weights/exchange.js';
import { decodeSafetensors } from '../../src/weights/safetensors.js';
import { SafetensorsReader } from '../../src/weights/safetensors-file.js';

const SPEC = join(import.meta.dirname, '../../specs/gpt2.tfm');
let dir: string;
let file: string;
let expected: Record<string, number[]>;

function snapshot(weights: Record<string, tf.Tensor>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-lazy-'));
  file = join(dir, 'tiny.safetensors');
  const m = await compile(SPEC, { model: 'Gpt2Tiny', seed: 5, backend: 'cpu' });
  await exportSafetensors(m, file);
  expected = snapshot(m.getWeights());
  m.dispose();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(['cpu', 'wasm'] as const)('compile(spec, { weights }) on %s', (backend) => {
  it('builds the model with the file values, the same as compiling and importing', async () => {
    const direct = await compile(SPEC, { model: 'Gpt2Tiny', seed: 9, backend, weights: file });
    const imported = await compile(SPEC, { model: 'Gpt2Tiny', seed: 9, backend });
    await importSafetensors(imported, file);
    expect(snapshot(direct.getWeights())).toEqual(expected);
    expect(snapshot(imported.getWeights())).toEqual(expected);
    const ids = [[1, 2, 3, 4]];
    const [a, b] = [direct, imported].map((m) => m.predict({ ids }).logits.arraySync());
    expect(a).toEqual(b);
    direct.dispose();
    imported.dispose();
  });

  it('refuses a file that does not fit before allocating anything, and a truncated or non-finite one leaving no tensor behind', async () => {
    await selectBackend(backend);
    const before = tf.memory().numTensors;
    const wrong = join(dir, `wrong-${backend}.safetensors`);
    await writeSafetensors(wrong, [['wte.weight', { shape: [2], data: new Float32Array(2) }]]);
    const fit = await compile(SPEC, { model: 'Gpt2Tiny', backend, weights: wrong }).catch((e: unknown) => e);
    expect(fit).toBeInstanceOf(WeightsFileError);
    expect((fit as WeightsFileError).differences.length).toBeGreaterThan(1);

    const cut = join(dir, `cut-${backend}.safetensors`);
    writeFileSync(cut, readBytes(file));
    // The header still says more data follows than the file now holds.
    truncateSync(cut, readBytes(file).length - 100);
    const truncated = await compile(SPEC, { model: 'Gpt2Tiny', backend, weights: cut }).catch((e: unknown) => e);
    expect(truncated).toMatchObject({ name: 'WeightsFileError', code: 'TFM6005' });
    expect((truncated as Error).message).toMatch(/truncated/);

    const nan = join(dir, `nan-${backend}.safetensors`);
    const tensors = Object.entries(expected).map(([name, data]): [string, { shape: number[]; data: Float32Array }] => [name, { shape: shapeOf(name), data: Float32Array.from(data) }]);
    // The last parameter, so every other one was already read into a tensor when it is found.
    tensors[tensors.length - 1][1].data[0] = NaN;
    await writeSafetensors(nan, tensors);
    const nonFinite = await compile(SPEC, { model: 'Gpt2Tiny', backend, weights: nan }).catch((e: unknown) => e);
    expect(nonFinite).toMatchObject({ name: 'WeightsFileError', code: 'TFM6006' });
    expect(tf.memory().numTensors).toBe(before);
  });
});

let shapes: Map<string, number[]> | undefined;
function shapeOf(name: string): number[] {
  shapes ??= new Map([...decodeSafetensors(readBytes(file)).tensors].map(([k, t]) => [k, t.shape]));
  return shapes.get(name)!;
}

function readBytes(f: string): Uint8Array {
  return new Uint8Array(readFileSync(f));
}

describe('the initial values given to the executor', () => {
  it('replace only the parameters they name: every other parameter is initialised exactly as without them', async () => {
    await selectBackend('cpu');
    const m = await compile(SPEC, { model: 'Gpt2Tiny', backend: 'cpu' });
    const plain = buildModel(m.ir, { seed: 3 });
    const given = tf.fill(m.ir.params[0].shape as number[], 0.5);
    const partial = buildModel(m.ir, { seed: 3, initial: (p) => (p.name === m.ir.params[0].name ? given : undefined) });
    const a = snapshot(plain.getWeights());
    const b = snapshot(partial.getWeights());
    const first = m.ir.params[0].name;
    expect(b[first].every((v) => v === 0.5)).toBe(true);
    for (const p of m.ir.params.slice(1)) expect(b[p.name]).toEqual(a[p.name]);
    plain.dispose();
    partial.dispose();
    m.dispose();
  });
});

describe('SafetensorsReader', () => {
  it('reads F32, F16, BF16 and F64 tensors in place as the in-memory decoder does', () => {
    const f16 = [0x3c00, 0xc000, 0x0001, 0x7bff];
    const bf16 = [0x3f80, 0x4049];
    const data = new Uint8Array(8 + 4 + 8 + 8);
    const v = new DataView(data.buffer);
    f16.forEach((h, i) => v.setUint16(2 * i, h, true));
    bf16.forEach((h, i) => v.setUint16(8 + 2 * i, h, true));
    v.setFloat64(12, 0.1, true);
    v.setFloat32(20, -3.25, true);
    v.setFloat32(24, 7, true);
    const header = {
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
      d: { dtype: 'F64', shape: [1], data_offsets: [12, 20] },
      f: { dtype: 'F32', shape: [2], data_offsets: [20, 28] },
    };
    const json = Buffer.from(JSON.stringify(header));
    const bytes = new Uint8Array(8 + json.length + data.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
    bytes.set(json, 8);
    bytes.set(data, 8 + json.length);
    const path = join(dir, 'dtypes.safetensors');
    writeFileSync(path, bytes);
    const reader = SafetensorsReader.open(path);
    const decoded = decodeSafetensors(bytes).tensors;
    for (const [name, e] of reader.entries) {
      const out = new Float32Array(e.count);
      reader.readInto(name, out);
      expect(Array.from(out)).toEqual(Array.from(decoded.get(name)!.data));
    }
    reader.close();
  });

  it('names a missing file and a directory', () => {
    expect(() => SafetensorsReader.open(join(dir, 'none.safetensors'), 'none.safetensors')).toThrow(/none.safetensors: no such file/);
    expect(() => SafetensorsReader.open(dir, 'd')).toThrow(/d: is a directory/);
  });
});

describe.each(['cpu', 'wasm'] as const)('filledTensor on %s', (backend) => {
  it('holds what the fill wrote, and frees its memory when the fill throws', async () => {
    await selectBackend(backend);
    const t = filledTensor([2, 3], (values) => values.set([1, 2, 3, 4, 5, 6]));
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    t.dispose();
    const before = tf.memory().numTensors;
    expect(() => filledTensor([4], () => { throw new Error('read failed'); })).toThrow('read failed');
    expect(tf.memory().numTensors).toBe(before);
  });
});
