/**
 * `tfmc lsp` at the protocol level: the real server process, a real JSON-RPC client, real files
 * in a temporary workspace.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import type { CompletionItem, DocumentSymbol, Hover, Location, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { LspClient, positionOf, uriOf } from './client.js';

// The error sits after non-ASCII text on its line: LSP columns count UTF-16 code units (😀 is two).
const TINY = `// A tiny model with a shape error: \`proj\` makes 32 features, \`x\` has 64.
model Tiny {
  config {
    vocab = 100
    d_model = 64
  }
  input ids: int32[batch, seq]
  let emb = Embedding(vocab, d_model)
  let proj = Linear(32)
  let x = emb(ids)
  /* ünïcødé 😀 */ let y = proj(x) + x
  output logits = Linear(vocab)(y)
}

model Small extends Tiny {
  config {
    vocab = 50
  }
}
`;
const FIXED = TINY.replace('Linear(32)', 'Linear(d_model)');

const LIB = `block Mix(width: int, gain: float = 1.0) {
  in x: float32[B, T, width]
  let w = Linear(width)
  out w(x)
}
`;
const USER = `import "./lib.tfm"

model UsesLib {
  config {
    d = 16
  }
  input x: float32[batch, seq, d]
  let mix = Mix(d, gain: 2.0)
  output y = mix(x)
}
`;

let dir: string;
let outside: string;
let client: LspClient;

beforeAll(async () => {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-lsp-')));
  dir = path.join(base, 'ws');
  outside = path.join(base, 'outside');
  fs.mkdirSync(dir);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(dir, 'lib.tfm'), LIB);
  fs.writeFileSync(path.join(dir, 'user.tfm'), USER);
  fs.writeFileSync(path.join(outside, 'secret.tfm'), 'block Secret(n: int) {\n  in x: float32[B, n]\n  out x\n}\n');
  client = await LspClient.start([dir]);
});

afterAll(async () => {
  await client?.stop();
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('diagnostics', () => {
  it('publishes the checker diagnostics on open, in UTF-16 columns, and clears them once fixed', async () => {
    const uri = client.open(path.join(dir, 'tiny.tfm'), TINY);
    const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    expect(ds).toHaveLength(1);
    const start = positionOf(TINY, 'proj(x) + x');
    expect(start.character).toBe(27); // 26 characters before it; 😀 is two UTF-16 code units
    expect(ds[0]).toMatchObject({
      code: 'TFM3001',
      severity: 1,
      source: 'tfmc',
      range: { start, end: positionOf(TINY, 'proj(x) + x', 'proj(x) + x'.length) },
    });
    expect(String(ds[0].message).split('\n')[0]).toBe('cannot add `[batch, seq, 32]` and `[batch, seq, 64]`');

    client.change(uri, FIXED);
    expect(await client.waitForDiagnostics(uri, (d) => d.length === 0)).toEqual([]);
  });

  it('places diagnostics of a document with lone carriage returns on the lines the editor shows', async () => {
    const text = 'model M {\r  input x: float32[b, 4]\r  output y = Linear(8)(x) + x\r}\r';
    const uri = client.open(path.join(dir, 'cr.tfm'), text);
    const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    expect(ds[0]).toMatchObject({ code: 'TFM3001', range: { start: { line: 2, character: 13 } } });
  });

  it('re-checks the documents that import a changed one', async () => {
    const lib = client.open(path.join(dir, 'lib.tfm'), LIB);
    const user = client.open(path.join(dir, 'user.tfm'), USER);
    const { checks } = await client.request<{ checks: number }>('tfmc/stats', null);
    expect(checks).toBeGreaterThan(0);
    // `Mix` now needs a `heads` argument that user.tfm does not pass.
    client.change(lib, LIB.replace('gain: float = 1.0', 'gain: float = 1.0, heads: int'));
    const ds = await client.waitForDiagnostics(user, (d) => d.some((x) => x.code === 'TFM2006'));
    expect(ds.find((d) => d.code === 'TFM2006')!.range.start).toEqual(positionOf(USER, 'Mix(d'));
    client.change(lib, LIB);
    await client.waitForDiagnostics(user, (d) => d.length === 0);
  });

  it('re-checks open documents when a file they import changes on disk (workspace/didChangeWatchedFiles)', async () => {
    const libPath = path.join(dir, 'disk-lib.tfm');
    fs.writeFileSync(libPath, LIB);
    const text = USER.replace('./lib.tfm', './disk-lib.tfm');
    const user = client.open(path.join(dir, 'disk-user.tfm'), text);
    await client.request('textDocument/hover', { textDocument: { uri: user }, position: positionOf(text, 'mix(x)') }); // checked once
    fs.writeFileSync(libPath, LIB.replace('gain: float = 1.0', 'gain: float = 1.0, heads: int'));
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(libPath), type: 2 }] });
    const ds = await client.waitForDiagnostics(user, (d) => d.some((x) => x.code === 'TFM2006'));
    expect(ds.map((d) => d.code)).toEqual(['TFM2006']);
  });

  it('hovers values of a library block with the shapes of the open document that instantiates it', async () => {
    const lib = client.open(path.join(dir, 'lib.tfm'), LIB);
    client.open(path.join(dir, 'user.tfm'), USER);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: lib }, position: positionOf(LIB, 'let w', 4) });
    expect((h?.contents as { value: string }).value).toContain('let w: Linear → float32[batch, seq, 16]');
    expect((h?.contents as { value: string }).value).toContain('in model `UsesLib` (instance `mix`)');
  });

  it('never reads outside the workspace: such imports are diagnostics, and a document outside the folders imports nothing', async () => {
    const inside = client.open(path.join(dir, 'escape.tfm'), 'import "../outside/secret.tfm"\n');
    const ds = await client.waitForDiagnostics(inside, (d) => d.length > 0);
    expect(ds.map((d) => d.code)).toEqual(['TFM2012']);

    const text = 'import "./secret.tfm"\n\nmodel M {\n  input x: float32[b, 4]\n  output y = Secret(4)(x)\n}\n';
    const away = client.open(path.join(outside, 'away.tfm'), text);
    const ds2 = await client.waitForDiagnostics(away, (d) => d.length > 0);
    expect(ds2.map((d) => d.code)).toContain('TFM2012');
    expect(ds2.map((d) => d.code)).toContain('TFM2001'); // `Secret` stays unknown: the file was not read
  });

  it('checks unsaved buffers (untitled: URIs) on their own, with no file access for their imports', async () => {
    const uri = 'untitled:Untitled-1';
    const text = 'import "./lib.tfm"\n\nmodel U {\n  input x: float32[b, 4]\n  output y = Linear(8)(x) + x\n}\n';
    client.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tfm', version: 1, text } });
    const ds = await client.waitForDiagnostics(uri, (d) => d.length >= 2);
    expect(ds.map((d) => d.code)).toEqual(['TFM2012', 'TFM3001']);
  });
});

/** The text with LSP edits applied (lines and UTF-16 characters, which JavaScript strings index). */
function applyLspEdits(text: string, edits: TextEdit[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: { line: number; character: number }) => lineStarts[p.line] + p.character;
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}

describe('quick fixes', () => {
  const SPEC = (heads: number, layers: number) => `model Fixable {
  config {
    d_model = 512
    heads   = ${heads}
    layers  = ${layers}
  }
  input x: float32[batch, seq, d_model]
  let blocks = repeat layers { EncoderLayer(d_model, heads, norm: pre) }
  output y = blocks(x)
}
`;

  for (const [what, heads, layers, fixed] of [
    ['a nearby divisor for heads', 10, 6, SPEC(8, 6)],
    ['heads and layers swapped back', 6, 8, SPEC(8, 6)],
  ] as const) {
    it(`offers the help's edits as a preferred quick fix: ${what}`, async () => {
      const text = SPEC(heads, layers);
      const uri = client.open(path.join(dir, `fix-${heads}-${layers}.tfm`), text);
      const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0);
      expect(ds.map((d) => d.code)).toEqual(['TFM3003']);
      const actions = await client.request<Array<{ title: string; kind: string; isPreferred: boolean; edit: WorkspaceEdit }>>('textDocument/codeAction', {
        textDocument: { uri },
        range: ds[0].range,
        context: { diagnostics: ds },
      });
      expect(actions).toHaveLength(1);
      expect(actions[0]).toMatchObject({ kind: 'quickfix', isPreferred: true });
      const after = applyLspEdits(text, actions[0].edit.changes![uri]);
      expect(after).toBe(fixed);
      client.change(uri, after);
      expect(await client.waitForDiagnostics(uri, (d) => d.length === 0)).toEqual([]);
    });
  }

  it('offers nothing for a diagnostic whose help is advice only', async () => {
    const uri = client.open(path.join(dir, 'advice.tfm'), TINY);
    const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0);
    const actions = await client.request<unknown[]>('textDocument/codeAction', { textDocument: { uri }, range: ds[0].range, context: { diagnostics: ds } });
    expect(actions).toEqual([]);
  });
});

