/**
 * The invalid-spec corpus: one behaviour per file under test/fixtures/invalid/. Each file states
 * the diagnostic it exists for in a first-line comment (`// expect: TFM3001`); the full list of
 * diagnostics (code, severity, line:column) is golden in `<name>.expected`, rewritten with
 * UPDATE_GOLDEN=1 and reviewed in the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/index.js';
import { expectGolden } from '../helpers/golden.js';

const DIR = join(import.meta.dirname, '../fixtures/invalid');
const cases = readdirSync(DIR).filter((f) => f.endsWith('.tfm')).sort();

describe('invalid spec corpus', () => {
  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const name of cases) {
    it(name, () => {
      const path = join(DIR, name);
      const text = readFileSync(path, 'utf8');
      const header = /^\/\/ expect: (TFM\d{4})(?: ([\w-]+))?/.exec(text);
      expect(header, `${name} must start with "// expect: TFMxxxx"`).not.toBeNull();
      const overrides = Object.fromEntries([...text.matchAll(/^\/\/ set: (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
      const result = checkFile(path, { overrides });
      const lines = result.diagnostics.map((d) => {
        const file = d.primary.file === path ? '' : `${d.primary.file.split('/').pop()}:`;
        return `${d.code} ${d.severity} ${file}${d.primary.span.start.line}:${d.primary.span.start.column} ${d.message}`;
      });
      expect(lines.some((l) => l.startsWith(header![1])), `expected ${header![1]} in:\n${lines.join('\n')}`).toBe(true);
      expectGolden(path.replace(/\.tfm$/, '.expected'), lines.join('\n') + '\n');
    });
  }
});
