/** `tfmc check` end to end: the real binary over real specs (needs the compiler pipeline). */
import { describe, expect, it } from 'vitest';
import { expectDiagnosticsContract, expectNoStackTrace, tfmc } from './helpers.js';

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
});
