/**
 * Issue 15, item 9: no command overwrites a file it did not write without `--force`, and none
 * overwrites what it reads, even with `--force` (src/cli/output-guard.ts). The built binary on real
 * files: each case first shows the file that was at risk, then that it is byte-for-byte unchanged.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ROOT, tfmc, type Run } from './helpers.js';

const SPEC_TEXT = fs.readFileSync(path.join(ROOT, 'examples/tiny-lm.tfm'), 'utf8');
const CORPUS = path.join(ROOT, 'examples/corpus.txt');
let dir: string;
const run = (args: string[], timeout = 60_000): Run => tfmc(args, { cwd: dir, timeout });
const read = (rel: string) => fs.readFileSync(path.join(dir, rel));

function expectRefused(r: Run, code: string, ...mentions: string[]): void {
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^error\\[${code}\\]: `));
  for (const m of mentions) expect(r.stderr).toContain(m);
  expectNoStackTrace(r);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-output-guard-'));
  fs.writeFileSync(path.join(dir, 'lm.tfm'), SPEC_TEXT);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('tfmc graph -o', () => {
  it('never writes over its own spec, also through a hard link or a symlink, and not with --force', () => {
    fs.linkSync(path.join(dir, 'lm.tfm'), path.join(dir, 'hard.tfm'));
    fs.symlinkSync('lm.tfm', path.join(dir, 'soft.dot'));
    for (const out of ['lm.tfm', 'hard.tfm', 'soft.dot']) {
      for (const force of [[], ['--force']]) {
        const r = run(['graph', 'lm.tfm', '--format', 'dot', '-o', out, ...force]);
        expectRefused(r, 'TFM6002', `'${out}'`, '-o', 'the spec', 'lm.tfm');
      }
    }
    expect(read('lm.tfm').toString()).toBe(SPEC_TEXT);
    expect(fs.statSync(path.join(dir, 'hard.tfm')).nlink).toBe(2);
  });

  it("refuses a file it did not write unless --force; replaces its own earlier picture", () => {
    fs.writeFileSync(path.join(dir, 'notes.svg'), '<svg>my drawing</svg>\n');
    expectRefused(run(['graph', 'lm.tfm', '-o', 'notes.svg']), 'TFM6001', "'notes.svg'", '-o', '--force');
    expect(read('notes.svg').toString()).toBe('<svg>my drawing</svg>\n');
    expect(run(['graph', 'lm.tfm', '-o', 'notes.svg', '--force']).status).toBe(0);
    expect(read('notes.svg').toString()).toContain('<!-- tfmc graph -->');
    for (const out of ['g.svg', 'g.dot', 'g.mmd', 'g.png']) {
      expect(run(['graph', 'lm.tfm', '-o', out]).status).toBe(0);
      const again = run(['graph', 'lm.tfm', '-o', out, '--depth', '0']);
      expect(again.stderr, out).toBe('');
      expect(again.status, out).toBe(0);
    }
    // The marked PNG is still a valid PNG (resvg's output with one more chunk before IEND).
    const png = read('g.png');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.subarray(png.length - 8, png.length - 4).toString()).toBe('IEND');
  });
});

describe('tfmc compile -o and weights export -o', { timeout: 180_000 }, () => {
  beforeAll(() => {
    const r = run(['train', 'lm.tfm', '--data', CORPUS, '--steps', '2', '--batch', '2', '--seq', '8', '--eval-every', '1000', '--out', 'run', '--backend', 'cpu'], 120_000);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);

  it('compile --target tfjs refuses a trained checkpoint (exit 1, TFM6001); the checkpoint is untouched', () => {
    const manifest = read('run/checkpoint/manifest.json');
    const weights = read('run/checkpoint/weights.bin');
    expect(JSON.parse(manifest.toString()).step).toBe(2);
    const r = run(['compile', 'lm.tfm', '--target', 'tfjs', '-o', 'run/checkpoint']);
    expectRefused(r, 'TFM6001', "'run/checkpoint'", '-o', '--force');
    expect(read('run/checkpoint/manifest.json')).toEqual(manifest);
    expect(read('run/checkpoint/weights.bin')).toEqual(weights);
    // Its own earlier output is replaced without --force.
    expect(run(['compile', 'lm.tfm', '--target', 'tfjs', '-o', 'compiled']).status).toBe(0);
    expect(run(['compile', 'lm.tfm', '--target', 'tfjs', '-o', 'compiled', '--seed', '2']).status).toBe(0);
  });

  it('compile never replaces a directory holding the spec or the working directory, even with --force', () => {
    expectRefused(run(['compile', 'lm.tfm', '--target', 'ts', '-o', '.', '--force']), 'TFM6002', 'the spec');
    fs.mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
    const r = tfmc(['compile', path.join(dir, 'lm.tfm'), '--target', 'ts', '-o', '..', '--force'], { cwd: path.join(dir, 'nested', 'deeper') });
    expectRefused(r, 'TFM6002', 'the working directory');
    expect(read('lm.tfm').toString()).toBe(SPEC_TEXT);
  });

  it('weights export refuses an existing file it did not write, and the files of the checkpoint it reads', () => {
    fs.writeFileSync(path.join(dir, 'precious.safetensors'), 'not mine');
    expectRefused(run(['weights', 'export', 'run', '-o', 'precious.safetensors']), 'TFM6001', "'precious.safetensors'", '--force');
    expect(read('precious.safetensors').toString()).toBe('not mine');
    const weights = read('run/checkpoint/weights.bin');
    expectRefused(run(['weights', 'export', 'run', '-o', 'run/checkpoint/weights.bin', '--force']), 'TFM6002', 'the run directory');
    expect(read('run/checkpoint/weights.bin')).toEqual(weights);
    // Its own earlier export is replaced; --force replaces the foreign file.
    expect(run(['weights', 'export', 'run', '-o', 'w.safetensors']).status).toBe(0);
    expect(run(['weights', 'export', 'run', '-o', 'w.safetensors']).status).toBe(0);
    expect(run(['weights', 'export', 'run', '-o', 'precious.safetensors', '--force']).status).toBe(0);
  });

  it('weights import --out refuses a non-empty directory and the file it reads', () => {
    fs.mkdirSync(path.join(dir, 'mine'));
    fs.writeFileSync(path.join(dir, 'mine', 'keep.txt'), 'keep');
    expectRefused(run(['weights', 'import', 'lm.tfm', 'w.safetensors', '--out', 'mine']), 'TFM6001', "'mine'", '--out');
    expect(fs.readdirSync(path.join(dir, 'mine'))).toEqual(['keep.txt']);
    fs.copyFileSync(path.join(dir, 'w.safetensors'), path.join(dir, 'mine', 'w.safetensors'));
    expectRefused(run(['weights', 'import', 'lm.tfm', 'mine/w.safetensors', '--out', 'mine', '--force']), 'TFM6002', 'the weights file');
    expect(fs.readdirSync(path.join(dir, 'mine')).sort()).toEqual(['keep.txt', 'w.safetensors']);
  });
});
