/**
 * The language server's workspace boundary (docs/editors.md, "Files it reads"), through the real
 * server and a real JSON-RPC client, for every way a client can configure the workspace: no root,
 * `/` as the root, several folders, symlinked folders. Each refused import must be a diagnostic at
 * the import's path, and the refused file's content must never reach the client: every byte the
 * server sent (diagnostics, hover, completion, definitions) is searched for text that is only in
 * the files outside.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionItem, Diagnostic, Hover, Location } from 'vscode-languageserver/node';
import { LspClient, positionOf, uriOf } from './client.js';

/** Only in the files outside the workspace: the server has read one if this is ever sent. */
const MARKER = 'q7x';
const SECRET = `// secret_${MARKER}: this comment must never reach the client
block Secret(n_${MARKER}: int) {
  in x: float32[B, n_${MARKER}]
  out x
}
model Broken_${MARKER} { let = = ${MARKER}_garbage }
`;
/** The first line of /etc/passwd (\`root:x:0:0:...\`): read, it would appear in a syntax error. */
const PASSWD = fs.readFileSync('/etc/passwd', 'utf8').split('\n')[0];

const LIB = `block Mix(width: int) {
  in x: float32[B, width]
  out Linear(width)(x)
}
`;

/** A document that imports `importPath` and uses the block the outside file would define. */
const importing = (importPath: string) => `import ${JSON.stringify(importPath)}

model M {
  input x: float32[b, 4]
  output y = Secret(4)(x)
}
`;
/** A document that imports `importPath` and uses the block inside the workspace; its one diagnostic is the unused `z`. */
const usingLib = (importPath: string) => `import ${JSON.stringify(importPath)}

model M {
  input x: float32[b, 4]
  let z = x
  output y = Mix(4)(x)
}
`;

let base: string;
let ws: string;
let other: string;
let outside: string;
let client: LspClient | undefined;

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-boundary-')));
  ws = path.join(base, 'ws');
  other = path.join(base, 'other');
  outside = path.join(base, 'outside');
  for (const d of [ws, path.join(ws, 'sub'), other, outside]) fs.mkdirSync(d);
  fs.writeFileSync(path.join(ws, 'lib.tfm'), LIB);
  fs.writeFileSync(path.join(ws, 'sub', 'inner.tfm'), LIB.replace('Mix', 'Inner'));
  fs.writeFileSync(path.join(other, 'lib2.tfm'), LIB.replace('Mix', 'Mix2'));
  fs.writeFileSync(path.join(outside, 'secret.tfm'), SECRET);
  // Symlinks pointing out of the workspace: a file, a folder, and folders standing for the workspace and for `/`.
  fs.symlinkSync(path.join(outside, 'secret.tfm'), path.join(ws, 'link.tfm'));
  fs.symlinkSync(outside, path.join(ws, 'linkdir'));
  fs.symlinkSync(ws, path.join(base, 'wslink'));
  fs.symlinkSync('/', path.join(base, 'rootlink'));
});

afterEach(async () => {
  if (!client) return;
  const sent = client.transcript();
  await client.stop();
  client = undefined;
  // Nothing of a file outside the workspace reached the client, in any message.
  expect(sent).not.toContain(MARKER);
  expect(sent).not.toContain(PASSWD);
});

afterAll(() => {
  if (base) fs.rmSync(base, { recursive: true, force: true });
});

const folder = (p: string) => ({ uri: uriOf(p), name: path.basename(p) });
const noRoot = { rootUri: null, workspaceFolders: null };

/**
 * Opens `text` at `doc` (a path or a URI) and expects `code` at the import's path literal, the
 * block of the refused file unknown, and hover, definition and completion to know nothing of it.
 */
