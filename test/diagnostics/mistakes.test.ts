/**
 * The realistic-mistake corpus (issue 16): specs as a user writes them, each with one mistake a
 * new user makes (or that public Transformer projects reported). Every case states in its header:
 *
 *   // mistake: what the user did wrong, in words
 *   // expect: TFM3003                 the one diagnostic this mistake must produce
 *   // cause: heads = 10               the source text the primary label must cover: what to change
 *   // set: key=value                  (optional) `--set` overrides of the run
 *
 * and the test asserts: exactly one diagnostic for the mistake (no cascade), with that code; its
 * primary label covers the cause; its help carries edits; and the spec with those edits applied
 * checks without errors and without that diagnostic. When the cause is a `--set` flag
 * (`// cause: --set heads=7`), the primary label must say so, and the help must name the `--set`
 * to give instead: the run with it checks. The human rendering is golden
 * (`<name>.expected`, UPDATE_GOLDEN=1), so message quality is reviewed in the diff.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../src/index.js';
import { applyEdits } from '../../src/diagnostics/edits.js';
import { renderHuman } from '../../src/render/human.js';
import { expectGolden } from '../helpers/golden.js';

const DIR = join(import.meta.dirname, 'mistakes');
// Paths in the goldens are relative to the repository root, so they read the same in any clone.
const ROOT = join(import.meta.dirname, '..', '..');
const cases = readdirSync(DIR).filter((f) => f.endsWith('.tfm')).sort();

interface Case {
  mistake: string;
  code: string;
  cause: string;
  overrides: Record<string, string>;
}

function header(text: string, name: string): Case {
  const field = (key: string) => new RegExp(`^// ${key}: (.+)$`, 'm').exec(text)?.[1].trim();
  const mistake = field('mistake');
  const code = field('expect');
  const cause = field('cause');
  if (!mistake || !code || !cause) throw new Error(`${name}: the header needs mistake, expect and cause lines`);
  const overrides = Object.fromEntries([...text.matchAll(/^\/\/ set: (\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
  return { mistake, code, cause, overrides };
}


describe('realistic-mistake corpus', () => {
  it('has at least 60 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const name of cases) {
    it(name, () => {
      const path = join(DIR, name);
      const text = readFileSync(path, 'utf8');
      const c = header(text, name);
      const result = checkSource(text, path, { overrides: c.overrides });
      expectGolden(path.replace(/\.tfm$/, '.expected'), renderHuman(result.diagnostics, result.sources, { color: false, cwd: ROOT }));

      // One report for the one mistake: no cascade of errors, and the mistake's own code.
      const reported = result.diagnostics.filter((d) => d.severity === 'error' || d.code === c.code);
      expect(reported.map((d) => d.code), c.mistake).toEqual([c.code]);
      const d = reported[0];

      if (c.cause.startsWith('--set ')) {
        // The flag is what to change: the primary label names it, the help gives the flag to use instead.
        expect(d.primary.message, `primary label of ${c.code}`).toContain(`by \`${c.cause}\``);
        const key = c.cause.slice('--set '.length).split('=')[0];
        const instead = new RegExp(`\`--set ${key}=([^\`]+)\``).exec(d.help?.message ?? '');
        expect(instead, `the help names another \`--set ${key}=…\`: ${d.help?.message}`).not.toBeNull();
        const after = checkSource(text, path, { overrides: { ...c.overrides, [key]: instead![1] } });
        expect(after.diagnostics.filter((x) => x.severity === 'error' || x.code === c.code).map((x) => `${x.code} ${x.message}`)).toEqual([]);
        return;
      }

      // The primary label sits on what the user must change.
      const at = d.primary.file === path ? text.slice(d.primary.span.start.offset, d.primary.span.end.offset) : `${d.primary.file}`;
      expect(at, `primary label of ${c.code}`).toBe(c.cause);

      // The help's edits are the fix.
      expect(d.help?.edits?.length, `${c.code} has no machine-applicable help`).toBeGreaterThan(0);
      const edits = d.help!.edits!;
      expect(edits.every((e) => e.file === path), 'edits apply to the spec itself').toBe(true);
      const fixed = applyEdits(text, edits);
      const after = checkSource(fixed, path, { overrides: c.overrides });
      const left = after.diagnostics.filter((x) => x.severity === 'error' || x.code === c.code);
      expect(left.map((x) => `${x.code} ${x.message}`), `after applying the help:\n${fixed}`).toEqual([]);
    });
  }
});
