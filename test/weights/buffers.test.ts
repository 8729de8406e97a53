/**
 * Buffers (batch norm's running statistics) in weight files: a PyTorch `BatchNorm1d` state_dict
 * keeps `num_batches_tracked` as int64, which loads into a buffer; a parameter stored as integers
 * is still refused. Buffers round-trip through export and import like parameters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CompiledModel } from '../../src/backends/tfjs/compiled-model.js';
import { compile } from '../../src/index.js';
import { exportSafetensors, importSafetensors, readSafetensors, WeightsFileError } from '../../src/weights/exchange.js';

const SPEC = join(import.meta.dirname, '../fixtures/parity/layers.tfm');
let dir: string;
let model: CompiledModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-buffers-'));
  model = await compile(SPEC, { model: 'LayerBatchNorm', seed: 1 });
});

afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

type Entry = { dtype: 'F32' | 'I64'; shape: number[]; values: number[] };

/** A safetensors file written byte by byte (tfmc itself writes float32 only). */
function writeFile(file: string, tensors: Record<string, Entry>): void {
  const header: Record<string, unknown> = {};
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const blob = Buffer.alloc(t.values.length * (t.dtype === 'F32' ? 4 : 8));
    t.values.forEach((v, i) => (t.dtype === 'F32' ? blob.writeFloatLE(v, 4 * i) : blob.writeBigInt64LE(BigInt(v), 8 * i)));
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + blob.length] };
    blobs.push(blob);
    offset += blob.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([length, json, ...blobs]));
}

function pytorchStateDict(overrides: Partial<Record<string, Entry>> = {}): Record<string, Entry> {
  const f32 = (shape: number[], fill: (i: number) => number): Entry => ({ dtype: 'F32', shape, values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)) });
  return {
    'h.weight': f32([8, 6], (i) => i / 100),
    'h.bias': f32([8], () => 0.5),
    'y.weight': f32([8], () => 2),
    'y.bias': f32([8], () => -1),
    'y.running_mean': f32([8], (i) => i),
    'y.running_var': f32([8], (i) => 1 + i),
    'y.num_batches_tracked': { dtype: 'I64', shape: [], values: [3] },
    ...(overrides as Record<string, Entry>),
  };
}

it('loads a PyTorch state_dict with an int64 `num_batches_tracked` into the buffers', async () => {
  const file = join(dir, 'torch.safetensors');
  writeFile(file, pytorchStateDict());
  await importSafetensors(model, file);
  const w = model.getWeights();
  expect(Array.from(w['y.running_var'].dataSync())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(Array.from(w['y.num_batches_tracked'].dataSync())).toEqual([3]);
});

it('refuses a parameter stored as integers', async () => {
  const file = join(dir, 'int-weight.safetensors');
  writeFile(file, pytorchStateDict({ 'y.weight': { dtype: 'I64', shape: [8], values: [1, 1, 1, 1, 1, 1, 1, 1] } }));
  const error = await importSafetensors(model, file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WeightsFileError);
  expect((error as WeightsFileError).differences).toEqual(['dtype: `y.weight` is I64 in the file; parameters must be floating point (F32, F16, BF16 or F64)']);
});

it('exports the buffers with the parameters, under their state_dict names', async () => {
  const file = join(dir, 'export.safetensors');
  await exportSafetensors(model, file);
  const contents = await readSafetensors(file);
  expect([...contents.tensors.keys()].sort()).toEqual(['h.bias', 'h.weight', 'y.bias', 'y.num_batches_tracked', 'y.running_mean', 'y.running_var', 'y.weight']);
  expect(contents.tensors.get('y.num_batches_tracked')!.shape).toEqual([]);
});
