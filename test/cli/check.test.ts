/** `tfmc check` end to end: the real binary over real specs (needs the compiler pipeline). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectDiagnosticsContract, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

describe('tfmc check', () => {
  it('exits 0 with a success line for a clean file', () => {
    const run = tfmc(['check', 'good.tfm']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^✓ good\.tfm: 1 model checked, 0 errors\n$/);
  });

  it('exits 1 and renders diagnostics for a file with errors', () => {
    const run = tfmc(['check', 'bad.tfm']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^error\[TFM\d{4}\]: /);
    expect(run.stdout).toContain(' --> bad.tfm:7:');
    expect(run.stdout).toMatch(/\nerror: could not check `bad\.tfm` due to \d+ previous errors?\n$/);
    expect(run.stdout).not.toContain('\x1b[');
    expectNoStackTrace(run);
  });

  it('colours diagnostics when FORCE_COLOR is set, not when NO_COLOR is', () => {
    expect(tfmc(['check', 'bad.tfm'], { env: { FORCE_COLOR: '1' } }).stdout).toContain('\x1b[');
    expect(tfmc(['check', 'bad.tfm'], { env: { NO_COLOR: '1' } }).stdout).not.toContain('\x1b[');
  });

  it('exits 1 if any of several files has errors', () => {
    const run = tfmc(['check', 'good.tfm', 'bad.tfm']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('could not check `bad.tfm`');
  });

  it('prints the JSON contract', () => {
    const bad = tfmc(['check', 'bad.tfm', '--format', 'json']);
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout);
    expectDiagnosticsContract(report);
    expect(report.diagnostics.length).toBeGreaterThan(0);
    expect(report.diagnostics[0]).toMatchObject({ severity: 'error', file: 'bad.tfm', range: { start: { line: 7 } } });

    const good = tfmc(['check', 'good.tfm', '--format', 'json']);
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ diagnostics: [] });
  });

  it('applies --set overrides, reporting unknown keys as diagnostics (exit 1)', () => {
    expect(tfmc(['check', 'good.tfm', '--set', 'width=16']).status).toBe(0);
    const run = tfmc(['check', 'good.tfm', '--set', 'no_such_key=3', '--format', 'json']);
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).diagnostics.map((d: { code: string }) => d.code)).toContain('TFM2014');
  });

  it('under --set, a model\'s expectations are skipped (info TFM4009), not failed', () => {
    const run = tfmc(['check', path.join(ROOT, 'specs/gpt2.tfm'), '--set', 'layers=2'], { cwd: ROOT });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('info[TFM4009]: expectation skipped: `--set layers=2` changes the configuration it was written for');
    expect(run.stdout).toContain('expected 124,439,808 parameters, but the model has');
    expect(run.stdout).toContain('✓ specs/gpt2.tfm: 2 models checked, 0 errors');
    // A constraint the blocks need still fails, with the --set flag named.
    const bad = tfmc(['check', 'specs/gpt2.tfm', '--set', 'heads=7'], { cwd: ROOT });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('`heads` = 7 is set by `--set heads=7`');
  });

  it('--model checks one model; a model the file does not declare is a usage error (exit 2)', () => {
    const one = tfmc(['check', 'specs/gpt2.tfm', '--model', 'Gpt2Tiny', '--format', 'json', '--set', 'layers=3'], { cwd: ROOT });
    expect(one.status).toBe(0);
    // Only Gpt2Tiny was lowered: one skipped expectation, none of Gpt2Small's.
    const report = JSON.parse(one.stdout);
    expect(report.diagnostics.map((d: { code: string; range: { start: { line: number } } }) => `${d.code}@${d.range.start.line}`)).toEqual(['TFM4009@46']);
    const typo = tfmc(['check', 'specs/gpt2.tfm', '--model', 'gpt2tiny'], { cwd: ROOT });
    expect(typo.status).toBe(2);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toBe('error: specs/gpt2.tfm has no model named `gpt2tiny` (did you mean `Gpt2Tiny`? its models: `Gpt2Small`, `Gpt2Tiny`)\n');
  });

  it('checks every .tfm file under a folder, and refuses a folder without any', () => {
    const run = tfmc(['check', 'specs'], { cwd: ROOT });
    expect(run.status).toBe(0);
    const shipped = fs.readdirSync(path.join(ROOT, 'specs')).filter((f) => f.endsWith('.tfm')).sort();
    expect(run.stdout.trim().split('\n').map((l) => l.replace(/^✓ specs\/([^:]+):.*$/, '$1'))).toEqual(shipped);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-check-'));
    const none = tfmc(['check', empty]);
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(`error: no .tfm files under '${empty}'\n`);
    fs.rmSync(empty, { recursive: true });
  });

  it('--quiet prints errors only: no warnings, notes or success lines', () => {
    const quiet = tfmc(['check', '--quiet', 'specs/gpt2.tfm', '--set', 'layers=2'], { cwd: ROOT });
    expect(quiet).toMatchObject({ status: 0, stdout: '', stderr: '' });
    const errors = tfmc(['-q', 'check', 'bad.tfm']);
    expect(errors.status).toBe(1);
    expect(errors.stdout).toMatch(/^error\[TFM\d{4}\]: /);
  });
});
