/**
 * A real JSON-RPC client for `tfmc lsp`: spawns the built binary (`node bin/tfmc.js lsp`) and
 * talks LSP to it over stdio with vscode-jsonrpc, as an editor would. Every wait has a timeout
 * that fails with what was received, so a broken server fails a test instead of hanging it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver/node';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'tfmc.js');

export const uriOf = (file: string) => pathToFileURL(file).href;

export class LspClient {
  readonly connection: MessageConnection;
  /** The last list published for each URI. */
  readonly diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }>();
  /** Every list published, in the order received. */
  readonly publications: Array<{ uri: string; version?: number; diagnostics: Diagnostic[] }> = [];
  readonly logs: string[] = [];
  /** What the server asked to register (`client/registerCapability`), in order. */
  readonly registrations: Array<{ method: string; registerOptions?: unknown }> = [];
  /** Everything the server wrote to stdout, raw: tests search it for text that must never be sent. */
  private readonly raw: Buffer[] = [];
  private listeners: Array<() => void> = [];
  private versions = new Map<string, number>();
  exited: Promise<number | null>;

  private constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (chunk: Buffer) => void this.raw.push(chunk));
    this.connection = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.diagnostics.set(p.uri, { version: p.version, diagnostics: p.diagnostics });
      this.publications.push({ uri: p.uri, version: p.version, diagnostics: p.diagnostics });
      for (const l of this.listeners) l();
    });
    this.connection.onRequest('client/registerCapability', (p: { registrations: Array<{ method: string; registerOptions?: unknown }> }) => {
      this.registrations.push(...p.registrations);
      return null;
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => void this.logs.push(p.message));
    this.connection.listen();
    this.exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  }

  /**
   * Starts the server and completes the `initialize` handshake with `folders` as workspace folders.
   * `command` runs tfmc (default: this repository's built binary; test/package/ runs an installed one).
   */
  static async start(folders: string[], initializationOptions: object = { debounceMs: 0 }, extraArgs: string[] = [], command: string[] = [process.execPath, BIN]): Promise<LspClient> {
    return LspClient.startWith(
      { rootUri: folders[0] ? uriOf(folders[0]) : null, workspaceFolders: folders.map((f) => ({ uri: uriOf(f), name: path.basename(f) })), initializationOptions },
      extraArgs,
      command,
    );
  }

  /**
   * Starts the server with these `initialize` parameters (`rootUri`, `workspaceFolders`,
   * `capabilities`, ...; the process id is added), as a client with that configuration would.
   */
  static async startWith(params: Record<string, unknown>, extraArgs: string[] = [], command: string[] = [process.execPath, BIN]): Promise<LspClient> {
    if (command[1] === BIN && !fs.existsSync(path.join(ROOT, 'dist', 'lsp', 'server.js'))) throw new Error('dist/lsp/server.js is missing: run `npm run build` first');
    const proc = spawn(command[0], [...command.slice(1), 'lsp', ...extraArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
    const client = new LspClient(proc);
    await client.request('initialize', { processId: process.pid, capabilities: {}, initializationOptions: { debounceMs: 0 }, ...params });
    client.connection.sendNotification('initialized', {});
    return client;
  }

  /** Everything the server has sent so far (all messages, as the bytes on the wire). */
  transcript(): string {
    return Buffer.concat(this.raw).toString('utf8');
  }

  request<R = unknown>(method: string, params: unknown): Promise<R> {
    return withTimeout(this.connection.sendRequest(method, params) as Promise<R>, 10_000, `no answer to ${method}`);
  }

  /** Opens a document by path, or by URI when `file` is one (`file://host/...`, `untitled:...`). */
  open(file: string, text: string): string {
    const uri = /^[a-z][a-z0-9+.-]+:/i.test(file) ? file : uriOf(file);
    this.versions.set(uri, 1);
    this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'tfm', version: 1, text } });
    return uri;
  }

  /** Replaces the whole text (a full-document change). */
  change(uri: string, text: string): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  /** Waits until the diagnostics published for `uri` (for `version` or later, when given) satisfy `ok`. */
  waitForDiagnostics(uri: string, ok: (ds: Diagnostic[]) => boolean, timeoutMs = 10_000, version = 0): Promise<Diagnostic[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const got = this.diagnostics.get(uri);
        if (got && (got.version ?? 0) >= version && ok(got.diagnostics)) {
          this.listeners = this.listeners.filter((l) => l !== check);
          clearTimeout(timer);
          resolve(got.diagnostics);
        }
      };
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for diagnostics of ${uri}; last published: ${JSON.stringify(this.diagnostics.get(uri) ?? null)}`));
      }, timeoutMs);
      this.listeners.push(check);
      check();
    });
  }

  async stop(): Promise<void> {
    try {
      await this.request('shutdown', null);
      this.connection.sendNotification('exit');
      await withTimeout(this.exited, 5_000, 'the server did not exit after `exit`');
    } finally {
      this.connection.dispose();
      if (this.proc.exitCode === null) this.proc.kill();
    }
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} (timed out after ${ms} ms)`)), ms);
    }),
  ]);
}

/** The 0-based LSP position of the `nth` occurrence of `needle` in `text`, plus `delta` characters (UTF-16). */
export function positionOf(text: string, needle: string, delta = 0, nth = 0): { line: number; character: number } {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`\`${needle}\` not found`);
  }
  const before = text.slice(0, at + delta);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}
