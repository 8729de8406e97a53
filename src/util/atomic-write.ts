/**
 * Writes a file so that readers see the old content or the new, never half of it, also after a
 * power cut: the data go to a temporary file beside the target (same file system), are flushed to
 * the disk (fsync), the temporary is renamed over the target, and the directory is flushed so the
 * rename itself is durable. A failed write leaves the target as it was and removes the temporary.
 */
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';

/** Temporaries of {@link writeFileAtomic} (`.NAME.tmp-PID-HEX`), for cleaning up after a killed process. */
export const ATOMIC_TEMPORARY = /^\..+\.tmp-\d+-[0-9a-f]+$/;

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  // Through a symlink, replace the file it points to, not the link.
  let file = target;
  try {
    file = fs.realpathSync(target);
  } catch {
    file = target; // a new file
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(16).slice(2, 10)}`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o777; // keep the permissions of a file being replaced
  } catch {
    mode = undefined;
  }
  try {
    const fd = fs.openSync(tmp, 'wx', mode ?? 0o666);
    try {
      fs.writeFileSync(fd, data);
      if (mode !== undefined) fs.fchmodSync(fd, mode); // the open's mode is masked by the umask
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncDirectory(dir);
}

/**
 * Flushes a directory's entries (a rename or a new file in it) to the disk. File systems and
 * platforms that cannot open or sync a directory (Windows) are skipped: the rename is still atomic.
 */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF' && code !== 'EACCES') throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes `bytes` to `file` and flushes them to the disk before returning (a checkpoint's parts, before the rename that publishes them). */
export async function writeFileSynced(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
