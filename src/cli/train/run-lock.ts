/**
 * One `tfmc train` at a time per run directory (issue 15, item 8): two runs resuming the same
 * directory would interleave their checkpoints, metrics and clean-up. The lock is
 * proper-lockfile's: a `train.lock/` directory inside the run directory (made with an atomic
 * mkdir), its mtime refreshed every few seconds while the run lives, and released on exit (also
 * on Ctrl-C). A lock whose mtime is older than {@link STALE_MS} was left by a killed process and is
 * taken over. Who holds it (pid, host, start time) is written beside it (`train.lock.json`) for the
 * refusal.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import lockfile from 'proper-lockfile';
import { TfmcFileError } from '../../diagnostics/file-error.js';

export const LOCK_NAME = 'train.lock';
/** Beside the lock, not in it: proper-lockfile removes the lock directory with rmdir, which needs it empty. */
const HOLDER = 'train.lock.json';

/** The entries of a run directory that belong to its lock. */
export function isLockEntry(name: string): boolean {
  return name === LOCK_NAME || name === HOLDER;
}
/** A lock not refreshed for this long belongs to a process that is gone. */
export const STALE_MS = 10_000;

export interface RunLock {
  release(): Promise<void>;
}

/** Takes the lock of `dir` (which must exist), or throws `TFM6007` naming the process that holds it. */
export async function lockRunDir(dir: string, shown: string, warn: (message: string) => void): Promise<RunLock> {
  const lockPath = path.join(dir, LOCK_NAME);
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      onCompromised: (err) => warn(`the lock of ${shown} was lost (${err.message}); another tfmc train may now write to it`),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    throw new TfmcFileError(
      'TFM6007',
      `${shown} is in use by ${holderOf(path.join(dir, HOLDER))}; two runs in one directory would corrupt it. Wait for that run to finish or stop it (a lock left by a killed process is taken over after ${STALE_MS / 1000} s)`,
    );
  }
  const holder = path.join(dir, HOLDER);
  try {
    fs.writeFileSync(holder, JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }) + '\n');
  } catch {
    // The holder's name only improves the message of a refused run.
  }
  return {
    release: async () => {
      fs.rmSync(holder, { force: true });
      await release().catch(() => undefined);
    },
  };
}

function holderOf(holder: string): string {
  try {
    const h = JSON.parse(fs.readFileSync(holder, 'utf8')) as { pid: number; host: string; since: string };
    const where = h.host === os.hostname() ? '' : ` on ${h.host}`;
    return `another tfmc train (process ${h.pid}${where}, since ${h.since})`;
  } catch {
    return 'another tfmc train';
  }
}
