/**
 * editors/vscode: the manifest wires the repository's TextMate grammar and the `tfm` language to
 * the server, and the server accepts the command line the VS Code client uses (`tfmc lsp --stdio`).
 * (VS Code itself is not available here; Neovim is the real client of test/lsp/neovim.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { LspClient, ROOT, uriOf } from './client.js';

const EXT = path.join(ROOT, 'editors', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));

it('declares the tfm language with the grammar of grammar/ and its language configuration', () => {
  const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, 'grammar', 'tfm.tmLanguage.json'), 'utf8'));
  expect(manifest.contributes.languages).toEqual([expect.objectContaining({ id: 'tfm', extensions: ['.tfm'], configuration: './language-configuration.json' })]);
  expect(manifest.contributes.grammars).toEqual([{ language: 'tfm', scopeName: grammar.scopeName, path: './syntaxes/tfm.tmLanguage.json' }]);
  expect(manifest.activationEvents).toContain('onLanguage:tfm');
  const config = JSON.parse(fs.readFileSync(path.join(EXT, 'language-configuration.json'), 'utf8'));
  expect(config.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
});

it('copies the grammar into the extension on install (copy-grammar.js)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-vscode-'));
  try {
    fs.mkdirSync(path.join(tmp, 'editors', 'vscode'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'grammar'));
    fs.copyFileSync(path.join(EXT, 'copy-grammar.js'), path.join(tmp, 'editors', 'vscode', 'copy-grammar.js'));
    fs.copyFileSync(path.join(ROOT, 'grammar', 'tfm.tmLanguage.json'), path.join(tmp, 'grammar', 'tfm.tmLanguage.json'));
    // A package.json without "type": copy-grammar.js is CommonJS, like the extension.
    fs.writeFileSync(path.join(tmp, 'editors', 'vscode', 'package.json'), '{}');
    execFileSync(process.execPath, [path.join(tmp, 'editors', 'vscode', 'copy-grammar.js')]);
    expect(fs.readFileSync(path.join(tmp, 'editors', 'vscode', 'syntaxes', 'tfm.tmLanguage.json'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'grammar', 'tfm.tmLanguage.json'), 'utf8'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

it('the server runs as the VS Code client starts it (`tfmc lsp --stdio`)', async () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-vscode-')));
  const client = await LspClient.start([dir], { debounceMs: 50 }, ['--stdio']);
  try {
    const uri = client.open(path.join(dir, 'a.tfm'), 'model M {\n  input x: float32[b, 4]\n  output y = Linear(8)(x) + x\n}\n');
    const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    expect(ds.map((d) => d.code)).toEqual(['TFM3001']);
    expect(uri).toBe(uriOf(path.join(dir, 'a.tfm')));
  } finally {
    await client.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
