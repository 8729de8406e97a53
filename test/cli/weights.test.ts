/**
 * `tfmc weights export|import`, run as the built binary: checkpoint (or run directory) →
 * safetensors → checkpoint, with real files; mistakes exit 1 or 2 with one message and leave the
 * checkpoint as it was.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, loadModel } from '../../src/index.js';
import { readSafetensors, writeSafetensors } from '../../src/weights/exchange.js';
import { expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const SPEC = join(ROOT, 'specs/gpt2.tfm');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tfmc-weights-cli-'));
  const a = await compile(SPEC, { model: 'Gpt2Tiny', seed: 1 });
  await a.save(join(dir, 'ckpt'));
  a.dispose();
  // A run directory of tfmc train keeps its checkpoint in `checkpoint/`.
  mkdirSync(join(dir, 'run'));
  cpSync(join(dir, 'ckpt'), join(dir, 'run', 'checkpoint'), { recursive: true });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tfmc weights', () => {
  it('exports a checkpoint and a run directory to the same safetensors file', async () => {
    const r = tfmc(['weights', 'export', 'ckpt', '-o', 'a.safetensors'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('✓ Gpt2Tiny: 36 tensors (30,720 parameters) → a.safetensors\n');
    expect(tfmc(['weights', 'export', 'run', '-o', 'b.safetensors'], { cwd: dir }).status).toBe(0);
    expect(readFileSync(join(dir, 'b.safetensors'))).toEqual(readFileSync(join(dir, 'a.safetensors')));
    const file = await readSafetensors(join(dir, 'a.safetensors'));
    expect(file.metadata).toMatchObject({ model: 'Gpt2Tiny', producer: 'tfmc', step: '0' });
    const model = await loadModel(join(dir, 'ckpt'));
    const w = model.getWeights();
    for (const [name, t] of file.tensors) expect(Array.from(t.data)).toEqual(Array.from(w[name].dataSync()));
    model.dispose();
  });

  it('imports weights into a checkpoint, which then loads with them', async () => {
    const other = await compile(SPEC, { model: 'Gpt2Tiny', seed: 2 });
    const { exportSafetensors } = await import('../../src/weights/exchange.js');
    await exportSafetensors(other, join(dir, 'other.safetensors'));
    const want = Object.fromEntries(Object.entries(other.getWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
    other.dispose();
    cpSync(join(dir, 'ckpt'), join(dir, 'target'), { recursive: true });
    const r = tfmc(['weights', 'import', 'target', 'other.safetensors', '--backend', 'cpu'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('✓ Gpt2Tiny: 36 tensors from other.safetensors → target (optimizer state cleared, step 0 kept)\n');
    expect(r.status).toBe(0);
    const loaded = await loadModel(join(dir, 'target'));
    const got = Object.fromEntries(Object.entries(loaded.getWeights()).map(([k, v]) => [k, Array.from(v.dataSync())]));
    loaded.dispose();
    expect(got).toEqual(want);
  });

  it('refuses weights that do not fit, listing the differences, and leaves the checkpoint unchanged', async () => {
    const file = await readSafetensors(join(dir, 'a.safetensors'));
    const tensors = [...file.tensors].filter(([k]) => k !== 'ln_f.weight').map(([k, t]) => [k, { shape: k === 'wte.weight' ? [50, 64] : t.shape, data: t.data }] as [string, { shape: number[]; data: Float32Array }]);
    await writeSafetensors(join(dir, 'bad.safetensors'), tensors);
    const before = readFileSync(join(dir, 'ckpt', 'weights.bin'));
    const r = tfmc(['weights', 'import', 'ckpt', 'bad.safetensors'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'error: bad.safetensors: its tensors do not fit model `Gpt2Tiny` (2 differences):\n' +
        '  missing from the file: `ln_f.weight` [32]\n' +
        '  shape differs: `wte.weight` is [100, 32] in the model, [50, 64] in the file\n',
    );
    expectNoStackTrace(r);
    expect(readFileSync(join(dir, 'ckpt', 'weights.bin'))).toEqual(before);
  });

  it('takes a spec: its initial weights, the weights of --weights, and a new checkpoint from a file', async () => {
    // ckpt was compiled with seed 1: the spec's initial weights with --seed 1 are its weights.
    const init = tfmc(['weights', 'export', SPEC, '--model', 'Gpt2Tiny', '--seed', '1', '-o', 'init.safetensors'], { cwd: dir });
    expect({ status: init.status, stdout: init.stdout }).toEqual({ status: 0, stdout: '✓ Gpt2Tiny: initial weights (seed 1), 36 tensors (30,720 parameters) → init.safetensors\n' });
    const tensors = async (f: string) => [...(await readSafetensors(join(dir, f))).tensors].map(([k, t]) => [k, Array.from(t.data)]);
    expect(await tensors('init.safetensors')).toEqual(await tensors('a.safetensors'));
    const given = tfmc(['weights', 'export', SPEC, '--model', 'Gpt2Tiny', '--weights', 'run', '-o', 'given.safetensors'], { cwd: dir });
    expect(given.status).toBe(0);
    expect(await tensors('given.safetensors')).toEqual(await tensors('a.safetensors'));
    const made = tfmc(['weights', 'import', SPEC, 'other.safetensors', '--model', 'Gpt2Tiny', '-o', 'fresh'], { cwd: dir });
    expect({ status: made.status, stdout: made.stdout }).toEqual({ status: 0, stdout: '✓ Gpt2Tiny: 36 tensors from other.safetensors → fresh (a new checkpoint with the spec)\n' });
    const fresh = await loadModel(join(dir, 'fresh'));
    const file = await readSafetensors(join(dir, 'other.safetensors'));
    const w = fresh.getWeights();
    for (const [name, t] of file.tensors) expect(Array.from(w[name].dataSync())).toEqual(Array.from(t.data));
    fresh.dispose();
    const gen = tfmc(['generate', 'fresh', '--ids', '1,2,3', '--max-new-tokens', '3'], { cwd: dir });
    expect(gen.stdout).toMatch(/^\d+ \d+ \d+\n$/);
  });

  it('documents both subcommands with examples', () => {
    for (const sub of ['export', 'import']) {
      const r = tfmc(['weights', sub, '--help'], { cwd: dir });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: tfmc weights ${sub}`);
      expect(r.stdout).toContain('Examples:');
    }
    expect(tfmc(['weights'], { cwd: dir }).status).toBe(2);
  });

  it('reports usage mistakes and unreadable inputs in one line', () => {
    const missing = tfmc(['weights', 'export', 'nope', '-o', 'x.safetensors'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("error: cannot read 'nope': no such file or directory\n");
    const noOut = tfmc(['weights', 'export', 'ckpt'], { cwd: dir });
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain("required option '-o, --out <file>' not specified");
    const notCkpt = tfmc(['weights', 'export', '.', '-o', 'x.safetensors'], { cwd: join(dir, 'run', 'checkpoint', '..', '..') });
    expect(notCkpt.status).toBe(1);
    expect(notCkpt.stderr).toMatch(/^error: .* is neither a tfmc train run directory \(it has no run\.json\) nor a checkpoint directory \(it has no manifest\.json\); give one of those, or a \.tfm spec with --weights\n$/);
    const junk = tfmc(['weights', 'import', 'ckpt', 'ckpt/manifest.json'], { cwd: dir });
    expect(junk.status).toBe(1);
    expect(junk.stderr).toMatch(/^error\[TFM6005\]: ckpt\/manifest\.json: not a valid safetensors file: /);
    const noOutDir = tfmc(['weights', 'import', SPEC, 'a.safetensors', '--model', 'Gpt2Tiny'], { cwd: dir });
    expect(noOutDir.status).toBe(2);
    expect(noOutDir.stderr).toMatch(/^error: importing into a spec makes a new checkpoint: say where with --out DIR/);
    const taken = tfmc(['weights', 'import', SPEC, 'a.safetensors', '--model', 'Gpt2Tiny', '-o', 'ckpt'], { cwd: dir });
    expect(taken.status).toBe(1);
    expect(taken.stderr).toBe("error[TFM6001]: refusing to replace 'ckpt' (--out): it is a non-empty directory not written by tfmc weights import; nothing was written. Choose another --out, or add --force to replace it\n");
    const outForCkpt = tfmc(['weights', 'import', 'ckpt', 'a.safetensors', '-o', 'x'], { cwd: dir });
    expect(outForCkpt.status).toBe(2);
    expect(outForCkpt.stderr).toBe('error: --out goes with a spec; ckpt is a checkpoint directory, whose checkpoint is rewritten in place\n');
    mkdirSync(join(dir, 'unsaved'));
    writeFileSync(join(dir, 'unsaved', 'run.json'), '{}');
    const unsaved = tfmc(['weights', 'export', 'unsaved', '-o', 'x.safetensors'], { cwd: dir });
    expect(unsaved.status).toBe(1);
    expect(unsaved.stderr).toBe('error: unsaved has no checkpoint yet: its training stopped before the first save\n');
    const misfit = tfmc(['weights', 'import', SPEC, 'bad.safetensors', '--model', 'Gpt2Tiny', '-o', 'misfit'], { cwd: dir });
    expect(misfit.status).toBe(1);
    expect(misfit.stderr).toMatch(/^error: bad\.safetensors: its tensors do not fit model `Gpt2Tiny` \(2 differences\):\n/);
    expect(existsSync(join(dir, 'misfit'))).toBe(false);
    for (const run of [missing, noOut, notCkpt, junk, noOutDir, taken, outForCkpt, unsaved, misfit]) expectNoStackTrace(run);
  });
});
