/**
 * exportSafetensors / importSafetensors on a real tfjs model: a round trip restores the weights
 * exactly; a file that does not fit is refused with every difference listed and nothing loaded;
 * a failed write leaves no file behind.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledModel } from '../../src/backends/tfjs/compiled-model.js';
import { compile } from '../../src/index.js';
import { exportSafetensors, importSafetensors, readSafetensors, WeightsFileError, writeSafetensors } from '../../src/weights/exchange.js';
import { encodeSafetensors } from '../../src/weights/safetensors.js';

const SPEC = join(import.meta.dirname, '../../specs/gpt2.tfm');
let dir: string;
let a: CompiledModel;
let b: CompiledModel;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-weights-'));
  a = await compile(SPEC, { model: 'Gpt2Tiny', seed: 1 });
  b = await compile(SPEC, { model: 'Gpt2Tiny', seed: 2 });
});

afterAll(() => {
  a.dispose();
  b.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function snapshot(m: CompiledModel): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m.getWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
}

describe('exportSafetensors / importSafetensors', () => {
  it('moves every parameter exactly, named as in the IR, with metadata', async () => {
    const file = join(dir, 'a.safetensors');
    await exportSafetensors(a, file);
    const contents = await readSafetensors(file);
    expect([...contents.tensors.keys()]).toEqual(a.ir.params.map((p) => p.name));
    expect(contents.metadata).toMatchObject({ model: 'Gpt2Tiny', producer: 'tfmc' });
    expect(snapshot(b)).not.toEqual(snapshot(a));
    await importSafetensors(b, file);
    expect(snapshot(b)).toEqual(snapshot(a));
  });

  it('refuses a file that does not fit, lists every difference, and loads nothing', async () => {
    const w = a.getWeights();
    const tensors: Array<[string, { shape: number[]; data: Float32Array }]> = a.ir.params
      .filter((p) => p.name !== 'ln_f.bias')
      .map((p) => [p.name, { shape: p.name === 'wpe.weight' ? [32, 64] : [...p.shape], data: Float32Array.from(w[p.name].dataSync()) }]);
    tensors.push(['extra.weight', { shape: [2], data: new Float32Array(2) }]);
    const file = join(dir, 'bad.safetensors');
    await writeSafetensors(file, tensors);
    const before = snapshot(b);
    const err = await importSafetensors(b, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightsFileError);
    const e = err as WeightsFileError;
    expect(e.differences).toEqual([
      'missing from the file: `ln_f.bias` [32]',
      'shape differs: `wpe.weight` is [64, 32] in the model, [32, 64] in the file',
      'not a parameter of the model: `extra.weight` [2]',
    ]);
    expect(e.message).toContain('do not fit model `Gpt2Tiny` (3 differences)');
    expect(snapshot(b)).toEqual(before);
  });

  it('refuses integer tensors for parameters, and files that are not safetensors', async () => {
    const header = Buffer.from(JSON.stringify({ 'ln_f.bias': { dtype: 'I32', shape: [32], data_offsets: [0, 128] } }));
    const bytes = Buffer.alloc(8 + header.length + 128);
    bytes.writeBigUInt64LE(BigInt(header.length), 0);
    header.copy(bytes, 8);
    const ints = join(dir, 'ints.safetensors');
    writeFileSync(ints, bytes);
    const err = (await importSafetensors(b, ints).catch((e: unknown) => e)) as WeightsFileError;
    expect(err.differences).toContain('dtype: `ln_f.bias` is I32 in the file; parameters must be floating point (F32, F16, BF16 or F64)');

    const junk = join(dir, 'junk.safetensors');
    writeFileSync(junk, 'not a safetensors file at all');
    await expect(importSafetensors(b, junk)).rejects.toThrow(/not a valid safetensors file: the header length \d+ does not fit/);
    await expect(importSafetensors(b, join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors: no such file/);
  });

  it('writes atomically: a failed write leaves neither the file nor a temporary one', async () => {
    // The folder does not exist: nothing is created.
    const sub = join(dir, 'no-such-folder');
    await expect(writeSafetensors(join(sub, 'x.safetensors'), [['x', { shape: [1], data: new Float32Array(1) }]])).rejects.toThrow();
    expect(existsSync(sub)).toBe(false);
    // The target is a directory: rename fails after the temporary file was written; it is removed.
    const target = join(dir, 'is-a-dir.safetensors');
    await import('node:fs/promises').then((fs) => fs.mkdir(join(target, 'child'), { recursive: true }));
    await expect(writeSafetensors(target, [['x', { shape: [1], data: new Float32Array(1) }]])).rejects.toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(encodeSafetensors([]).length).toBe(16); // `{}` padded to 8 bytes
  });
});
