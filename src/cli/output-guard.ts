/**
 * The one rule for what a command may write over, shared by every command with an output path
 * (`compile -o`, `graph -o`, `weights export -o`, `weights import -o`):
 *
 * 1. An output never replaces what the command reads: not the input file itself (also through a
 *    symlink or a hard link), not a file inside an input directory (a checkpoint being exported),
 *    and an output directory never holds an input or the working directory (replacing the
 *    directory would delete them). `--force` does not lift this: `TFM6002`.
 * 2. An existing output is replaced only when it is an earlier output of the same command
 *    (`isOurs`: a marker or the file layout the command writes), an empty directory, or with
 *    `--force`: `TFM6001`. A file where a directory is wanted, or the reverse, is refused too.
 *
 * The checks run before any work starts, so a refusal costs nothing and writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TfmcFileError } from '../diagnostics/file-error.js';
import { displayPath } from '../render/paths.js';

export interface ProtectedPath {
  /** Absolute path of a file or directory the command reads. */
  abs: string;
  /** How to name it in a refusal: "the spec", "the checkpoint", "the working directory". */
  what: string;
  /** A directory outputs may be written inside of (the working directory), only never replaced. */
  outputsInside?: boolean;
}

export interface OutputRequest {
  /** Absolute path of the output. */
  abs: string;
  /** The flag that named it (`-o`, `--out`), for the message. */
  flag: string;
  /** The command, for the message: `tfmc graph`. */
  command: string;
  kind: 'file' | 'directory';
  /** What the command reads: never replaced, with or without `--force`. */
  inputs: readonly ProtectedPath[];
  force: boolean;
  /** Whether an existing output is an earlier output of this command (then it is replaced without `--force`). */
  isOurs(abs: string): boolean;
  cwd: string;
}

export function guardOutput(req: OutputRequest): void {
  const shown = displayPath(req.abs, req.cwd);
  const out = realish(req.abs);
  for (const input of req.inputs) {
    const src = realish(input.abs);
    const clash = sameFile(out, src) || (req.kind === 'directory' && inside(src, out)) || (!input.outputsInside && inside(out, src));
    if (clash) {
      const relation = sameFile(out, src) ? `it is ${input.what}` : inside(src, out) ? `it holds ${input.what}` : `it is inside ${input.what}`;
      throw new TfmcFileError(
        'TFM6002',
        `refusing to write '${shown}' (${req.flag}): ${relation} (${displayPath(input.abs, req.cwd)}), which ${req.command} reads; --force does not change this, choose another ${req.flag}`,
      );
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(req.abs);
  } catch {
    return; // nothing there yet
  }
  if (req.kind === 'file' && stat.isDirectory()) {
    throw new TfmcFileError('TFM6001', `the output '${shown}' (${req.flag}) is a directory; give a file name`);
  }
  if (req.kind === 'directory' && !stat.isDirectory()) {
    throw new TfmcFileError('TFM6001', `the output '${shown}' (${req.flag}) exists and is not a directory; nothing was written`);
  }
  if (req.force) return;
  if (req.kind === 'directory' && fs.readdirSync(req.abs).length === 0) return;
  if (req.isOurs(req.abs)) return;
  const what = req.kind === 'file' ? 'it exists and was not written by' : 'it is a non-empty directory not written by';
  throw new TfmcFileError(
    'TFM6001',
    `refusing to replace '${shown}' (${req.flag}): ${what} ${req.command}; nothing was written. Choose another ${req.flag}, or add --force to replace it`,
  );
}

/** The real path of `p`, also when it does not exist yet (its deepest existing ancestor resolved, the rest appended). */
function realish(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
  }
}

/** The same path, or two names of one file (a hard link). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

/** Whether `p` is strictly inside the directory `dir`. */
function inside(p: string, dir: string): boolean {
  const rel = path.relative(dir, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