async function expectRefused(c: LspClient, doc: string, importPath: string, code: 'TFM2012' | 'TFM2013' | 'TFM2020', note?: RegExp): Promise<Diagnostic> {
  const text = importing(importPath);
  const uri = c.open(doc, text);
  const ds = await c.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'TFM2001'));
  const literal = JSON.stringify(importPath);
  const at = ds.find((d) => d.code === code);
  expect(at, `${code} for ${literal} in ${JSON.stringify(ds)}`).toBeDefined();
  expect(at!.range).toEqual({ start: positionOf(text, literal), end: positionOf(text, literal, literal.length) });
  expect(String(at!.message).split('\n')[0]).toMatch(/^cannot (import|find) `/);
  if (note) expect(at!.message).toMatch(note);
  expect(ds.map((d) => d.code).sort()).toEqual([code, 'TFM2001'].sort()); // `Secret` stays unknown: nothing was read
  const position = positionOf(text, 'Secret(4)');
  const inCall = positionOf(text, 'Secret(4)', 'Secret('.length);
  expect(await c.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position })).toBeNull();
  expect(await c.request<Location | null>('textDocument/definition', { textDocument: { uri }, position })).toBeNull();
  expect(await c.request<Location | null>('textDocument/definition', { textDocument: { uri }, position: positionOf(text, literal, 2) })).toBeNull();
  const items = await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position });
  expect(items.map((i) => i.label)).not.toContain('Secret');
  expect(items.map((i) => i.label)).toContain('Linear'); // completion itself works
  await c.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: inCall });
  return at!;
}

/** Opens a document that imports `importPath` from inside the boundary: the import works, and definition reaches the file. */
async function expectAllowed(c: LspClient, doc: string, importPath: string, block = 'Mix'): Promise<void> {
  const text = usingLib(importPath).replace('Mix', block);
  const uri = c.open(doc, text);
  const ds = await c.waitForDiagnostics(uri, (d) => d.length > 0);
  expect(ds.map((d) => d.code)).toEqual(['TFM2009']); // only the unused `z`: the block was found
  const def = await c.request<Location | null>('textDocument/definition', { textDocument: { uri }, position: positionOf(text, `${block}(4)`) });
  expect(def?.uri).toMatch(/\.tfm$/);
}

describe('no workspace root (rootUri and workspaceFolders null): the document’s own folder and below', () => {
  it('allows imports below the document, refuses any that leave its folder', async () => {
    client = await LspClient.startWith(noRoot);
    await expectAllowed(client, path.join(ws, 'a.tfm'), './lib.tfm');
    await expectAllowed(client, path.join(ws, 'b.tfm'), './sub/inner.tfm', 'Inner');
    await expectRefused(client, path.join(ws, 'c.tfm'), '../outside/secret.tfm', 'TFM2012', /the editor gave no workspace folder/);
    // A sibling folder of the document's own is outside too: only its folder and below.
    await expectRefused(client, path.join(ws, 'sub', 'd.tfm'), '../../outside/secret.tfm', 'TFM2012');
  });

  it('a document at the file system root imports nothing: not /etc/passwd, not an absolute path, not a relative one', async () => {
    client = await LspClient.startWith(noRoot);
    // The client's buffers: no such files on disk.
    const doc = (n: number) => `file:///tfmc-boundary-${path.basename(base)}-${n}.tfm`;
    await expectRefused(client, doc(1), '/etc/passwd', 'TFM2020');
    await expectRefused(client, doc(2), 'etc/passwd', 'TFM2020');
    await expectRefused(client, doc(3), path.join(outside, 'secret.tfm'), 'TFM2012', /file system's root/);
    await expectRefused(client, doc(4), `.${path.join(outside, 'secret.tfm')}`, 'TFM2012');
  });
});

describe('`/` as the workspace folder: not a boundary, the document’s own folder is', () => {
  it('reads below the document, never elsewhere on the disk', async () => {
    client = await LspClient.startWith({ rootUri: 'file:///', workspaceFolders: [{ uri: 'file:///', name: '/' }] });
    await expectAllowed(client, path.join(ws, 'a.tfm'), './lib.tfm');
    await expectRefused(client, path.join(ws, 'c.tfm'), '../outside/secret.tfm', 'TFM2012');
    await expectRefused(client, `file:///tfmc-boundary-${path.basename(base)}.tfm`, path.join(outside, 'secret.tfm'), 'TFM2012');
    await expectRefused(client, path.join(ws, 'd.tfm'), '/etc/passwd', 'TFM2020');
  });

  it('as a rootUri alone, and as a symlink to `/`', async () => {
    client = await LspClient.startWith({ rootUri: uriOf(path.join(base, 'rootlink')), workspaceFolders: null });
    await expectAllowed(client, path.join(ws, 'a.tfm'), './lib.tfm');
    await expectRefused(client, path.join(ws, 'c.tfm'), '../outside/secret.tfm', 'TFM2012');
  });
});

