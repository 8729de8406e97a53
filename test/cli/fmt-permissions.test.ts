/**
 * Issue 15, item 10: `tfmc fmt` on a file it cannot or must not write. It used to print
 * "formatted" after EACCES; now such a file is a coded refusal (TFM6003, exit 1), left byte for
 * byte and mode for mode as it was. Hard links stay linked. Root ignores permission bits, so the
 * EACCES case runs the CLI as `nobody` (setpriv) when the tests run as root.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, tfmc, type Run } from './helpers.js';

const UNFORMATTED = 'model M {\n  input x:   float32[batch,4]\n  output y = Linear(2)( x )\n}\n';
const FORMATTED = 'model M {\n  input x: float32[batch, 4]\n  output y = Linear(2)(x)\n}\n';
let dir: string;
const at = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-fmt-perm-'));
});
afterAll(() => {
  fs.chmodSync(dir, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI as an unprivileged user: as itself when it is one, else as nobody. */
function asUser(args: string[], cwd: string): Run {
  if (process.getuid?.() !== 0) return tfmc(args, { cwd });
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tfmc fmt: files it cannot write', () => {
  it('a read-only file is refused (TFM6003), never "formatted", and keeps its content and mode', () => {
    fs.writeFileSync(at('ro.tfm'), UNFORMATTED);
    fs.writeFileSync(at('ok.tfm'), UNFORMATTED);
    fs.chmodSync(at('ro.tfm'), 0o444);
    const r = tfmc(['fmt', 'ro.tfm', 'ok.tfm'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("error[TFM6003]: cannot write 'ro.tfm': it is read-only (mode 0444); it was left as it was\n");
    expect(r.stdout).toBe('formatted ok.tfm\n'); // the other file is still formatted
    expectNoStackTrace(r);
    expect(fs.readFileSync(at('ro.tfm'), 'utf8')).toBe(UNFORMATTED);
    expect(fs.statSync(at('ro.tfm')).mode & 0o777).toBe(0o444);
    expect(fs.readFileSync(at('ok.tfm'), 'utf8')).toBe(FORMATTED);
  });

  it('a write that fails with EACCES (a folder the user cannot write in) is reported, not "formatted"', () => {
    const locked = at('locked');
    fs.mkdirSync(locked);
    fs.writeFileSync(path.join(locked, 'spec.tfm'), UNFORMATTED);
    // The file itself is writable; the folder is not, so the temporary file of the atomic write cannot be made.
    fs.chmodSync(path.join(locked, 'spec.tfm'), 0o666);
    fs.chmodSync(locked, 0o555);
    fs.chmodSync(dir, 0o755);
    const r = asUser(['fmt', 'spec.tfm'], locked);
    expect(r.stderr).toBe("error[TFM6003]: cannot write 'spec.tfm': permission denied; it was left as it was\n");
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(locked, 'spec.tfm'), 'utf8')).toBe(UNFORMATTED);
    expect(fs.statSync(path.join(locked, 'spec.tfm')).mode & 0o777).toBe(0o666);
  });

  it('keeps the mode of a file it rewrites, and hard links linked', () => {
    fs.writeFileSync(at('mode.tfm'), UNFORMATTED);
    fs.chmodSync(at('mode.tfm'), 0o640);
    fs.writeFileSync(at('one.tfm'), UNFORMATTED);
    fs.linkSync(at('one.tfm'), at('two.tfm'));
    const ino = fs.statSync(at('one.tfm')).ino;
    const r = tfmc(['fmt', 'mode.tfm', 'one.tfm'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.statSync(at('mode.tfm')).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(at('mode.tfm'), 'utf8')).toBe(FORMATTED);
    // Both names still point at one file, and both see the new layout.
    expect(fs.statSync(at('one.tfm')).ino).toBe(ino);
    expect(fs.statSync(at('two.tfm')).ino).toBe(ino);
    expect(fs.statSync(at('one.tfm')).nlink).toBe(2);
    expect(fs.readFileSync(at('two.tfm'), 'utf8')).toBe(FORMATTED);
  });
});