describe('hover', () => {
  const text = FIXED;
  let uri: string;
  beforeAll(() => {
    uri = client.open(path.join(dir, 'hover.tfm'), text);
  });
  const hover = async (needle: string, delta = 0, nth = 0) =>
    (await client.request<Hover | null>('textDocument/hover', { textDocument: { uri }, position: positionOf(text, needle, delta, nth) }))?.contents as { value: string } | undefined;

  it("shows a tensor's inferred shape and dtype, at its binding and where it is read", async () => {
    const atLet = await hover('let y', 4);
    expect(atLet?.value).toContain('let y: float32[batch, seq, 64]');
    expect(atLet?.value).toContain('in model `Tiny`');
    const atUse = await hover('Linear(vocab)(y)', 'Linear(vocab)('.length);
    expect(atUse?.value).toContain('let y: float32[batch, seq, 64]');
  });

  it("shows a module's kind, output shape and parameter count", async () => {
    const h = await hover('let emb', 4);
    expect(h?.value).toContain('let emb: Embedding → float32[batch, seq, 64]');
    expect(h?.value).toContain('parameters: 6,400'); // 100 × 64
    expect((await hover('let proj', 4))?.value).toContain('parameters: 4,160'); // 64 × 64 + 64
  });

  it('shows config values, and a model with its parameter total', async () => {
    expect((await hover('Embedding(vocab', 'Embedding('.length))?.value).toContain('config vocab = 100');
    const model = await hover('model Tiny', 6);
    expect(model?.value).toContain('parameters: 17,060'); // 6,400 + 4,160 + 64 × 100 + 100
    expect(model?.value).toContain('output `logits`: `float32[batch, seq, 100]`');
  });

  it('shows the signature of a primitive and its documentation', async () => {
    const lin = await hover('Linear(d_model)', 2);
    expect(lin?.value).toContain('Linear(out: int, bias: bool = true, tied: module = none)(x: tensor)');
  });
});