describe('several workspace folders: each document reads only its own folder', () => {
  it('refuses imports into another folder and from a document outside every folder', async () => {
    client = await LspClient.startWith({ rootUri: uriOf(ws), workspaceFolders: [folder(ws), folder(other)] });
    await expectAllowed(client, path.join(ws, 'a.tfm'), './lib.tfm');
    await expectAllowed(client, path.join(other, 'b.tfm'), './lib2.tfm', 'Mix2');
    await expectRefused(client, path.join(ws, 'c.tfm'), '../other/lib2.tfm', 'TFM2012', /workspace folder that contains this document/);
    // Opened by the client but outside every folder: checked on its own, its sibling never read.
    await expectRefused(client, path.join(outside, 'away.tfm'), './secret.tfm', 'TFM2012', /outside the editor's workspace folders/);
  });
});

describe('one workspace folder: paths that try to leave it', () => {
  const start = () => LspClient.startWith({ rootUri: uriOf(ws), workspaceFolders: [folder(ws)] });

  it('symlinks pointing out of the workspace (a file, a folder)', async () => {
    client = await start();
    await expectRefused(client, path.join(ws, 'a.tfm'), './link.tfm', 'TFM2012');
    await expectRefused(client, path.join(ws, 'b.tfm'), './linkdir/secret.tfm', 'TFM2012');
  });

  it('`..` segments, and an absolute path', async () => {
    client = await start();
    await expectRefused(client, path.join(ws, 'a.tfm'), './sub/../../outside/secret.tfm', 'TFM2012');
    await expectRefused(client, path.join(ws, 'sub', 'b.tfm'), '../../outside/secret.tfm', 'TFM2012');
    await expectRefused(client, path.join(ws, 'c.tfm'), path.join(outside, 'secret.tfm'), 'TFM2012');
    await expectAllowed(client, path.join(ws, 'sub', 'd.tfm'), '../lib.tfm');
  });

  it('URL-encoded import paths are not decoded (a folder named `%2e%2e` does not exist)', async () => {
    client = await start();
    await expectRefused(client, path.join(ws, 'a.tfm'), '%2e%2e/outside/secret.tfm', 'TFM2013');
    await expectRefused(client, path.join(ws, 'b.tfm'), '..%2Foutside%2Fsecret.tfm', 'TFM2013');
  });

  it('document URIs with URL-encoded `..` and `/`, and `file:` URIs with a host', async () => {
    client = await start();
    const wsUri = pathToFileURL(ws).href;
    // `%2e%2e` in a URI is `..`: this document is outside/away.tfm, outside the workspace.
    await expectRefused(client, `${wsUri}/%2e%2e/outside/away.tfm`, './secret.tfm', 'TFM2012');
    // `%2F` cannot be a file path: the document is checked as a buffer with no folder.
    await expectRefused(client, `${wsUri}/sub%2F..%2F..%2Foutside/away.tfm`, './secret.tfm', 'TFM2012', /not a file on disk/);
    // A host names another machine's file: not a file here.
    await expectRefused(client, `file://example.com${pathToFileURL(path.join(ws, 'a.tfm')).pathname}`, '../outside/secret.tfm', 'TFM2012', /not a file on disk/);
    // Import paths that are URLs, with or without a host.
    await expectRefused(client, path.join(ws, 'b.tfm'), pathToFileURL(path.join(outside, 'secret.tfm')).href, 'TFM2020');
    await expectRefused(client, path.join(ws, 'c.tfm'), `file://example.com${path.join(outside, 'secret.tfm')}`, 'TFM2020');
  });

  it('Windows drive letters and backslashes in import paths', async () => {
    client = await start();
    await expectRefused(client, path.join(ws, 'a.tfm'), '..\\outside\\secret.tfm', 'TFM2020');
    await expectRefused(client, path.join(ws, 'b.tfm'), 'C:\\outside\\secret.tfm', 'TFM2020');
    await expectRefused(client, path.join(ws, 'c.tfm'), 'C:/outside/secret.tfm', 'TFM2020');
    await expectRefused(client, path.join(ws, 'd.tfm'), '\\\\server\\share\\secret.tfm', 'TFM2020');
  });
});

describe('a symlinked workspace folder', () => {
  it('works under its link name and its real path, and its boundary is the real folder', async () => {
    const link = path.join(base, 'wslink');
    client = await LspClient.startWith({ rootUri: uriOf(link), workspaceFolders: [folder(link)] });
    await expectAllowed(client, path.join(link, 'a.tfm'), './lib.tfm');
    await expectAllowed(client, path.join(ws, 'b.tfm'), './lib.tfm');
    await expectRefused(client, path.join(link, 'c.tfm'), '../outside/secret.tfm', 'TFM2012');
    await expectRefused(client, path.join(link, 'd.tfm'), './linkdir/secret.tfm', 'TFM2012');
  });
});
