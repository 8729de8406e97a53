/** save/load: a self-contained directory, verified checksums, atomic replacement, clear mismatch errors. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, CheckpointMismatchError, compile, loadModel, TfmcCompileError } from '../../../src/index.js';
import { selectBackend } from '../../../src/backends/tfjs/backend.js';
import type { Manifest } from '../../../src/backends/tfjs/checkpoint.js';
import { ROOT } from './helpers.js';

const REVERSE = join(ROOT, 'examples/reverse.tfm');
const SMALL = { d_model: 16, heads: 2, d_ff: 32, layers: 1 };
const batch = { src: [[3, 4, 5], [6, 7, 0]], tgt: [[1, 5, 4, 3], [1, 7, 6, 0]], labels: [[5, 4, 3, 2], [7, 6, 2, 0]] };

let dir: string;
beforeAll(async () => {
  await selectBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'tfmc-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function caught<T extends Error>(p: Promise<unknown>, cls: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (e) {
    if (e instanceof cls) return e;
    throw new Error(`expected a ${cls.name}, got ${String(e)}`);
  }
  throw new Error(`expected a ${cls.name}, but nothing was thrown`);
}

function logits(m: { predict: (b: typeof batch) => Record<string, tf.Tensor> }): number[] {
  const out = m.predict(batch).logits;
  const v = Array.from(out.dataSync());
  out.dispose();
  return v;
}

describe('checkpoints', () => {
  it('save writes the spec, overrides, config, model name and weights; loadModel rebuilds the same model', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 11 });
    for (let i = 0; i < 3; i++) m.trainStep(batch, { learningRate: 1e-2 });
    const ckpt = join(dir, 'reverse');
    const manifest = await m.save(ckpt);
    expect(readdirSync(ckpt).sort()).toEqual(['manifest.json', 'spec', 'weights.bin']);
    expect(readdirSync(join(ckpt, 'spec'))).toEqual(['reverse.tfm']);
    expect(readFileSync(join(ckpt, 'spec/reverse.tfm'), 'utf8')).toBe(readFileSync(REVERSE, 'utf8'));
    const onDisk = JSON.parse(readFileSync(join(ckpt, 'manifest.json'), 'utf8')) as Manifest;
    expect(onDisk).toEqual(manifest);
    expect(onDisk.format).toBe('tfmc-checkpoint');
    expect(onDisk.model).toBe('ReverseTiny');
    expect(onDisk.overrides).toEqual({ d_model: '16', heads: '2', d_ff: '32', layers: '1' });
    expect(onDisk.config.d_model).toBe(16);
    expect(onDisk.config.vocab).toBe(13);
    expect(onDisk.step).toBe(3);
    expect(onDisk.spec.entry).toBe('spec/reverse.tfm');
    expect(onDisk.weights.tensors.map((t) => t.name)).toEqual(m.ir.params.map((p) => p.name));
    const total = m.ir.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
    expect(onDisk.files['weights.bin'].bytes).toBe(total * 4);
    expect(onDisk.files['weights.bin'].sha256).toMatch(/^[0-9a-f]{64}$/);
    // No temporary directories are left behind.
    expect(readdirSync(dir)).toEqual(['reverse']);

    const back = await loadModel(ckpt);
    expect(back.name).toBe('ReverseTiny');
    expect(back.config).toEqual(m.config);
    expect(back.step).toBe(3);
    expect(logits(back)).toEqual(logits(m));
    back.dispose();

    // load() into a model compiled the same way.
    const fresh = await compile(REVERSE, { overrides: SMALL, seed: 99 });
    expect(logits(fresh)).not.toEqual(logits(m));
    await fresh.load(ckpt);
    expect(logits(fresh)).toEqual(logits(m));
    fresh.dispose();
    m.dispose();
  });

  it('a checkpoint is self-contained: it loads after the original spec (with its imports) is gone', async () => {
    const src = mkdtempSync(join(tmpdir(), 'tfmc-spec-'));
    mkdirSync(join(src, 'lib'));
    writeFileSync(join(src, 'lib/blocks.tfm'), 'block Proj(d: int) {\n  in x: float32[B, T, d]\n  let p = Linear(d)\n  out p(x)\n}\n');
    writeFileSync(join(src, 'main.tfm'), 'import "lib/blocks.tfm"\nmodel WithImport {\n  input x: float32[batch, seq, 8]\n  input y: float32[batch, seq, 8]\n  output z = Proj(8)(x)\n  loss l = mse(z, y)\n}\n');
    const m = await compile(join(src, 'main.tfm'), { seed: 1 });
    const ckpt = join(dir, 'with-import');
    await m.save(ckpt);
    rmSync(src, { recursive: true, force: true });
    expect(readdirSync(join(ckpt, 'spec')).sort()).toEqual(['lib', 'main.tfm']);
    const back = await loadModel(ckpt);
    const x = [[[1, 2, 3, 4, 5, 6, 7, 8]]];
    const a = m.predict({ x }).z;
    const b = back.predict({ x }).z;
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    m.dispose();
    back.dispose();
  });

  it('optimizer state: training resumed from a checkpoint continues exactly', async () => {
    const a = await compile(REVERSE, { overrides: SMALL, seed: 5 });
    for (let i = 0; i < 2; i++) a.trainStep(batch, { learningRate: 1e-2 });
    const ckpt = join(dir, 'resume');
    const manifest = await a.save(ckpt, { optimizer: true });
    expect(manifest.optimizer?.step).toBe(2);
    expect(existsSync(join(ckpt, 'optimizer.bin'))).toBe(true);
    const b = await loadModel(ckpt);
    for (let i = 0; i < 2; i++) {
      const ra = a.trainStep(batch, { learningRate: 1e-2 });
      const rb = b.trainStep(batch, { learningRate: 1e-2 });
      expect(rb.step).toBe(ra.step);
      expect(rb.loss).toBe(ra.loss);
    }
    expect(logits(b)).toEqual(logits(a));
    a.dispose();
    b.dispose();
  });

  it('saving over a checkpoint replaces it atomically; a directory that is not a checkpoint is never replaced', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 2 });
    const ckpt = join(dir, 'replace');
    await m.save(ckpt);
    const first = readFileSync(join(ckpt, 'weights.bin'));
    m.trainStep(batch, { learningRate: 1e-2 });
    await m.save(ckpt);
    expect(readFileSync(join(ckpt, 'weights.bin')).equals(first)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('replace'))).toEqual(['replace']);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const e = await caught(m.save(foreign), CheckpointError);
    expect(e.message).toBe(`checkpoint ${foreign}: exists and is not a tfmc checkpoint (no tfmc manifest.json); refusing to replace it`);
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    m.dispose();
  });

  it('a modified or truncated file fails its checksum; a missing manifest is explained', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 2 });
    const ckpt = join(dir, 'tampered');
    await m.save(ckpt);
    const w = readFileSync(join(ckpt, 'weights.bin'));
    w[10] ^= 0xff;
    writeFileSync(join(ckpt, 'weights.bin'), w);
    const e = await caught(loadModel(ckpt), CheckpointError);
    expect(e.message).toMatch(/^checkpoint .*tampered: weights\.bin is corrupt or was modified: its SHA-256 is [0-9a-f]{64} \(\d+ bytes\), the manifest records [0-9a-f]{64} \(\d+ bytes\)$/);
    const e2 = await caught(m.load(ckpt), CheckpointError);
    expect(e2.message).toContain('weights.bin is corrupt or was modified');

    writeFileSync(join(ckpt, 'spec/reverse.tfm'), '// edited\n' + readFileSync(REVERSE, 'utf8'));
    w[10] ^= 0xff;
    writeFileSync(join(ckpt, 'weights.bin'), w);
    const e3 = await caught(loadModel(ckpt), CheckpointError);
    expect(e3.message).toContain('spec/reverse.tfm is corrupt or was modified');

    const e4 = await caught(loadModel(join(dir, 'nothing-here')), CheckpointError);
    expect(e4.message).toBe(`checkpoint ${join(dir, 'nothing-here')}: there is no manifest.json (is this a tfmc checkpoint directory?)`);
    m.dispose();
  });

  it('loading an incompatible checkpoint says which parameters and shapes differ', async () => {
    const small = await compile(REVERSE, { overrides: SMALL, seed: 2 });
    const ckpt = join(dir, 'small');
    await small.save(ckpt);
    // Wider: every shape differs.
    const wide = await compile(REVERSE, { overrides: { ...SMALL, d_model: 32, d_ff: 64 }, seed: 2 });
    const e = await caught(wide.load(ckpt), CheckpointMismatchError);
    expect(e.missing).toEqual([]);
    expect(e.unexpected).toEqual([]);
    expect(e.shapeMismatches[0]).toEqual({ name: 'embed.weight', model: [13, 32], checkpoint: [13, 16] });
    expect(e.message).toContain('its weights do not fit model `ReverseTiny`: ');
    expect(e.message).toContain('`embed.weight` is [13, 32] in the model but [13, 16] in the checkpoint');
    // Deeper: a second layer's parameters are missing from the checkpoint.
    const deep = await compile(REVERSE, { overrides: { ...SMALL, layers: 2 }, seed: 2 });
    const e2 = await caught(deep.load(ckpt), CheckpointMismatchError);
    expect(e2.missing.length).toBeGreaterThan(0);
    expect(e2.missing.every((n) => n.includes('.1.'))).toBe(true);
    expect(e2.message).toMatch(/\d+ parameters of the model are not in the checkpoint: `encoder\.1\./);
    // Another model altogether.
    const gpt = await compile(join(ROOT, 'specs/gpt2.tfm'), { model: 'Gpt2Tiny', seed: 2 });
    const e3 = await caught(gpt.load(ckpt), CheckpointMismatchError);
    expect(e3.message).toContain('model `Gpt2Tiny` (the checkpoint holds `ReverseTiny`)');
    expect(e3.unexpected).toContain('enc_norm.weight');
    // The failed loads changed nothing.
    const before = logits(wide);
    await caught(wide.load(ckpt), CheckpointMismatchError);
    expect(logits(wide)).toEqual(before);
    for (const m of [small, wide, deep, gpt]) m.dispose();
  });

  it('a stored spec that no longer compiles is a TfmcCompileError naming the checkpoint', async () => {
    const m = await compile(REVERSE, { overrides: SMALL, seed: 2 });
    const ckpt = join(dir, 'stale');
    await m.save(ckpt);
    // Simulate a checkpoint written by a tfmc whose override no longer exists.
    const manifestPath = join(ckpt, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    manifest.overrides = { ...manifest.overrides, depth: '3' };
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const e = await caught(loadModel(ckpt), TfmcCompileError);
    expect(e.message).toContain(`the spec stored in ${ckpt} does not compile with this tfmc:`);
    expect(e.errorDiagnostics[0].code).toBe('TFM2014');
    m.dispose();
  });
});
