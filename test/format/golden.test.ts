/** Messy inputs (`fixtures/`) and their canonical layout (`__golden__/`, `UPDATE_GOLDEN=1` rewrites). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/index.js';
import { expectGolden } from '../helpers/golden.js';
import { commentTexts, tree } from './helpers.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

describe('golden layouts', () => {
  for (const name of readdirSync(FIXTURES).filter((f) => f.endsWith('.tfm')).sort()) {
    it(name, () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const r = formatText(text, name);
      if (!r.ok) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
      expectGolden(join(import.meta.dirname, '__golden__', name), r.text);
      expect(tree(r.text)).toEqual(tree(text));
      expect([...commentTexts(r.text)].sort()).toEqual([...commentTexts(text)].sort());
    });
  }
});
