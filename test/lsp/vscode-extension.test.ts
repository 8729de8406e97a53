/**
 * editors/vscode: the manifest is one VS Code loads and `vsce package` accepts (the rules of VS
 * Code's extension validator and of vsce's manifest checks, written out below as a schema check),
 * it wires the repository's TextMate grammar and the `tfm` language to the server, and the server
 * accepts the command line the VS Code client uses (`tfmc lsp --stdio`). (VS Code itself is not
 * available here; Neovim is the real client of test/lsp/neovim.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LspClient, ROOT, uriOf } from './client.js';

const EXT = path.join(ROOT, 'editors', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));

/** vsce's pattern for `name` and `publisher` (src/validation.ts); the Marketplace wants lower case. */
const ID = /^[a-z0-9][a-z0-9-]*$/;
/** The Marketplace's categories (VS Code's extension manifest reference). */
const CATEGORIES = ['Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization'];
/** `engines.vscode` that vsce accepts (src/validation.ts) and VS Code reads (the major is given). */
const ENGINE = /^(\^|>=)?(\d+)\.(\d+|x)\.(\d+|x)(-.*)?$/;
/** The lowest VS Code each major of vscode-languageclient runs on (its own engines.vscode: 9.x → ^1.82.0). */
const CLIENT_NEEDS: Record<string, [number, number]> = { '9': [1, 82] };
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

const inside = (rel: string) => {
  const abs = path.resolve(EXT, rel);
  return abs.startsWith(EXT + path.sep);
};

describe('the manifest (editors/vscode/package.json) is a valid VS Code extension manifest', () => {
  it('identity: name, publisher, version, display name, description, license, categories, keywords', () => {
    expect(manifest.name).toMatch(ID);
    expect(manifest.publisher).toMatch(ID);
    expect(manifest.version).toMatch(SEMVER);
    for (const k of ['displayName', 'description']) expect(typeof manifest[k] === 'string' && manifest[k].length > 0, k).toBe(true);
    expect(manifest.license).toBe(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).license);
    expect(manifest.categories.length).toBeGreaterThan(0);
    for (const c of manifest.categories) expect(CATEGORIES, c).toContain(c);
    expect(manifest.keywords.length).toBeLessThanOrEqual(30); // the Marketplace's limit
    expect(manifest.icon === undefined || !/\.svg$/i.test(manifest.icon), 'vsce rejects SVG icons').toBe(true);
  });

  it('engines.vscode is given, parses, and is at least what vscode-languageclient needs', () => {
    const m = ENGINE.exec(manifest.engines?.vscode ?? '');
    expect(m, `engines.vscode ${manifest.engines?.vscode}`).not.toBeNull();
    const [major, minor] = [Number(m![2]), m![3] === 'x' ? 0 : Number(m![3])];
    const range = manifest.dependencies['vscode-languageclient'];
    const needs = CLIENT_NEEDS[/^\^?(\d+)\./.exec(range)![1]];
    expect(needs, `the VS Code version vscode-languageclient ${range} needs is recorded in CLIENT_NEEDS`).toBeDefined();
    expect(major > needs[0] || (major === needs[0] && minor >= needs[1]), `engines.vscode ${manifest.engines.vscode} below ${needs.join('.')}`).toBe(true);
    // vsce: never depend on the vscode module itself; @types/vscode must not be newer than the engine.
    expect(Object.keys(manifest.dependencies)).not.toContain('vscode');
    expect(manifest.devDependencies?.['@types/vscode']).toBeUndefined();
  });

  it('main and activationEvents come together; main is a CommonJS file inside the extension exporting activate and deactivate', () => {
    expect(typeof manifest.main).toBe('string');
    expect(inside(manifest.main)).toBe(true);
    expect(manifest.type).toBeUndefined(); // VS Code requires main as CommonJS
    const main = fs.readFileSync(path.join(EXT, manifest.main), 'utf8');
    expect(main).toMatch(/module\.exports = \{ activate, deactivate \}/);
    expect(main).toMatch(/require\('vscode-languageclient\/node'\)/);
    expect(Array.isArray(manifest.activationEvents) && manifest.activationEvents.every((e: unknown) => typeof e === 'string')).toBe(true);
    expect(manifest.activationEvents).not.toContain('*');
    const languages = manifest.contributes.languages.map((l: { id: string }) => l.id);
    for (const e of manifest.activationEvents) {
      const lang = /^onLanguage:(.+)$/.exec(e);
      if (lang) expect(languages, e).toContain(lang[1]);
    }
    for (const kind of manifest.extensionKind ?? []) expect(['ui', 'workspace']).toContain(kind);
    // It runs a workspace's tfmc and reads files from disk: trusted, real folders only.
    expect(manifest.capabilities.untrustedWorkspaces.supported).toBe(false);
    expect(manifest.capabilities.virtualWorkspaces.supported).toBe(false);
  });

  it('contributes: the language and grammar files it names are inside the extension and parse', () => {
    for (const l of manifest.contributes.languages) {
      expect(l.id).toMatch(/^[a-z][a-z0-9-]*$/);
      for (const ext of l.extensions) expect(ext).toMatch(/^\.[a-z0-9]+$/);
      expect(inside(l.configuration)).toBe(true);
      expect(() => JSON.parse(fs.readFileSync(path.join(EXT, l.configuration), 'utf8'))).not.toThrow();
    }
    const ids = manifest.contributes.languages.map((l: { id: string }) => l.id);
    for (const g of manifest.contributes.grammars) {
      expect(ids).toContain(g.language);
      expect(inside(g.path)).toBe(true);
      expect(g.scopeName).toMatch(/^source\.[a-z]+$/);
    }
  });

  it('contributes.configuration declares every setting extension.js reads, each typed with a default of that type', () => {
    const properties: Record<string, { type: string; default: unknown; description: string }> = manifest.contributes.configuration.properties;
    for (const [key, p] of Object.entries(properties)) {
      expect(key).toMatch(/^tfm\./);
      expect(typeof p.default, key).toBe(p.type === 'number' ? 'number' : p.type);
      expect(p.description.length, key).toBeGreaterThan(0);
    }
    const main = fs.readFileSync(path.join(EXT, manifest.main), 'utf8');
    const read = [...main.matchAll(/getConfiguration\('tfm'\)\.get\('([^']+)'\)/g)].map((m) => `tfm.${m[1]}`);
    expect(read.length).toBeGreaterThan(0);
    expect(Object.keys(properties).sort()).toEqual([...new Set(read)].sort());
  });

  it('packaging: LICENSE (the repository\'s) and README.md beside it, the grammar copied before packaging, nothing needed ignored', () => {
    // vsce stops to ask when no LICENSE is found; the Marketplace page is the README.
    expect(fs.readFileSync(path.join(EXT, 'LICENSE'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'));
    expect(fs.readFileSync(path.join(EXT, 'README.md'), 'utf8')).not.toMatch(/This is the README for your extension/);
    expect(manifest.scripts['vscode:prepublish']).toBe('node copy-grammar.js');
    const ignored = fs.readFileSync(path.join(EXT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const toRegExp = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    const needed = [manifest.main.replace(/^\.\//, ''), 'package.json', 'LICENSE', 'README.md', 'node_modules/vscode-languageclient/node.js', ...manifest.contributes.grammars.map((g: { path: string }) => g.path.replace(/^\.\//, '')), ...manifest.contributes.languages.map((l: { configuration: string }) => l.configuration.replace(/^\.\//, ''))];
    for (const file of needed) for (const glob of ignored) expect(toRegExp(glob).test(file), `${glob} ignores ${file}`).toBe(false);
  });
});

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
