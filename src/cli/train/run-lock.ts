/**
 * One `tfmc train` at a time per run directory (issue 15, item 8): two runs resuming the same
 * directory would interleave their checkpoints, metrics and clean-up. The lock is
 * proper-lockfile's: a `train.lock/` directory inside the run directory (made with an atomic
 * mkdir), its mtime refreshed every few seconds while the run lives, and released on exit (also
 * on Ctrl-C). A lock whose mtime is older than {@link STALE_MS} was left by a killed process and is
 * taken over; when the recorded holder is a process of this machine that no longer runs, the new
 * run waits for that instead of refusing. Who holds it (pid, host, start time) is written beside it (`train.lock.json`) for the
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
  const holder = path.join(dir, HOLDER);
  const take = (retries: number) =>
    lockfile.lock(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: STALE_MS,
      retries: retries > 0 ? { retries, minTimeout: 1000, maxTimeout: 1000 } : 0,
      onCompromised: (err) => warn(`the lock of ${shown} was lost (${err.message}); another tfmc train may now write to it`),
    });
  let release: () => Promise<void>;
  try {
    release = await take(0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    const h = readHolder(holder);
    if (!h || h.host !== os.hostname() || isAlive(h.pid)) {
      throw new TfmcFileError(
        'TFM6007',
        `${shown} is in use by ${describeHolder(h)}; two runs in one directory would corrupt it. Wait for that run to finish or stop it (a lock left by a killed process is taken over after ${STALE_MS / 1000} s)`,
      );
    }
    // The holder was killed (SIGKILL, a crash): its lock is no longer refreshed and goes stale
    // within STALE_MS; wait for that rather than removing it by hand (proper-lockfile decides).
    warn(`${shown} was locked by process ${h.pid}, which is no longer running; taking its lock over once it is stale (at most ${STALE_MS / 1000} s)`);
    try {
      release = await take(Math.ceil(STALE_MS / 1000) + 2);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'ELOCKED') throw again;
      throw new TfmcFileError('TFM6007', `${shown} is in use by ${describeHolder(readHolder(holder))}; two runs in one directory would corrupt it. Wait for that run to finish or stop it`);
    }
  }
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

interface Holder {
  pid: number;
  host: string;
  since: string;
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, owned by someone else
  }
}

function describeHolder(h: Holder | undefined): string {
  if (!h) return 'another tfmc train';
  const where = h.host === os.hostname() ? '' : ` on ${h.host}`;
  return `another tfmc train (process ${h.pid}${where}, since ${h.since})`;
}
