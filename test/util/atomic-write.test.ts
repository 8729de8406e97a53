/**
 * writeFileAtomic (issue 15, item 12): the data are flushed before the rename publishes them and
 * the directory after it, so a power cut leaves the old file or the new one. The order of the
 * file-system calls is recorded through a spy on node:fs; the files are real.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const calls: string[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const fdPaths = new Map<number, string>();
  const mocked = {
    ...real,
    openSync: (p: fs.PathLike, ...rest: unknown[]) => {
      const fd = (real.openSync as (...a: unknown[]) => number)(p, ...rest);
      fdPaths.set(fd, String(p));
      return fd;
    },
    fsyncSync: (fd: number) => {
      calls.push(`fsync ${path.basename(fdPaths.get(fd) ?? '?')}`);
      return real.fsyncSync(fd);
    },
    renameSync: (a: fs.PathLike, b: fs.PathLike) => {
      calls.push(`rename ${path.basename(String(a)).replace(/\d+-[0-9a-f]+$/, 'N')} ${path.basename(String(b))}`);
      return real.renameSync(a, b);
    },
  };
  return { ...mocked, default: mocked };
});

const { writeFileAtomic, ATOMIC_TEMPORARY } = await import('../../src/util/atomic-write.js');

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-atomic-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('flushes the temporary file, renames it, then flushes the directory', () => {
    const target = path.join(dir, 'out.txt');
    fs.writeFileSync(target, 'old');
    fs.chmodSync(target, 0o640);
    calls.length = 0;
    writeFileAtomic(target, 'new');
    expect(calls).toEqual([expect.stringMatching(/^fsync \.out\.txt\.tmp-\d+-[0-9a-f]+$/), 'rename .out.txt.tmp-N out.txt', `fsync ${path.basename(dir)}`]);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    expect(fs.readdirSync(dir)).toEqual(['out.txt']);
  });

  it('names its temporaries so a killed run can find them', () => {
    expect(ATOMIC_TEMPORARY.test('.run.json.tmp-1234-0af3')).toBe(true);
    expect(ATOMIC_TEMPORARY.test('run.json')).toBe(false);
  });
});
