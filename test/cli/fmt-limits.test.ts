/**
 * `tfmc fmt` reads specs as `check` does (issue 15, loose end of item 4): a FIFO, a device, a file
 * past the size or line-length limit or not UTF-8 is refused with the same coded diagnostic,
 * without hanging, and left as it was; standard input is held to the same limits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, expectNoStackTrace, tfmc } from './helpers.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-fmt-limits-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MESSY = 'model M { input x: float32[n,d] output y = relu(x) }\n';

describe('tfmc fmt refuses what check refuses', () => {
  it('a FIFO at once (it used to wait forever for a writer), with TFM1012, and formats the other files', () => {
    const fifo = path.join(dir, 'pipe.tfm');
    execFileSync('mkfifo', [fifo]);
    const ok = path.join(dir, 'ok.tfm');
    fs.writeFileSync(ok, MESSY);
    const run = tfmc(['fmt', fifo, ok], { cwd: dir, timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error[TFM1012]: cannot read this as a spec: it is not a regular file');
    expect(run.stderr).toContain('pipe.tfm: not formatted');
    expect(run.stdout).toBe('formatted ok.tfm\n');
    expectNoStackTrace(run);
    expect(fs.statSync(fifo).isFIFO()).toBe(true);
  });

  it('a device (/dev/zero, which never ends)', () => {
    const run = tfmc(['fmt', '--check', '/dev/zero'], { cwd: dir, timeout: 10_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error[TFM1012]');
  });

  it('a file past TFMC_MAX_SOURCE_BYTES, a line past TFMC_MAX_LINE_LENGTH, bytes that are not UTF-8: left as they were', () => {
    const big = path.join(dir, 'big.tfm');
    fs.writeFileSync(big, MESSY);
    const long = path.join(dir, 'long.tfm');
    fs.writeFileSync(long, `${MESSY}// ${'x'.repeat(200)}\n`);
    const latin1 = path.join(dir, 'latin1.tfm');
    fs.writeFileSync(latin1, Buffer.concat([Buffer.from('// caf'), Buffer.from([0xe9]), Buffer.from(`\n${MESSY}`)]));
    const before = [big, long, latin1].map((f) => fs.readFileSync(f));
    const tooBig = tfmc(['fmt', big], { cwd: dir, env: { TFMC_MAX_SOURCE_BYTES: '40' } });
    expect(tooBig.status).toBe(1);
    expect(tooBig.stderr).toMatch(/error\[TFM1011\]: this file is too large: it is 53 bytes, more than the limit of 40 bytes\n --> big\.tfm:1:1/);
    expect(tooBig.stderr).toContain('TFMC_MAX_SOURCE_BYTES');
    const run = tfmc(['fmt', long, latin1], { cwd: dir, env: { TFMC_MAX_LINE_LENGTH: '100' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/error\[TFM1011\]: a line is too long: line 2 is 203 characters long[^\n]*\n --> long\.tfm:2:1/);
    expect(run.stderr).toMatch(/error\[TFM1010\]: this file is not valid UTF-8: byte 6 \(e9[^\n]*\n --> latin1\.tfm:1:7/);
    expect(tooBig.stdout + run.stdout).toBe('');
    expect([big, long, latin1].map((f) => fs.readFileSync(f))).toEqual(before);
  });

  it('standard input past the size limit, without reading all of it', () => {
    const run = spawnSync(process.execPath, [BIN, 'fmt', '-'], { cwd: dir, input: MESSY.repeat(10), encoding: 'utf8', timeout: 20_000, env: { ...process.env, TFMC_MAX_SOURCE_BYTES: '100' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error[TFM1011]: this file is too large: it is more than the limit of 100 bytes');
    expect(run.stdout).toBe('');
    const ok = spawnSync(process.execPath, [BIN, 'fmt', '-'], { cwd: dir, input: MESSY, encoding: 'utf8', timeout: 20_000 });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe('model M {\n  input x: float32[n, d]\n  output y = relu(x)\n}\n');
  });
});
