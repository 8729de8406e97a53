/**
 * The playground's examples menu (playground/examples/, embedded by playground/src/examples.ts):
 * every file is listed, checks without a diagnostic, has one model with a loss (so both Run
 * buttons work), and is laid out as `tfmc fmt` would.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/index.js';
import { checkSource } from '../../src/pipeline/check-spec.js';

const ROOT = join(import.meta.dirname, '../..');
const DIR = join(ROOT, 'playground/examples');
const files = readdirSync(DIR).filter((f) => f.endsWith('.tfm'));
const menu = readFileSync(join(ROOT, 'playground/src/examples.ts'), 'utf8');

describe('playground examples', () => {
  it('are all in the menu', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(menu, f).toContain(`'../examples/${f}'`);
  });

  for (const f of files) {
    it(`${f} checks clean, has one model with a loss, and is formatted`, () => {
      const text = readFileSync(join(DIR, f), 'utf8');
      const r = checkSource(text, join(DIR, f));
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      expect(r.models).toHaveLength(1);
      expect(r.models[0].losses.length).toBeGreaterThan(0);
      expect(formatText(text, f)).toEqual({ ok: true, text });
    });
  }
});
