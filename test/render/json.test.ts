import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderJson, toJsonDiagnostic } from '../../src/render/json.js';
import { expectGolden } from '../helpers/golden.js';
import { BAD, CWD, crossFile, multiLine, shapeMismatch } from './fixtures.js';

const golden = (name: string) => path.join(import.meta.dirname, '__golden__', name);

describe('json renderer', () => {
  it('renders the documented contract', () => {
    const text = renderJson([shapeMismatch(), crossFile(), multiLine()], { cwd: CWD });
    expect(text.endsWith('}\n')).toBe(true);
    expectGolden(golden('report.json'), text);

    const parsed = JSON.parse(text);
    expect(Object.keys(parsed)).toEqual(['diagnostics']);
    for (const d of parsed.diagnostics) {
      expect(Object.keys(d)).toEqual(['code', 'severity', 'message', 'file', 'range', 'label', 'related', 'help', 'fix', 'notes']);
      for (const r of d.related) expect(Object.keys(r)).toEqual(['message', 'file', 'range']);
    }
  });

  it('uses 1-based lines and columns with an exclusive end', () => {
    const d = toJsonDiagnostic(shapeMismatch(), { cwd: CWD });
    // `a + b` on line 8: `  let c = a + b`
    expect(d.range).toEqual({ start: { line: 8, column: 11 }, end: { line: 8, column: 16 } });
    expect(d.related[0].range.start).toEqual({ line: 6, column: 11 });
  });

  it('gives help as a string, or null when absent', () => {
    expect(toJsonDiagnostic(shapeMismatch()).help).toBe('change one side so both are 768');
    expect(toJsonDiagnostic(crossFile()).help).toBeNull();
  });

  it('shows paths like the human renderer: relative inside cwd, as given without cwd', () => {
    expect(toJsonDiagnostic(crossFile(), { cwd: CWD }).file).toBe('specs/bad.tfm');
    expect(toJsonDiagnostic(crossFile(), { cwd: CWD }).related[0].file).toBe('src/std/nn.tfm');
    expect(toJsonDiagnostic(crossFile(), { cwd: '/other' }).file).toBe(BAD);
    expect(toJsonDiagnostic(crossFile()).file).toBe(BAD);
  });

  it('renders an empty report', () => {
    expect(JSON.parse(renderJson([]))).toEqual({ diagnostics: [] });
  });
});
