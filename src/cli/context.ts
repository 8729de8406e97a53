/**
 * What every command needs from the outside world, gathered in one object so commands never
 * touch `process` directly: where to write, whether to colour, which folder paths are relative
 * to, and how the run ended. `processContext()` builds the real one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CliContext {
  /** Results: diagnostics, summaries, JSON. Both formats go to stdout, so `> file` captures them. */
  out(text: string): void;
  /** Usage errors, internal errors, commander's own messages. */
  err(text: string): void;
  colorOut: boolean;
  colorErr: boolean;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Set by the command that ran: 0 ok, 1 diagnostics or a failed run. */
  exitCode: number;
  /** `--quiet`: only results and errors; no progress, notes or success lines. */
  quiet?: boolean;
}

/** Progress and notes on stderr: what `--quiet` silences (errors and results are never silenced). */
export function notice(ctx: CliContext, text: string): void {
  if (!ctx.quiet) ctx.err(text);
}

export function processContext(): CliContext {
  const env = process.env;
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    colorOut: colorEnabled(process.stdout.isTTY === true, env),
    colorErr: colorEnabled(process.stderr.isTTY === true, env),
    cwd: process.cwd(),
    env,
    exitCode: 0,
  };
}

/**
 * Colour follows the common conventions: a non-empty `FORCE_COLOR` forces it on (`0` or `false`
 * force it off), a non-empty `NO_COLOR` turns it off (https://no-color.org), and otherwise only
 * a terminal that is not `dumb` gets it.
 */
export function colorEnabled(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** A mistake in how tfmc was invoked: reported as `error: ...` without a stack trace; exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Fails with a `UsageError` unless `file` is a readable file, so a typo in a path reads as
 * "cannot read 'x.tfm': no such file" rather than as a compiler diagnostic or a crash.
 * Returns the absolute path.
 */
export function requireReadableFile(ctx: CliContext, file: string): string {
  const abs = path.resolve(ctx.cwd, file);
  let reason: string | undefined;
  try {
    if (fs.statSync(abs).isDirectory()) reason = 'is a directory';
    else fs.accessSync(abs, fs.constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    reason =
      code === 'ENOENT' || code === 'ENOTDIR'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : ((err as Error).message ?? String(err));
  }
  if (reason !== undefined) throw new UsageError(`cannot read '${file}': ${reason}`);
  return abs;
}

/** A file, or the `.tfm` files under a folder (skipping hidden folders and node_modules), sorted. */
export function expandSpecPaths(ctx: CliContext, file: string): string[] {
  const abs = path.resolve(ctx.cwd, file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read '${file}': ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file or folder' : (err as Error).message}`);
  }
  if (!stat.isDirectory()) {
    try {
      fs.accessSync(abs, fs.constants.R_OK);
    } catch {
      throw new UsageError(`cannot read '${file}': permission denied`);
    }
    return [abs];
  }
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && e.name.endsWith('.tfm')) found.push(p);
    }
  };
  walk(abs);
  return found.sort();
}
