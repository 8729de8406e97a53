/**
 * Rewriting a user's spec in place (`tfmc fmt`, `tfmc check --fix`): never a file marked
 * read-only, atomically through a rename, or in place for a hard-linked file so that every name
 * keeps seeing the new text.
 */
import * as fs from 'node:fs';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Why a spec must not be rewritten, or undefined: a file marked read-only is left alone, also for root (who could write it). */
export function specWriteProblem(abs: string): string | undefined {
  const mode = fs.statSync(abs).mode;
  if ((mode & 0o222) === 0) return `it is read-only (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`;
  try {
    fs.accessSync(abs, fs.constants.W_OK);
  } catch {
    return `permission denied (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`;
  }
  return undefined;
}

/** Atomically through a rename, or in place for a hard-linked file (see the module comment). */
export function writeSpec(abs: string, text: string): void {
  if (fs.statSync(abs).nlink <= 1) {
    writeFileAtomic(abs, text);
    return;
  }
  const fd = fs.openSync(abs, 'r+');
  try {
    const bytes = Buffer.from(text, 'utf8');
    fs.writeSync(fd, bytes, 0, bytes.length, 0);
    fs.ftruncateSync(fd, bytes.length);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

