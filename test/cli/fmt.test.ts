/** `tfmc fmt` through the built binary: in place, --check, stdin, syntax errors, usage errors. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, ROOT, tfmc } from './helpers.js';

const MESSY = 'model M { config { a = 1 bb = 2 } input x: float32[n,d] output y = relu(x) }\n';
const CANONICAL = 'model M {\n  config {\n    a  = 1\n    bb = 2\n  }\n  input x: float32[n, d]\n  output y = relu(x)\n}\n';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-fmt-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function withStdin(args: string[], input: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input, encoding: 'utf8', timeout: 20_000 });
}

describe('tfmc fmt', () => {
  it('rewrites a file in place and leaves formatted files untouched', () => {
    fs.writeFileSync(path.join(dir, 'a.tfm'), MESSY);
    fs.writeFileSync(path.join(dir, 'b.tfm'), CANONICAL);
    const old = new Date(2020, 0, 1);
    fs.utimesSync(path.join(dir, 'b.tfm'), old, old);
    const r = tfmc(['fmt', 'a.tfm', 'b.tfm'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('formatted a.tfm\n');
    expect(fs.readFileSync(path.join(dir, 'a.tfm'), 'utf8')).toBe(CANONICAL);
    expect(fs.statSync(path.join(dir, 'b.tfm')).mtime.getTime()).toBe(old.getTime());
    expect(fs.readdirSync(dir).sort()).toEqual(['a.tfm', 'b.tfm']); // no temporary files left
  });

  it('rewrites the file a symlink points to and keeps the link and the permissions', () => {
    fs.writeFileSync(path.join(dir, 'real.tfm'), MESSY, { mode: 0o640 });
    fs.chmodSync(path.join(dir, 'real.tfm'), 0o640);
    fs.symlinkSync('real.tfm', path.join(dir, 'link.tfm'));
    expect(tfmc(['fmt', 'link.tfm'], { cwd: dir }).status).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'link.tfm')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'real.tfm'), 'utf8')).toBe(CANONICAL);
    expect(fs.statSync(path.join(dir, 'real.tfm')).mode & 0o777).toBe(0o640);
  });

  it('formats every .tfm file under a folder', () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'c.tfm'), MESSY);
    fs.writeFileSync(path.join(dir, 'sub', 'notes.txt'), 'model M { }');
    const r = tfmc(['fmt', '.'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'sub', 'c.tfm'), 'utf8')).toBe(CANONICAL);
    expect(fs.readFileSync(path.join(dir, 'sub', 'notes.txt'), 'utf8')).toBe('model M { }');
  });

  it('--check lists unformatted files, writes nothing, exits 1', () => {
    fs.writeFileSync(path.join(dir, 'a.tfm'), MESSY);
    fs.writeFileSync(path.join(dir, 'b.tfm'), CANONICAL);
    const r = tfmc(['fmt', '--check', 'a.tfm', 'b.tfm'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('a.tfm\n');
    expect(r.stderr).toContain('1 of 2 files not formatted');
    expect(fs.readFileSync(path.join(dir, 'a.tfm'), 'utf8')).toBe(MESSY);
    expect(tfmc(['fmt', '--check', 'b.tfm'], { cwd: dir }).status).toBe(0);
  });

  it('the shipped specs are formatted (tfmc fmt --check specs src/std)', () => {
    const r = tfmc(['fmt', '--check', 'specs', 'src/std'], { cwd: ROOT });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('formats standard input to standard output (- and --stdin)', () => {
    for (const args of [['fmt', '-'], ['fmt', '--stdin']]) {
      const r = withStdin(args, MESSY);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(CANONICAL);
    }
  });

  it('leaves a file with syntax errors alone and prints its errors (exit 1)', () => {
    const bad = 'model M {\n  let x = (1 +\n}\n';
    fs.writeFileSync(path.join(dir, 'bad.tfm'), bad);
    fs.writeFileSync(path.join(dir, 'ok.tfm'), MESSY);
    const r = tfmc(['fmt', 'bad.tfm', 'ok.tfm'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[TFM1004]');
    expect(r.stderr).toContain('bad.tfm:3:1');
    expect(r.stderr).toContain('bad.tfm: not formatted');
    expect(fs.readFileSync(path.join(dir, 'bad.tfm'), 'utf8')).toBe(bad);
    expect(fs.readFileSync(path.join(dir, 'ok.tfm'), 'utf8')).toBe(CANONICAL);
    expectNoStackTrace(r);
    const s = withStdin(['fmt', '-'], bad);
    expect(s.status).toBe(1);
    expect(s.stdout).toBe('');
    expect(s.stderr).toContain('<stdin>:3:1');
  });

  it('usage errors exit 2 in one line', () => {
    for (const [args, message] of [
      [['fmt'], 'no files to format'],
      [['fmt', 'missing.tfm'], "cannot read 'missing.tfm': no such file or folder"],
      [['fmt', 'a.tfm', '-'], 'cannot be mixed'],
      [['fmt', '--stdin', 'a.tfm'], 'not both'],
    ] as [string[], string][]) {
      const r = tfmc(args, { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expectNoStackTrace(r);
    }
  });
});