describe('definition', () => {
  it('goes to config entries, local bindings, blocks in imported files, parameters of named arguments, and imported files', async () => {
    const uri = uriOf(path.join(dir, 'user.tfm'));
    const def = (needle: string, delta = 0) => client.request<Location | null>('textDocument/definition', { textDocument: { uri }, position: positionOf(USER, needle, delta) });
    expect(await def('Mix(d,', 4)).toEqual({ uri, range: { start: positionOf(USER, 'd = 16'), end: positionOf(USER, 'd = 16', 1) } });
    expect(await def('mix(x)', 0)).toEqual({ uri, range: { start: positionOf(USER, 'mix ='), end: positionOf(USER, 'mix =', 3) } });
    const lib = uriOf(path.join(dir, 'lib.tfm'));
    expect(await def('Mix(d', 1)).toEqual({ uri: lib, range: { start: positionOf(LIB, 'Mix'), end: positionOf(LIB, 'Mix', 3) } });
    expect(await def('gain:', 1)).toEqual({ uri: lib, range: { start: positionOf(LIB, 'gain'), end: positionOf(LIB, 'gain', 4) } });
    expect((await def('./lib.tfm', 2))?.uri).toBe(lib);
  });

  it('goes from an overridden config key of an `extends` model to the base entry', async () => {
    const uri = uriOf(path.join(dir, 'hover.tfm'));
    const at = positionOf(FIXED, 'vocab = 50');
    const r = await client.request<Location | null>('textDocument/definition', { textDocument: { uri }, position: at });
    expect(r?.range.start).toEqual(at); // a config entry is its own definition in the derived model...
    const base = await client.request<Location | null>('textDocument/definition', { textDocument: { uri }, position: positionOf(FIXED, 'extends Tiny', 9) });
    expect(base?.range.start).toEqual(positionOf(FIXED, 'Tiny {', 0));
  });
});

