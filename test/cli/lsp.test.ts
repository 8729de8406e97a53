/** `tfmc lsp` as a command: its flags, and that it ends when the editor goes away. */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { BIN, expectNoStackTrace, tfmc } from './helpers.js';

it('rejects a malformed --debounce with a usage error', () => {
  const run = tfmc(['lsp', '--debounce', 'soon']);
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("--debounce must be a whole number of milliseconds from 0 to 5000, not 'soon'");
  expectNoStackTrace(run);
});

it('documents itself in --help', () => {
  const run = tfmc(['lsp', '--help']);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('run the language server (LSP over stdio)');
  expect(run.stdout).toContain('docs/editors.md');
});

it('exits when its input closes without a shutdown (exit code 1, as LSP asks), writing nothing', () => {
  const run = spawnSync(process.execPath, [BIN, 'lsp'], { input: '', encoding: 'utf8', timeout: 20_000 });
  expect(run.error).toBeUndefined();
  expect(run.status).toBe(1);
  expect(run.stdout).toBe('');
});
