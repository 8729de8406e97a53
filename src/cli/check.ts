/**
 * `tfmc check FILE...`: type-check specs and report diagnostics.
 *
 * Output goes to stdout in both formats (diagnostics are this command's result, not a side
 * channel), so `tfmc check x.tfm > report.txt` captures everything. Exit 1 if any diagnostic is
 * an error, else 0; warnings alone do not fail the run.
 *
 * `--fix` first applies the fixes diagnostics carry (apply-fixes.ts) to the user's specs, in up to
 * four rounds of fix → re-check, says on stderr what it changed, and then reports what is left.
 */
import * as path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { type Diagnostic, hasErrors, sortDiagnostics } from '../diagnostics/diagnostic.js';
import { plural, renderHuman } from '../render/human.js';
import { renderJson } from '../render/json.js';
import { displayPath } from '../render/paths.js';
import type { CheckResult } from '../pipeline/check-spec.js';
import { type CliContext, expandSpecPaths, UsageError } from './context.js';
import { addFormatOption, addModelOption, addSetOption, type CommonOptions, examples } from './options.js';

export function registerCheck(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('check')
    .description('check .tfm files for errors (shapes, names, config values) and report them')
    .argument('<paths...>', '.tfm files, or folders to check every .tfm file under');
  addFormatOption(cmd);
  addModelOption(cmd);
  addSetOption(cmd);
  cmd.option('--fix', "apply the fixes the diagnostics suggest (the edits shown under `help:`) to the specs, then report what is left");
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc check specs/gpt2.tfm', 'check one file'],
      ['tfmc check specs/', 'every .tfm file under a folder'],
      ['tfmc check specs/gpt2.tfm --model Gpt2Tiny', 'one model of the file'],
      ['tfmc check gpt2.tfm --set layers=24 --set d_model=1024', 'check a variant (its `expect`s are skipped)'],
      ['tfmc check gpt2.tfm --format json', 'machine-readable diagnostics'],
      ['tfmc check model.tfm --fix', 'apply the suggested fixes, then report the rest'],
    ]) +
      '\nOutput goes to stdout; --quiet shows errors only. Exit status: 0 no errors (warnings\n' +
      'allowed), 1 errors found, 2 usage error (bad flag, unreadable file, no such --model).\n',
  );
  cmd.action(async (files: string[], options: CheckOptions) => {
    ctx.exitCode = await runCheck(ctx, files, options);
  });
}

interface CheckOptions extends CommonOptions {
  model?: string;
  fix?: boolean;
}

export async function runCheck(ctx: CliContext, paths: string[], options: CheckOptions): Promise<number> {
  // Every path is verified before any is checked: a typo fails fast, before a long report.
  const targets = paths.flatMap((p) => {
    const found = expandSpecPaths(ctx, p).map((abs) => ({ file: path.relative(ctx.cwd, abs) || abs, abs }));
    if (found.length === 0) throw new UsageError(`no .tfm files under '${p}'`);
    return found;
  });
  const { checkSpec } = await import('./check-spec.js');
  const checkAll = () => targets.map(({ file, abs }) => ({ file, result: checkSpec(ctx, file, abs, options) }));
  let results: { file: string; result: CheckResult }[] = checkAll();
  if (options.fix) {
    const { fixAll } = await import('./check-fix.js');
    const outcome = fixAll(ctx, results, checkAll);
    results = outcome.results;
    if (outcome.failed) return 1;
  }

  // --quiet: errors only, as in most linters; the exit status is the same either way.
  const all = sortDiagnostics(dedupe(results.flatMap((r) => r.result.diagnostics)));
  const diagnostics = ctx.quiet ? all.filter((d) => d.severity === 'error') : all;
  const failed = hasErrors(diagnostics);

  if (options.format === 'json') {
    ctx.out(renderJson(diagnostics, { cwd: ctx.cwd }));
    return failed ? 1 : 0;
  }

  const sources = new Map<string, string>();
  for (const { result } of results) for (const [k, v] of result.sources) sources.set(k, v);
  ctx.out(renderHuman(diagnostics, sources, { color: ctx.colorOut, cwd: ctx.cwd, summary: failed }));
  if (!failed && !ctx.quiet) {
    const c = pc.createColors(ctx.colorOut);
    for (const { file, result } of results) {
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
      const what = `${plural(result.models.length, 'model')} checked`;
      const also = warnings > 0 ? `, ${plural(warnings, 'warning')}` : '';
      ctx.out(`${c.green('✓')} ${c.bold(displayPath(file, ctx.cwd))}: ${what}, 0 errors${also}\n`);
    }
  }
  return failed ? 1 : 0;
}

/** Two files importing the same module must not report that module's problems twice. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const key = [d.code, d.primary.file, d.primary.span.start.offset, d.primary.span.end.offset, d.message].join('\0');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
