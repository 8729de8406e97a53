/**
 * Typing faster than the server checks: every edit of a ~2,000-line spec is sent back to back, with
 * no debounce, so edits arrive while a check of an earlier version is running. A check whose
 * document changed before it finished is dropped; what is published is always the diagnostics of
 * the version it is labelled with, versions are published in increasing order (never an outdated
 * one after a newer one), and the last list is that of the last version.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// @ts-expect-error: a JavaScript module of the benchmark, without types
import { generateSpec } from '../../bench/generate.js';
import { LspClient } from './client.js';

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-stale-')));
  client = await LspClient.start([dir], { debounceMs: 0 });
});

afterAll(async () => {
  await client?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('drops checks of outdated versions and publishes only the latest, in order', async () => {
  // Opened with the shape error (so version 1 publishes a list), then fixed and broken in turn.
  const text: string = generateSpec(41).replace('let fc2 = Linear(d_model)', 'let fc2 = Linear(d_ff)');
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes('let fc2 = Linear(d_ff)'));
  const character = lines[line].indexOf('d_ff');
  const uri = client.open(path.join(dir, 'typing.tfm'), text);
  await client.waitForDiagnostics(uri, (ds) => ds.some((d) => d.code === 'TFM3001'), 20_000);
  const before = await client.request<{ checks: number }>('tfmc/stats', {});

  // Versions 2..21: `Linear(d_model)` and `Linear(d_ff)` (a shape error, TFM3001) in turn.
  const broken = new Map<number, boolean>();
  let current = 'd_ff';
  const changes = 20;
  for (let version = 2; version < 2 + changes; version++) {
    const next = current === 'd_model' ? 'd_ff' : 'd_model';
    const range = { start: { line, character }, end: { line, character: character + current.length } };
    client.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: next }] });
    broken.set(version, next === 'd_ff');
    current = next;
  }
  const last = 1 + changes;
  await client.waitForDiagnostics(uri, () => true, 20_000, last);

  const published = client.publications.filter((p) => p.uri === uri && (p.version ?? 0) >= 2);
  const versions = published.map((p) => p.version!);
  expect(versions.at(-1)).toBe(last);
  for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]);
  // Each list is that version's: the shape error exactly when its text has `Linear(d_ff)`.
  for (const p of published) expect([p.version, p.diagnostics.some((d) => d.code === 'TFM3001')]).toEqual([p.version, broken.get(p.version!)]);
  // The edits arrived while earlier checks ran: far fewer checks than versions were run to the end or started.
  const after = await client.request<{ checks: number; dropped: number }>('tfmc/stats', {});
  expect(after.checks - before.checks).toBeLessThan(changes);
}, 60_000);
