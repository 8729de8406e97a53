/**
 * The command lines docs/cli.md and the README print, run as printed: the `check` examples with the
 * real binary from the repository root, and the README's test command, which `.ci/run` must run
 * exactly (a user who copies it gets what CI gets).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tfmc } from '../cli/helpers.js';

/** The `sh` code blocks under a heading of a markdown file (up to the next heading of that level). */
function shellBlocks(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading "${heading}"`);
  const level = heading.split(' ')[0];
  const rest = markdown.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n${level} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** A command line without its trailing `# comment`, split into words (the docs quote nothing here). */
function words(line: string): string[] {
  return line.replace(/\s+#.*$/, '').trim().split(/\s+/);
}

describe('docs/cli.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const lines = shellBlocks(doc, '## Checking: `check`').flatMap((b) => b.split('\n')).filter((l) => l.startsWith('tfmc '));

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
    const setup = shellBlocks(readme, '## Set up')[0].split('\n').filter((l) => l.trim() !== '');
    expect(setup).toHaveLength(2);
    const testCommand = setup[1].replace(/\s+#.*$/, '').trim();
    expect(testCommand).toMatch(/npm test$/);
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const commands = ci.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set|cd) /.test(l));
    expect(commands).toEqual([testCommand]);
  });
});
