/**
 * `tfmc fmt [FILE|DIR...]`: rewrite specs in their canonical layout (docs/format.md).
 *
 * Files are rewritten only when the layout changes (an already formatted file keeps its
 * modification time), atomically (temp file + rename; the mode is kept). A file with more than one
 * hard link is written in place instead (truncate and write, then fsync): a rename would leave the
 * other names on the old content, splitting the links. A file that is read-only (no write
 * permission for the user, or no write bit at all, so root is refused too) or whose write fails is
 * left as it was and reported (`TFM6003`, exit 1), never listed as formatted. A file with syntax errors is
 * left alone and its diagnostics are printed (exit 1), since formatting it would mean guessing.
 * `--check` writes nothing and lists the files that would change (exit 1 if any), for CI.
 * `--stdin` (or `-` as the file) formats standard input to standard output.
 * Files and standard input are read as `check` reads specs (util/read-source, docs/limits.md): a
 * FIFO or a device is refused unread, and so is input past the size limit, not UTF-8, or with a
 * line past the length limit (TFM1010–TFM1012, exit 1).
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { renderHuman } from '../render/human.js';
import { displayPath } from '../render/paths.js';
import type { formatText as FormatText } from '../format/index.js';
import { sourceRefusal } from '../ir/source-refusal.js';
import { checkLines, decodeSource, readSource, sourceLimits, tooLarge, type SourceRead } from '../util/read-source.js';
import { type CliContext, expandSpecPaths, UsageError } from './context.js';
import { examples } from './options.js';
import { specWriteProblem as writeProblem, writeSpec } from './spec-write.js';

export interface FmtOptions {
  check?: boolean;
  stdin?: boolean;
}

export function registerFmt(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('fmt')
    .description('rewrite .tfm files in the canonical layout (comments kept, meaning unchanged)')
    .argument('[files...]', '.tfm files or folders (searched for .tfm files); `-` reads standard input')
    .option('--check', 'write nothing; list the files that are not formatted and exit 1 if any')
    .option('--stdin', 'format standard input and write the result to standard output');
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc fmt specs/gpt2.tfm', 'format one file in place'],
      ['tfmc fmt specs src/std', 'every .tfm file under these folders'],
      ['tfmc fmt --check specs', 'for CI: exit 1 and list the files that would change'],
      ['tfmc fmt - < a.tfm > b.tfm', 'standard input to standard output'],
    ]) +
      '\nFiles are only written when their layout changes, atomically. A file with syntax errors is\n' +
      'left as it is and its errors are printed. Exit status: 0 ok, 1 syntax errors or (with\n' +
      '--check) unformatted files, 2 usage error.\n',
  );
  cmd.action(async (files: string[], options: FmtOptions) => {
    ctx.exitCode = await runFmt(ctx, files, options);
  });
}

export async function runFmt(
  ctx: CliContext,
  files: string[],
  options: FmtOptions,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const fromStdin = options.stdin === true || (files.length === 1 && files[0] === '-');
  if (fromStdin && files.length > 0 && !(files.length === 1 && files[0] === '-')) {
    throw new UsageError('give either files or --stdin, not both');
  }
  if (!fromStdin && files.length === 0) throw new UsageError('no files to format (give .tfm files or folders, or `-` for standard input)');
  if (!fromStdin && files.includes('-')) throw new UsageError('`-` (standard input) cannot be mixed with files');
  const { formatText } = await import('../format/index.js');
  if (fromStdin) {
    const read = await readStdin(stdin);
    if (!read.ok) return refuse(ctx, '<stdin>', read);
    return formatStdin(ctx, formatText, read.text, options);
  }

  const targets = files.flatMap((f) => expandSpecPaths(ctx, f));
  let failed = false;
  const changed: string[] = [];
  for (const abs of targets) {
    const shown = displayPath(abs, ctx.cwd);
    const read = readSource(abs);
    if (read === undefined) {
      failed = true;
      ctx.err(`${red(ctx, 'error:')} cannot read '${shown}'\n`);
      continue;
    }
    if (!read.ok) {
      failed = true;
      refuse(ctx, abs, read);
      ctx.err(`${shown}: not formatted\n`);
      continue;
    }
    const text = read.text;
    const result = formatText(text, abs);
    if (!result.ok) {
      failed = true;
      ctx.err(renderHuman(result.diagnostics, new Map([[abs, text]]), { color: ctx.colorErr, cwd: ctx.cwd, summary: false }));
      ctx.err(`${shown}: not formatted (fix the syntax errors first)\n`);
      continue;
    }
    if (result.text === text) continue;
    if (options.check) {
      changed.push(shown);
      continue;
    }
    const problem = writeProblem(abs);
    try {
      if (problem) throw new Error(problem);
      writeSpec(abs, result.text);
      changed.push(shown);
    } catch (err) {
      failed = true;
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (err as Error).message;
      ctx.err(`${red(ctx, 'error[TFM6003]:')} cannot write '${shown}': ${reason}; it was left as it was\n`);
    }
  }

  if (options.check) {
    for (const f of changed) ctx.out(`${f}\n`);
    if (changed.length > 0) {
      ctx.err(`${changed.length} of ${targets.length} file${targets.length === 1 ? '' : 's'} not formatted; run \`tfmc fmt\` on ${changed.length === 1 ? 'it' : 'them'}\n`);
    }
    return failed || changed.length > 0 ? 1 : 0;
  }
  for (const f of changed) ctx.out(`formatted ${f}\n`);
  return failed ? 1 : 0;
}

function formatStdin(ctx: CliContext, formatText: typeof FormatText, text: string, options: FmtOptions): number {
  const result = formatText(text, '<stdin>');
  if (!result.ok) {
    ctx.err(renderHuman(result.diagnostics, new Map([['<stdin>', text]]), { color: ctx.colorErr, cwd: ctx.cwd, summary: false }));
    return 1;
  }
  if (options.check) {
    if (result.text !== text) ctx.out('<stdin>\n');
    return result.text === text ? 0 : 1;
  }
  ctx.out(result.text);
  return 0;
}

/** Standard input, held to the same limits as a file: reading stops one byte past the size limit. */
async function readStdin(stream: NodeJS.ReadableStream): Promise<SourceRead> {
  const limits = sourceLimits();
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(b);
    length += b.length;
    if (length > limits.maxBytes) return tooLarge(limits);
  }
  const decoded = decodeSource(Buffer.concat(chunks));
  return decoded.ok ? checkLines(decoded.text, limits) : decoded;
}

/** Prints why `file` is not a spec tfmc reads, as `check` reports it. */
function refuse(ctx: CliContext, file: string, read: Extract<SourceRead, { ok: false }>): number {
  ctx.err(renderHuman([sourceRefusal(file, read)], new Map([[file, read.text]]), { color: ctx.colorErr, cwd: ctx.cwd, summary: false }));
  return 1;
}

function red(ctx: CliContext, s: string): string {
  return ctx.colorErr ? pc.bold(pc.red(s)) : s;
}
