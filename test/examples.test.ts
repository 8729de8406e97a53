/** The examples are runnable: every example spec checks clean and the library example runs. */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../src/index.js';
import { totalParams } from '../src/ir/types.js';

const EXAMPLES = join(import.meta.dirname, '../examples');

describe('examples', () => {
  for (const f of readdirSync(EXAMPLES).filter((f) => f.endsWith('.tfm'))) {
    it(`${f} checks clean`, () => {
      const r = checkFile(join(EXAMPLES, f));
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
      expect(r.models.length).toBeGreaterThan(0);
    });
  }

  it('the Llama-style decoder has TinyLlama-1.1B\'s published parameter count', () => {
    const [m] = checkFile(join(EXAMPLES, 'llama-style.tfm')).models;
    expect(totalParams(m)).toBe(1_100_048_384); // TinyLlama-1.1B model card / its checkpoint's count
  });

  it('the Qwen2-style decoder has Qwen2-0.5B\'s published parameter count, and its untied variant one head more', () => {
    const models = new Map(checkFile(join(EXAMPLES, 'qwen2-style.tfm')).models.map((m) => [m.name, m]));
    expect(totalParams(models.get('Qwen2')!)).toBe(494_032_768); // Qwen2-0.5B model card; also torch's count of the same modules
    expect(totalParams(models.get('Qwen2Untied')!) - totalParams(models.get('Qwen2')!)).toBe(151_936 * 896);
  });

  it('library-api.mjs runs against the built package', () => {
    const r = spawnSync(process.execPath, [join(EXAMPLES, 'library-api.mjs')], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^heads=4: Classifier has \d+ parameters/m);
    expect(r.stdout).toMatch(/^heads=6: TFM3003 .*not divisible/m);
  });
});
