/** Flags, usage errors and exit codes of the real binary. None of these need the compiler pipeline. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { processContext } from '../../src/cli/context.js';
import { createProgram } from '../../src/cli/main.js';
import { expectNoStackTrace, ROOT, tfmc } from './helpers.js';

/** Every command and subcommand, as the words that name it (`['weights', 'export']`). */
function commandPaths(cmd: Command = createProgram(processContext()), prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('tfmc usage', () => {
  it('prints help with examples for the program and every command', () => {
    for (const args of [['--help'], ['check', '--help'], ['summary', '--help'], ['help', 'check']]) {
      const run = tfmc(args);
      expect(run.status, args.join(' ')).toBe(0);
      expect(run.stdout).toContain('Usage: tfmc');
      expect(run.stdout).toContain('Examples:');
    }
  });

  it('states each default once in every --help (not "(default 64) (default: 64)")', () => {
    const paths = commandPaths();
    expect(paths).toEqual(expect.arrayContaining([['check'], ['generate'], ['weights', 'import']]));
    for (const words of [[], ...paths]) {
      const run = tfmc([...words, '--help']);
      expect(run.status, words.join(' ')).toBe(0);
      // An option or argument is a line indented by two spaces, plus the deeper-indented lines it wraps onto.
      const items: string[] = [];
      for (const line of run.stdout.split('\n')) {
        if (/^  \S/.test(line)) items.push(line);
        else if (/^   +\S/.test(line) && items.length > 0) items[items.length - 1] += ' ' + line.trim();
        else if (line.trim() === '' || /^\S/.test(line)) items.push('');
      }
      for (const item of items) expect(item.match(/\(default/g)?.length ?? 0, `tfmc ${words.join(' ')} --help: ${item}`).toBeLessThanOrEqual(1);
    }
  });

  it('prints the package version', () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const run = tfmc(['--version']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it.each([
    ['an unknown flag', ['check', '--bogus', 'good.tfm'], "unknown option '--bogus'"],
    ['an unknown command', ['chek', 'good.tfm'], "unknown command 'chek'"],
    ['a missing argument', ['check'], "missing required argument 'paths'"],
    ['--set without =', ['check', 'good.tfm', '--set', 'layers'], 'expected KEY=VALUE'],
    ['--set without a key', ['check', 'good.tfm', '--set', '=3'], 'key before `=` is missing'],
    ['--set without a value', ['check', 'good.tfm', '--set', 'layers='], 'no value after `layers=`'],
    ['an unknown format', ['check', 'good.tfm', '--format', 'xml'], "Allowed choices are human, json"],
    ['a zero batch', ['summary', 'good.tfm', '--batch', '0'], 'at least 1'],
    ['a non-numeric seq', ['summary', 'good.tfm', '--seq', 'long'], 'whole number'],
    ['a missing file', ['check', 'missing.tfm'], "error: cannot read 'missing.tfm': no such file"],
    ['a directory', ['summary', '.'], "error: cannot read '.': is a directory"],
  ])('exits 2 on %s, without a stack trace', (_what, args, message) => {
    const run = tfmc(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
    expectNoStackTrace(run);
  });

  it('checks every path before checking any file', () => {
    const run = tfmc(['check', 'good.tfm', 'missing.tfm']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('exits 2 and shows help when run without a command', () => {
    const run = tfmc([]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('Usage: tfmc');
  });

  it('colours errors only when forced or on a terminal', () => {
    expect(tfmc(['check', 'missing.tfm']).stderr).not.toContain('\x1b[');
    expect(tfmc(['check', 'missing.tfm'], { env: { FORCE_COLOR: '1' } }).stderr).toContain('\x1b[');
    expect(tfmc(['check', 'missing.tfm'], { env: { FORCE_COLOR: '0' } }).stderr).not.toContain('\x1b[');
  });
});
