// The language server's latency: time from sending a `didChange` to receiving the
// `publishDiagnostics` for that version, over stdio, for a generated ~2,000-line spec. The server
// runs as editors start it (`node bin/tfmc.js lsp`, default debounce). Each edit is one keystroke-
// sized range change that breaks (then fixes) a layer's width, so every change publishes a list.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { generateSpec } from './generate.js';
import { referenceWorkload } from './reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `bin`: the tfmc to start (default: this tree's; another tree's, to compare two versions in one session). */
export async function benchLsp({ blocks = 41, runs = 31, bin = join(root, 'bin/tfmc.js') } = {}) {
  const text = generateSpec(blocks);
  const lines = text.split('\n').length;
  const proc = spawn(process.execPath, [bin, 'lsp'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiting = new Map(); // version → resolve
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    const done = waiting.get(p.version);
    if (done) {
      waiting.delete(p.version);
      done(p.diagnostics);
    }
  });
  conn.listen();
  const published = (version) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for version ${version} within 10 s`)), 10_000);
      waiting.set(version, (ds) => {
        clearTimeout(timer);
        resolve(ds);
      });
    });

  await conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {} });
  conn.sendNotification('initialized', {});
  const uri = pathToFileURL(join(root, 'bench/generated-lsp.tfm')).href;
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tfm', version: 1, text } });

  // The edit: `let fc2 = Linear(d_model)` of the first block becomes `Linear(d_ff)` (a shape error) and back.
  const lineNo = text.split('\n').findIndex((l) => l.includes('let fc2 = Linear(d_model)'));
  const col = text.split('\n')[lineNo].indexOf('d_model');
  const edit = (from, to) => ({ range: { start: { line: lineNo, character: col }, end: { line: lineNo, character: col + from.length } }, text: to });

  let version = 1;
  let current = 'd_model';
  const ts = [];
  const checking = [];
  const reference = [];
  for (let i = 0; i < runs + 5; i++) {
    // One keystroke after a pause longer than the server's debounce (50 ms), as when typing: the
    // server checks it at once. (Edits sent back to back would measure the debounce instead.)
    await new Promise((r) => setTimeout(r, 80));
    const next = current === 'd_model' ? 'd_ff' : 'd_model';
    version++;
    const got = published(version);
    const t0 = process.hrtime.bigint();
    conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [edit(current, next)] });
    const ds = await got;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const broken = next === 'd_ff';
    if (broken !== ds.some((d) => d.code === 'TFM3001')) throw new Error(`version ${version}: unexpected diagnostics ${JSON.stringify(ds.map((d) => d.code))}`);
    if (i >= 5) {
      // the first edits warm up the JIT
      ts.push(ms);
      checking.push((await conn.sendRequest('tfmc/stats')).lastCheckMs);
      // The fixed workload of bench/reference.js, between edits: how fast the machine was meanwhile.
      const r0 = process.hrtime.bigint();
      referenceWorkload();
      reference.push(Number(process.hrtime.bigint() - r0) / 1e6);
    }
    current = next;
  }
  await conn.sendRequest('shutdown');
  conn.sendNotification('exit');
  conn.dispose();
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
  };
  return [
    { what: `lsp: change → diagnostics (${lines} lines)`, ...stats(ts), target: 50 },
    { what: '  of which checking, inside the server', ...stats(checking) },
    { what: 'reference workload (fixed JavaScript)', ...stats(reference) },
  ];
}
