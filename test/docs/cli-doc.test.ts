/**
 * The command lines docs/cli.md and the README print, run as printed: the `check` examples with the
 * real binary from the repository root, and the README's test command, which `.ci/run` must run
 * exactly (a user who copies it gets what CI gets).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tfmc } from '../cli/helpers.js';
import { fencedBlocks, markdownSection } from '../helpers/markdown.js';

/** A command line without its trailing `# comment`, split into words (the docs quote nothing here). */
function words(line: string): string[] {
  return line.replace(/\s+#.*$/, '').trim().split(/\s+/);
}

describe('docs/cli.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const lines = fencedBlocks(markdownSection(doc, 'Checking: `check`'), 'sh').flatMap((b) => b.split('\n')).filter((l) => l.startsWith('tfmc '));

  it('has check examples', () => {
    expect(lines.length).toBeGreaterThanOrEqual(4);
  });

  for (const line of lines) {
    it(`runs as printed: ${line.replace(/\s+#.*$/, '')}`, () => {
      const run = tfmc(words(line).slice(1), { cwd: ROOT });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    });
  }
});

describe('README', () => {
  it('.ci/run runs exactly the README test command', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const setup = fencedBlocks(markdownSection(readme, 'Set up'), 'sh')[0].split('\n').filter((l) => l.trim() !== '');
    expect(setup).toHaveLength(2);
    const testCommand = setup[1].replace(/\s+#.*$/, '').trim();
    expect(testCommand).toMatch(/npm test$/);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
    expect(commands).toEqual([testCommand]);
  });
});
