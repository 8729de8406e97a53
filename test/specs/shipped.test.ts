/**
 * Every shipped spec checks clean (no diagnostics at all), and each model's parameter total equals
 * the independent reference: PyTorch's count of the equivalent module, computed by
 * scripts/reference/param_counts.py (see its README for how each module is built and where the
 * published figures come from).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../src/index.js';
import { totalParams } from '../../src/ir/types.js';

const SPECS = join(import.meta.dirname, '../../specs');
const reference: Record<string, { params: number; published: number | null; source: string }> = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/reference-params.json'), 'utf8'),
);

describe('shipped specs', () => {
  const files = readdirSync(SPECS).filter((f) => f.endsWith('.tfm')).sort();
  const seen = new Set<string>();

  for (const f of files) {
    describe(f, () => {
      const result = checkFile(join(SPECS, f));
      it('checks clean', () => {
        expect(result.diagnostics.map((d) => `${d.code} ${d.primary.span.start.line}:${d.primary.span.start.column} ${d.message}`)).toEqual([]);
        expect(result.models.length).toBeGreaterThan(0);
      });
      for (const m of result.models) {
        seen.add(m.name);
        it(`${m.name} has PyTorch's parameter count`, () => {
          const ref = reference[m.name];
          expect(ref, `no reference count for ${m.name}`).toBeDefined();
          expect(totalParams(m)).toBe(ref.params);
        });
      }
    });
  }

  it('covers every reference model', () => {
    const missing = Object.keys(reference).filter((k) => !seen.has(k));
    expect(missing).toEqual([]);
  });
});
