/**
 * docs/huggingface.md works as printed: its example runs line by line (the built `tfmc`, in a
 * scratch directory holding the files it names), `tfmc import hf` prints what the page shows and
 * writes the spec the page shows, which checks clean.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tfmc } from '../cli/helpers.js';
import { fencedBlocks } from '../helpers/markdown.js';

const page = readFileSync(join(ROOT, 'docs/huggingface.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'tfmc-hf-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/huggingface.md', () => {
  it('runs its example as printed', () => {
    const [script] = fencedBlocks(page, 'sh');
    const [printed] = fencedBlocks(page, 'text');
    const [spec] = fencedBlocks(page, 'tfm');
    for (const f of ['test/weights/hf/reference_checkpoints.py', 'test/fixtures/tokenizers/byte-level-bpe.json']) {
      mkdirSync(join(dir, dirname(f)), { recursive: true });
      cpSync(join(ROOT, f), join(dir, f));
    }
    const lines = script.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBe(5);
    for (const line of lines) {
      const args = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
      if (args[0] === 'tfmc') {
        const r = tfmc(args.slice(1), { cwd: dir, timeout: 60_000 });
        expect(r.status, `${line}\n${r.stderr}`).toBe(0);
        if (args[1] === 'import') expect(r.stdout).toBe(`${printed.trimEnd()}\n`);
      } else if (args[0] === 'cp') {
        cpSync(join(dir, args[1]), join(dir, args[2]));
      } else {
        execFileSync(args[0], args.slice(1), { cwd: dir, stdio: 'pipe' });
      }
    }
    expect(readFileSync(join(dir, 'gpt2-tfmc/model.tfm'), 'utf8')).toBe(`${spec.trimEnd()}\n`);
    expect(tfmc(['check', 'gpt2-tfmc/model.tfm'], { cwd: dir }).status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'gpt2-back/config.json'), 'utf8'))).toMatchObject({ model_type: 'gpt2', vocab_size: 266, n_layer: 2 });
  }, 120_000);
});
