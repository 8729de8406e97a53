/** The prettier plugin through the real prettier: same text as `tfmc fmt`, errors in prettier's shape. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/index.js';
import plugin from '../../src/format/prettier-plugin.js';
import { ROOT } from './helpers.js';

const MESSY = fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'messy-gpt.tfm'), 'utf8');
const expected = (() => {
  const r = formatText(MESSY);
  if (!r.ok) throw new Error('fixture does not parse');
  return r.text;
})();

describe('prettier plugin', () => {
  it('formats with parser "tfm" exactly like tfmc fmt', async () => {
    expect(await prettier.format(MESSY, { parser: 'tfm', plugins: [plugin] })).toBe(expected);
  });

  it('is picked for .tfm files by extension, whatever printWidth and tabWidth say', async () => {
    const out = await prettier.format(MESSY, { filepath: 'model.tfm', plugins: [plugin], printWidth: 40, tabWidth: 8 });
    expect(out).toBe(expected);
    const info = await prettier.getSupportInfo({ plugins: [plugin] });
    expect(info.languages.find((l) => l.name === 'tfm')?.extensions).toEqual(['.tfm']);
  });

  it('reports a syntax error with its position', async () => {
    const failure = prettier.format('model M {\n  let x = (1 +\n}\n', { parser: 'tfm', plugins: [plugin] });
    await expect(failure).rejects.toThrow(/expected an expression.*TFM1004/);
    await expect(failure).rejects.toMatchObject({ loc: { start: { line: 3, column: 1 } } });
  });

  it('loads by package name from the prettier CLI (package export tfmc/prettier-plugin, built dist/)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-prettier-'));
    try {
      const file = path.join(dir, 'x.tfm');
      fs.writeFileSync(file, MESSY);
      const bin = path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
      const r = spawnSync(process.execPath, [bin, '--plugin', 'tfmc/prettier-plugin', '--write', file], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(fs.readFileSync(file, 'utf8')).toBe(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
