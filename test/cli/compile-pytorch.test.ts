/**
 * `tfmc compile --target pytorch` with the built binary: the three files, model.py exactly what
 * the library emits, an earlier output replaced, and a spec PyTorch cannot express refused in one
 * line with nothing written. The generated code is run in test/backends/pytorch/.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitModel } from '../../src/backends/pytorch/index.js';
import { checkFile } from '../../src/index.js';
import { expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tfmc-compile-pytorch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tfmc compile --target pytorch', () => {
  it('writes model.py, tfmc_runtime.py and train.py, and replaces its own earlier output', () => {
    const spec = join(ROOT, 'specs/gpt2.tfm');
    const r = tfmc(['compile', spec, '--model', 'Gpt2Tiny', '--target', 'pytorch', '-o', 'out'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('✓ Gpt2Tiny → out/ (model.py, tfmc_runtime.py, train.py)\n');
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['model.py', 'tfmc_runtime.py', 'train.py']);
    const ir = checkFile(spec).models.find((m) => m.name === 'Gpt2Tiny')!;
    expect(readFileSync(join(dir, 'out', 'model.py'), 'utf8')).toBe(emitModel(ir, { specName: 'gpt2.tfm' }));
    const again = tfmc(['compile', spec, '--model', 'Gpt2Tiny', '--target', 'pytorch', '-o', 'out'], { cwd: dir });
    expect(again.status).toBe(0);
    // Weights trained beside it are not the target's: replacing the folder would delete them (issue 15, item 9).
    writeFileSync(join(dir, 'out', 'model.safetensors'), 'trained');
    const refused = tfmc(['compile', spec, '--model', 'Gpt2Tiny', '--target', 'pytorch', '-o', 'out'], { cwd: dir });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error\[TFM6001\]: refusing to replace 'out' \(-o\).*--force/);
    expect(readFileSync(join(dir, 'out', 'model.safetensors'), 'utf8')).toBe('trained');
  });

  it('refuses a model it cannot express (a shared stack of stacks) in one line, writing nothing', () => {
    writeFileSync(join(dir, 'bad.tfm'), 'model M {\n  input x: float32[batch, seq, 4]\n  let s = repeat 2 shared { repeat 2 { Linear(4) } }\n  output y = s(x)\n}\n');
    const r = tfmc(['compile', 'bad.tfm', '--target', 'pytorch', '-o', 'bad-out'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: the shared stack `s` must build a layer or block (a stack of stacks is not supported by the PyTorch backend)\n');
    expectNoStackTrace(r);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
