/**
 * `tfmc check --fix` applies the fixes diagnostics carry to the user's specs (the edits the human
 * report previews under `help:`), re-checks, and reports what is left.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, tfmc } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-check-fix-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const SPEC = `model Fixable {
  config {
    d_model = 512
    heads   = 6
    layers  = 8
  }
  input ids: float32[batch, seq] where seq <= 64
  let embed = Embedding(1000, d_model)
  let blocks = repeat layers { EncoderLayer(d_model, heads, norm: pre, activation: gelu_new) }
  output y = Linaer(10)(blocks(embed(ids)))
}
`;

describe('tfmc check --fix', () => {
  it('fixes every mistake whose help carries edits, in rounds, and exits 0 when nothing is left', () => {
    const file = path.join(dir, 'fixable.tfm');
    fs.writeFileSync(file, SPEC);
    const before = tfmc(['check', file], { cwd: dir });
    expect(before.status).toBe(1);
    const run = tfmc(['check', '--fix', file], { cwd: dir });
    expectNoStackTrace(run);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const fixed = fs.readFileSync(file, 'utf8');
    expect(fixed).toBe(
      SPEC.replace('heads   = 6', 'heads   = 8')
        .replace('layers  = 8', 'layers  = 6')
        .replace('ids: float32[', 'ids: int32[')
        .replace('gelu_new', 'gelu_tanh')
        .replace('Linaer', 'Linear'),
    );
    expect(run.stderr).toMatch(/fixed TFM3003 in fixable\.tfm:4: .*swapped/);
    expect(run.stderr).toContain('fixed TFM2001 in fixable.tfm:10: did you mean `Linear`?');
    expect(run.stderr).toMatch(/applied [45] fixes/);
    expect(run.stdout).toContain('fixable.tfm: 1 model checked, 0 errors');
  });

  it('leaves what has no fix, and reports it as check does', () => {
    const file = path.join(dir, 'partly.tfm');
    const text = 'model P {\n  input x: float32[batch, 4]\n  output y = Linear(8)(x) + x\n}\n';
    fs.writeFileSync(file, text);
    const run = tfmc(['check', '--fix', file], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('error[TFM3001]');
    expect(run.stderr).not.toContain('applied');
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });

  it('never writes a read-only spec: TFM6003, the file as it was', () => {
    const file = path.join(dir, 'readonly.tfm');
    fs.writeFileSync(file, SPEC);
    fs.chmodSync(file, 0o444);
    const run = tfmc(['check', '--fix', file], { cwd: dir });
    expectNoStackTrace(run);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("error[TFM6003]: cannot apply fixes to 'readonly.tfm': it is read-only (mode 0444)");
    expect(fs.readFileSync(file, 'utf8')).toBe(SPEC);
  });
});