describe('completion', () => {
  it('offers the arguments of the call being typed, with types and defaults, minus those already given', async () => {
    const text = USER.replace('Mix(d, gain: 2.0)', 'Mix(d, ');
    const uri = client.open(path.join(dir, 'complete.tfm'), text);
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(text, 'Mix(d, ', 7) });
    expect(items.map((i) => [i.label, i.detail, i.insertText])).toEqual([['gain', 'float = 1.0', 'gain: ']]);

    const std = text.replace('Mix(d, ', 'DecoderLayer(d, 4, norm: pre, ');
    client.change(uri, std);
    const items2 = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(std, 'norm: pre, ', 11) });
    const labels = items2.map((i) => i.label);
    expect(labels).toContain('activation');
    expect(labels).not.toContain('d_model'); // given positionally
    expect(labels).not.toContain('norm'); // given by name
    expect(items2.find((i) => i.label === 'activation')?.detail).toBe('enum(relu, gelu, gelu_tanh, silu, swiglu) = relu');

    const valueText = std.replace('norm: pre, ', 'norm: pre, activation: ');
    client.change(uri, valueText);
    const values = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(valueText, 'activation: ', 12) });
    expect(values.slice(0, 5).map((i) => i.label)).toEqual(['relu', 'gelu', 'gelu_tanh', 'silu', 'swiglu']);
  });

  it("offers block names and config keys elsewhere, and the base's keys inside an overriding config", async () => {
    const uri = uriOf(path.join(dir, 'hover.tfm'));
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(FIXED, 'let x', 0) });
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['vocab', 'd_model', 'emb', 'DecoderLayer', 'Linear', 'softmax']));
    const inConfig = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: positionOf(FIXED, 'vocab = 50') });
    expect(inConfig.find((i) => i.label === 'd_model')?.detail).toBe('config d_model = 64 (in Tiny)');
  });
});

describe('symbols, rename, formatting', () => {
  it('lists models and blocks with their bindings', async () => {
    const uri = uriOf(path.join(dir, 'hover.tfm'));
    const symbols = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri } });
    expect(symbols.map((s) => s.name)).toEqual(['Tiny', 'Small']);
    expect(symbols[0].children?.map((s) => s.name)).toEqual(['vocab', 'd_model', 'ids', 'emb', 'proj', 'x', 'y', 'logits']);
  });

  it('renames a local name everywhere in its model, and refuses names others refer to', async () => {
    const uri = uriOf(path.join(dir, 'hover.tfm'));
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri }, position: positionOf(FIXED, 'let x', 4), newName: 'h' });
    const edits = edit.changes![uri];
    expect(edits.map((e) => e.range.start)).toEqual([positionOf(FIXED, 'x = emb'), positionOf(FIXED, 'proj(x)', 5), positionOf(FIXED, '+ x', 2)]);
    await expect(client.request('textDocument/prepareRename', { textDocument: { uri }, position: positionOf(FIXED, 'd_model = 64') })).rejects.toThrow(/config/);
    await expect(client.request('textDocument/rename', { textDocument: { uri }, position: positionOf(FIXED, 'let x', 4), newName: 'emb' })).rejects.toThrow(/already used/);
  });

  it('formats like `tfmc fmt`, and leaves a file with syntax errors alone', async () => {
    const messy = 'model   M {\n    input x : float32[b,4]\n  output y=x\n}\n';
    const uri = client.open(path.join(dir, 'messy.tfm'), messy);
    const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0].newText).toBe('model M {\n  input x: float32[b, 4]\n  output y = x\n}\n');
    client.change(uri, 'model M {\n  input x: float32[b, 4\n}\n');
    expect(await client.request('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })).toEqual([]);
  });
});

