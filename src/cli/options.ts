/**
 * Flags shared by several commands, defined once so they are spelled, parsed and documented the
 * same way everywhere. Malformed values throw commander's `InvalidArgumentError`: commander then
 * prints "error: option '--set <key=value>' argument 'layers' is invalid. ..." and `main` maps
 * it to exit code 2 like any other usage error.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';

export type Format = 'human' | 'json';

/** Option values shared by `check` and `summary`, as commander hands them to actions. */
export interface CommonOptions {
  format: Format;
  /** Absent when no `--set` was given. */
  set?: Record<string, string>;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Parses one `--set key=value` and adds it to the settings collected so far (a later `--set` of
 * the same key wins, as in most CLIs). Returns a new record: commander keeps the result.
 */
export function parseSetting(value: string, previous?: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError('expected KEY=VALUE, e.g. --set layers=12');
  const key = value.slice(0, eq).trim();
  const setting = value.slice(eq + 1).trim();
  if (key === '') throw new InvalidArgumentError('the key before `=` is missing, e.g. --set layers=12');
  if (!KEY.test(key)) throw new InvalidArgumentError(`\`${key}\` is not a config key name`);
  if (setting === '') throw new InvalidArgumentError(`no value after \`${key}=\``);
  return { ...previous, [key]: setting };
}

/** Parses a whole number no smaller than `min` (for --batch, --seq, --depth). */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number${min > 0 ? ` of at least ${min}` : ''}`);
    }
    return n;
  };
}

export function addSetOption(cmd: Command): Command {
  return cmd.option(
    '--set <key=value>',
    'override a config value of every model checked (repeatable)',
    parseSetting,
  );
}

export function addFormatOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--format <format>', 'output format').choices(['human', 'json']).default('human'),
  );
}

export function addModelOption(cmd: Command): Command {
  return cmd.option('--model <name>', 'only this model of the file');
}

/** An "Examples:" section for `addHelpText('after', ...)`. */
export function examples(lines: [command: string, what: string][]): string {
  const width = Math.max(...lines.map(([c]) => c.length));
  return `\nExamples:\n${lines.map(([c, w]) => `  $ ${c.padEnd(width)}  # ${w}`).join('\n')}\n`;
}

/**
 * Parses one `--ids 5,8,9` (commas and/or spaces between whole numbers ≥ 0) and adds the row to
 * the rows collected so far (`--ids` repeats: one row per flag).
 */
export function parseIds(value: string, previous: number[][] = []): number[][] {
  const parts = value.trim().split(/[\s,]+/).filter((p) => p !== '');
  if (parts.length === 0) throw new InvalidArgumentError('expected token ids such as 5,8,9');
  const bad = parts.find((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)));
  if (bad !== undefined) throw new InvalidArgumentError(`'${bad}' is not a token id (a whole number ≥ 0); write the ids as 5,8,9`);
  return [...previous, parts.map(Number)];
}

/** `--weights`, `--model` and `--set`: a spec with the weights to run it with (`src/cli/model-source.ts`). */
export function addWeightsOptions(cmd: Command): Command {
  cmd.option('--weights <file-or-dir>', 'with a .tfm spec: its weights (a checkpoint directory, a tfmc train run directory or a .safetensors file)');
  cmd.option('--model <name>', 'with a spec: which model of the file');
  return cmd.option('--set <key=value>', 'with a spec: override a config value (repeatable)', parseSetting);
}
