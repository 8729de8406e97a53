/**
 * Which documents the server re-checks, and what a published diagnostic carries, through the
 * real server and client: documents importing an opened, edited or closed one (also those that
 * looked for it before it existed, and those importing it through another file), files changed
 * on disk, and every label of a diagnostic as the message's second line or related information.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFile } from '../../src/pipeline/check-spec.js';
import { toLspDiagnostic } from '../../src/render/lsp.js';
import { LspClient, positionOf, uriOf } from './client.js';

const LIB = `block Mix(width: int) {
  in x: float32[B, width]
  out Linear(width)(x)
}
`;
const MID = `import "./leaf.tfm"

block Middle(width: int) {
  in x: float32[B, width]
  out Leaf(width)(x)
}
`;
const LEAF = LIB.replace('Mix', 'Leaf');
const TOP = `import "./mid.tfm"

model Top {
  input x: float32[b, 8]
  output y = Middle(8)(x)
}
`;
const RESIDUAL = `model R {
  config {
    d = 64
  }
  input x: float32[b, d]
  let h = Linear(32)(x)
  output y = h + x
}
`;

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-deps-')));
  client = await LspClient.startWith({
    rootUri: uriOf(dir),
    workspaceFolders: [{ uri: uriOf(dir), name: 'deps' }],
    capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
  });
});

afterAll(async () => {
  await client?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dependents', () => {
  it('re-checks a document that imported a missing file when that file is opened, and again when it is closed', async () => {
    const text = `import "./later.tfm"\n\nmodel U {\n  input x: float32[b, 4]\n  output y = Mix(4)(x)\n}\n`;
    const user = client.open(path.join(dir, 'waiting.tfm'), text);
    const before = await client.waitForDiagnostics(user, (d) => d.length > 0);
    expect(before.map((d) => d.code).sort()).toEqual(['TFM2001', 'TFM2013']);
    // The file appears as an editor buffer (not yet saved): the importer is checked against it.
    const later = client.open(path.join(dir, 'later.tfm'), LIB);
    await client.waitForDiagnostics(user, (d) => d.length === 0);
    // Closed without saving: it is missing again.
    client.connection.sendNotification('textDocument/didClose', { textDocument: { uri: later } });
    const after = await client.waitForDiagnostics(user, (d) => d.length > 0);
    expect(after.map((d) => d.code).sort()).toEqual(['TFM2001', 'TFM2013']);
  });

  it('re-checks documents that import an edited one through another file', async () => {
    fs.writeFileSync(path.join(dir, 'mid.tfm'), MID);
    const top = client.open(path.join(dir, 'top.tfm'), TOP);
    const leaf = client.open(path.join(dir, 'leaf.tfm'), LEAF);
    await client.request('textDocument/hover', { textDocument: { uri: top }, position: positionOf(TOP, 'Middle') });
    // `Leaf` now needs a second argument, which mid.tfm (not open) does not pass: the error is in
    // mid.tfm, and top.tfm's check (which reads mid.tfm from disk) reports it there.
    client.change(leaf, LEAF.replace('width: int', 'width: int, heads: int'));
    const mid = await client.waitForDiagnostics(uriOf(path.join(dir, 'mid.tfm')), (d) => d.some((x) => x.code === 'TFM2006'));
    expect(mid.find((d) => d.code === 'TFM2006')!.range.start).toEqual(positionOf(MID, 'Leaf(width)'));
    client.change(leaf, LEAF);
    await client.waitForDiagnostics(uriOf(path.join(dir, 'mid.tfm')), (d) => d.length === 0);
  });

  it('asks a client that can watch files to report changed specs, and re-checks on their change', async () => {
    expect(client.registrations).toContainEqual({ id: expect.any(String), method: 'workspace/didChangeWatchedFiles', registerOptions: { watchers: [{ globPattern: '**/*.tfm' }] } });
    const libPath = path.join(dir, 'disk-lib.tfm');
    fs.writeFileSync(libPath, LIB);
    const text = `import "./disk-lib.tfm"\n\nmodel D {\n  input x: float32[b, 4]\n  output y = Mix(4)(x)\n}\n`;
    const user = client.open(path.join(dir, 'disk-user.tfm'), text);
    await client.request('textDocument/hover', { textDocument: { uri: user }, position: positionOf(text, 'Mix') });
    fs.writeFileSync(libPath, LIB.replace('Mix', 'Renamed'));
    client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(libPath), type: 2 }] });
    const ds = await client.waitForDiagnostics(user, (d) => d.length > 0);
    expect(ds.map((d) => d.code)).toEqual(['TFM2001']);
  });
});

describe('what a diagnostic carries', () => {
  it('the primary label on the second line of the message, and every secondary label as related information', async () => {
    const file = path.join(dir, 'residual.tfm');
    fs.writeFileSync(file, RESIDUAL);
    const uri = client.open(file, RESIDUAL);
    const [d] = await client.waitForDiagnostics(uri, (ds) => ds.length > 0);
    // The same diagnostic as `tfmc check` finds, label for label.
    const [checked] = checkFile(file).diagnostics;
    expect(checked.secondary.length).toBeGreaterThan(1);
    expect(String(d.message).split('\n').slice(0, 2)).toEqual([checked.message, checked.primary.message]);
    expect(d.relatedInformation).toEqual(toLspDiagnostic(checked).relatedInformation);
    expect(d.relatedInformation!.map((r) => r.message)).toEqual(checked.secondary.map((l) => l.message));
    expect(d.relatedInformation).toContainEqual({ message: 'this is `[b, 64]`', location: { uri, range: { start: positionOf(RESIDUAL, 'x: float32'), end: positionOf(RESIDUAL, 'x: float32', 1) } } });
  });
});
