/**
 * `tfmc fmt [FILE|DIR...]`: rewrite specs in their canonical layout (docs/format.md).
 *
 * Files are rewritten in place, atomically (temp file + rename), and only when the layout
 * changes: an already formatted file keeps its modification time. A file with syntax errors is
 * left alone and its diagnostics are printed (exit 1), since formatting it would mean guessing.
 * `--check` writes nothing and lists the files that would change (exit 1 if any), for CI.
 * `--stdin` (or `-` as the file) formats standard input to standard output.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import pc from 'picocolors';
import { renderHuman } from '../render/human.js';
import { displayPath } from '../render/paths.js';
import type { formatText as FormatText } from '../format/index.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type CliContext, expandSpecPaths, UsageError } from './context.js';
import { examples } from './options.js';

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
  if (fromStdin) return formatStdin(ctx, formatText, await readAll(stdin), options);

  const targets = files.flatMap((f) => expandSpecPaths(ctx, f));
  let failed = false;
  const changed: string[] = [];
  for (const abs of targets) {
    const shown = displayPath(abs, ctx.cwd);
    const text = fs.readFileSync(abs, 'utf8');
    const result = formatText(text, abs);
    if (!result.ok) {
      failed = true;
      ctx.err(renderHuman(result.diagnostics, new Map([[abs, text]]), { color: ctx.colorErr, cwd: ctx.cwd, summary: false }));
      ctx.err(`${shown}: not formatted (fix the syntax errors first)\n`);
      continue;
    }
    if (result.text === text) continue;
    changed.push(shown);
    if (options.check) continue;
    try {
      writeFileAtomic(abs, result.text);
    } catch (err) {
      failed = true;
      ctx.err(`${red(ctx, 'error:')} cannot write '${shown}': ${(err as Error).message}\n`);
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

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function red(ctx: CliContext, s: string): string {
  return ctx.colorErr ? pc.bold(pc.red(s)) : s;
}
