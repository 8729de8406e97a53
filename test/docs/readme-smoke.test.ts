/**
 * The README sections `npm run smoke:fresh` runs (scripts/smoke-fresh.mjs; not part of npm test,
 * it reinstalls everything): they parse into the commands a newcomer types, CI's command is among
 * them, and the Install commands name the tarball `npm pack` writes for this version.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { commands, expectedStatus, readmeCommands } from '../../scripts/smoke-fresh.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

it('finds the commands of "Set up", "Install" and "A 30-second tour", in that order', () => {
  const list = readmeCommands(readme);
  expect([...new Set(list.map((c) => c.section))]).toEqual(['Set up', 'Install', 'A 30-second tour']);
  const setUp = list.filter((c) => c.section === 'Set up').map((c) => c.command.replace(/\s+#.*$/, ''));
  // CI runs exactly the README's test command.
  expect(fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toContain(setUp.find((c) => c.includes('npm test')));
  const install = list.filter((c) => c.section === 'Install').map((c) => c.command);
  const tarball = `${pkg.name}-${pkg.version}.tgz`;
  expect(install[0]).toMatch(/^npm pack\b/);
  expect(install[1]).toMatch(new RegExp(`^npm install -g \\./${tarball.replace(/\./g, '\\.')}\\b`));
  expect(install.slice(2).join('\n')).toMatch(/\btfmc check\b/);
  for (const c of list.filter((c) => c.section === 'A 30-second tour')) expect(c.command).toMatch(/^npx tfmc /);
  // Only the deliberate error of the tour expects a failure.
  expect(list.filter((c) => c.status !== 0).map((c) => [c.command.split('#')[0].trim(), c.status])).toEqual([['npx tfmc check specs/gpt2.tfm --set heads=7', 1]]);
});

it('parses blocks as a shell reads them: comments and blank lines skipped, a trailing backslash continues the line', () => {
  expect(commands('text\n```sh\n# a comment\n\nnpm ci   # install\nnpx tfmc check \\\n  a.tfm\n```\n```js\nnot(shell)\n```\n')).toEqual(['npm ci   # install', 'npx tfmc check    a.tfm']);
  expect(expectedStatus('npx tfmc check x --set heads=7   # exits 1: see the error')).toBe(1);
  expect(expectedStatus('npx tfmc fmt --check specs/   # for CI: exit 1 if a file is not formatted')).toBe(0);
});