describe('robustness', () => {
  it('answers a request cancelled before it ran with RequestCancelled, and never checks one text twice', async () => {
    const uri = client.open(path.join(dir, 'cancel.tfm'), FIXED);
    await client.request('textDocument/hover', { textDocument: { uri }, position: positionOf(FIXED, 'let y', 4) });
    const before = (await client.request<{ checks: number }>('tfmc/stats', null)).checks;
    // The same text again: every request reuses the one check.
    for (const needle of ['let x', 'let emb', 'let proj']) {
      await client.request('textDocument/hover', { textDocument: { uri }, position: positionOf(FIXED, needle, 4) });
      await client.request('textDocument/definition', { textDocument: { uri }, position: positionOf(FIXED, needle, 4) });
    }
    expect((await client.request<{ checks: number }>('tfmc/stats', null)).checks).toBe(before);

    // A burst: a change, then hovers cancelled as soon as they are sent (an editor moving on).
    client.change(uri, FIXED.replace('vocab = 100', 'vocab = 101'));
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => {
        const source = new CancellationTokenSource();
        const p = client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: positionOf(FIXED, 'let y', 4) }, source.token);
        source.cancel();
        return p;
      }),
    );
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as { code?: number }).code).toBe(-32800);
    }
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    // At most one check for the new text, however many requests came.
    const after = (await client.request<{ checks: number }>('tfmc/stats', null)).checks;
    await client.request('textDocument/hover', { textDocument: { uri }, position: positionOf(FIXED, 'let y', 4) });
    expect((await client.request<{ checks: number }>('tfmc/stats', null)).checks - before).toBeLessThanOrEqual(1);
    expect(after - before).toBeLessThanOrEqual(1);
  });

  it('survives any document content: every request on garbage gets an answer and the server keeps working', async () => {
    const uri = client.open(path.join(dir, 'garbage.tfm'), '');
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const pieces = ['model', 'block', '{', '}', '(', ')', '[', ']', 'let', 'x', '=', ':', ',', '"', '/*', '//', '\n', ' ', '😀', '\u0000', 'Linear(', 'repeat', '1e999', '-', '.', 'in', 'out', 'import "', '../../../../etc/passwd"', 'extends', 'config', '((((((((((', '\r\n', 'é'];
    for (let round = 0; round < 25; round++) {
      let text = '';
      for (let i = 0, n = rand(200); i < n; i++) text += pieces[rand(pieces.length)];
      client.change(uri, text);
      const at = rand(text.length + 1);
      const before = text.slice(0, at);
      const position = { line: before.split('\n').length - 1, character: before.length - before.lastIndexOf('\n') - 1 };
      const params = { textDocument: { uri }, position };
      for (const method of ['textDocument/hover', 'textDocument/definition', 'textDocument/completion', 'textDocument/documentSymbol', 'textDocument/formatting']) {
        await client.request(method, { ...params, options: { tabSize: 2, insertSpaces: true } });
      }
    }
    // Nesting far deeper than any spec: reported (a syntax error, or an internal error if the
    // checker runs out of stack), never a dead server or a silently empty list.
    for (const deep of ['(', '-', '!']) {
      const version = client.change(uri, `model M {\n  let x = ${deep.repeat(100_000)}1\n}\n`);
      const ds = await client.waitForDiagnostics(uri, (d) => d.length > 0, 10_000, version);
      expect(ds[0].code === 'internal' || String(ds[0].code).startsWith('TFM1')).toBe(true);
    }
    // Still alive and checking.
    client.change(uri, TINY);
    await client.waitForDiagnostics(uri, (d) => d.some((x) => x.code === 'TFM3001'));
    expect(client.logs.filter((l) => /internal error/.test(l))).toEqual([]);
  });
});
