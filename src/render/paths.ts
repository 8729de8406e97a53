/**
 * How renderers name files. Human and JSON output share one rule so that a path a user copies
 * from the terminal is the same path a tool reads from `--format json`:
 *
 * - with a `cwd`, a file inside it is shown relative to it (`specs/gpt2.tfm`), and a file outside
 *   it keeps its absolute path (no `../../..` chains that break when the command moves);
 * - without a `cwd`, the file is shown exactly as the diagnostic names it.
 */
import * as path from 'node:path';

export function displayPath(file: string, cwd?: string): string {
  if (cwd === undefined || !path.isAbsolute(file)) return file;
  const rel = path.relative(cwd, file);
  if (rel === '') return path.basename(file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}

/**
 * Finds the text of `file` in `sources`, whose keys are normally absolute paths: a label may name
 * its file relative to `cwd`, so both spellings are tried.
 */
export function lookupSource(
  sources: ReadonlyMap<string, string>,
  file: string,
  cwd?: string,
): string | undefined {
  const direct = sources.get(file);
  if (direct !== undefined || path.isAbsolute(file)) return direct;
  return sources.get(path.resolve(cwd ?? process.cwd(), file));
}
