/**
 * Issue 15, item 11: `tfmc init` is all-or-nothing. A failure midway used to leave part of the
 * project behind (model.tfm written, then a crash on `data/`); now the command refuses with
 * TFM6003 and the folder holds exactly what it held before. Real files, the built binary.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, tfmc, type Run } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-init-atomic-'));
  fs.chmodSync(dir, 0o755);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every entry under `root`, hidden ones included, as sorted relative paths. */
function tree(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

describe('tfmc init: all or nothing', () => {
  it('a failure midway (a file named data where the data folder goes) leaves nothing behind', () => {
    const project = path.join(dir, 'blocked');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'data'), 'my notes, not a folder');
    const r = tfmc(['init', 'blocked'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error\[TFM6003\]: cannot create the project in blocked: .*; nothing was written\n$/);
    expectNoStackTrace(r);
    expect(tree(project)).toEqual(['data']);
    expect(fs.readFileSync(path.join(project, 'data'), 'utf8')).toBe('my notes, not a folder');
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a new folder appears whole, in one rename; nested parents are created', () => {
    const r = tfmc(['init', 'deep/new-project'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(tree(path.join(dir, 'deep', 'new-project'))).toEqual(['README.md', 'data', 'data/corpus.txt', 'model.tfm']);
    expect(fs.readdirSync(path.join(dir, 'deep'))).toEqual(['new-project']); // no staging folder left
  });

  it('into an existing folder: its own files are kept, the project added, no staging folder left', () => {
    const project = path.join(dir, 'existing');
    fs.mkdirSync(path.join(project, 'data'), { recursive: true });
    fs.writeFileSync(path.join(project, 'data', 'mine.txt'), 'mine');
    const r = tfmc(['init', '.'], { cwd: project });
    expect(r.status, r.stderr).toBe(0);
    expect(tree(project)).toEqual(['README.md', 'data', 'data/corpus.txt', 'data/mine.txt', 'model.tfm']);
  });

  it('a folder the user cannot write in: refused, nothing written (run as nobody when root)', () => {
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked, { mode: 0o755 });
    fs.chmodSync(locked, 0o555);
    const args = ['init', 'locked/sub'];
    const r: Run =
      process.getuid?.() === 0
        ? (() => {
            const x = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
            return { status: x.status, stdout: x.stdout, stderr: x.stderr };
          })()
        : tfmc(args, { cwd: dir });
    expect(r.stderr).toMatch(/^error\[TFM6003\]: cannot create the project in locked\/sub: permission denied; nothing was written\n$/);
    expect(r.status).toBe(1);
    expect(fs.readdirSync(locked)).toEqual([]);
  });
});
