/** `tfmc summary` end to end: the real binary over real specs (needs the compiler pipeline). */
import { describe, expect, it } from 'vitest';
import { expectDiagnosticsContract, expectNoStackTrace, tfmc } from './helpers.js';

describe('tfmc summary', () => {
  it('prints the table and totals for a clean file', () => {
    const run = tfmc(['summary', 'good.tfm', '--seq', '16']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Model Tiny (good.tfm)');
    expect(run.stdout).toMatch(/Layer \(path\) +Block +Output shape +Params/);
    expect(run.stdout).toMatch(/\nTotal params: [\d,]+ \([\d.]+ (B|KiB|MiB|GiB) fp32\)\n/);
    expect(run.stdout).toMatch(/\nFLOPs\/token \(seq=16\): [\d.,]+ k?M?G?FLOP\n/);
    expect(run.stdout).toMatch(/\nActivation memory \(batch=1, seq=16\): [\d.,]+ (B|KiB|MiB|GiB)\n/);
  });

  it('prints one JSON object for one model', () => {
    const run = tfmc(['summary', 'good.tfm', '--format', 'json', '--batch', '4', '--seq', '16']);
    expect(run.status).toBe(0);
    const s = JSON.parse(run.stdout);
    expect(s).toMatchObject({ model: 'Tiny', file: 'good.tfm', batch: 4, seq: 16, diagnostics: [] });
    for (const k of ['params', 'flopsPerToken', 'activationBytes']) expect(typeof s[k]).toBe('number');
    expect(Array.isArray(s.rows)).toBe(true);
    expect(tfmc(['summary', 'good.tfm', '--format', 'json', '--depth', '0']).stdout).toMatch(/"rows": \[\]/);
  });

  it('prints diagnostics instead of a table when the file has errors', () => {
    const run = tfmc(['summary', 'bad.tfm']);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^error\[TFM\d{4}\]/);
    expect(run.stdout).not.toContain('Total params');
    expectNoStackTrace(run);

    const json = tfmc(['summary', 'bad.tfm', '--format', 'json']);
    expect(json.status).toBe(1);
    expectDiagnosticsContract(JSON.parse(json.stdout));
  });

  it('an unknown --model is a usage error (exit 2), with the models of the file', () => {
    const run = tfmc(['summary', 'good.tfm', '--model', 'Nope', '--format', 'json']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error: good\.tfm has no model named `Nope` \(its models: `\w+`\)\n$/);
  });
});
