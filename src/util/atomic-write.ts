/**
 * Writes a file so that readers see the old content or the new, never half of it: the data go
 * to a temporary file beside the target (same file system), which is then renamed over it. A
 * failed write leaves the target as it was and removes the temporary file.
 */
import * as fs from 'node:fs';
import { open } from 'node:fs/promises';
import * as path from 'node:path';

export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  // Through a symlink, replace the file it points to, not the link.
  let file = target;
  try {
    file = fs.realpathSync(target);
  } catch {
    file = target; // a new file
  }
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  let mode: number | undefined;
  try {
    mode = fs.statSync(file).mode & 0o777; // keep the permissions of a file being replaced
  } catch {
    mode = undefined;
  }
  try {
    fs.writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
    if (mode !== undefined) fs.chmodSync(tmp, mode); // writeFileSync's mode is masked by the umask
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
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
