/**
 * The language server: protocol wiring only. Each feature lives in its own module and works on
 * an `Analysis` (one cached check per document version); this file converts between LSP
 * positions and source offsets, and guards every handler so that no document content and no
 * internal error can take the server down.
 *
 * Cancellation: a request cancelled while still queued is answered at once (RequestCancelled)
 * without running; a running one checks its token before and after the (cached) analysis.
 * Requests and diagnostics share the analysis cache, so an outdated or repeated request never
 * re-checks a text that was already checked.
 */
import {
  createConnection,
  type Connection,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  type DocumentSymbol,
  ErrorCodes,
  FileChangeType,
  type InitializeResult,
  LSPErrorCodes,
  MarkupKind,
  type Position,
  type Range,
  type RequestMessage,
  ResponseError,
  type CancellationToken,
  CompletionItemKind,
  SymbolKind,
  TextDocumentSyncKind,
  type TextEdit,
  type CodeAction,
  CodeActionKind,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { toLspRange } from '../render/lsp.js';
import type { Span } from '../diagnostics/spans.js';
import { type Analysis, Analyzer } from './analysis.js';
import { completionsAt, type CompletionKind } from './completion.js';
import { definitionAt } from './definition.js';
import { DiagnosticsScheduler } from './diagnostics.js';
import { DocumentStore } from './documents.js';
import { formatDocument } from './formatting.js';
import { hoverAt } from './hover.js';
import { prepareRename, renameEdits } from './rename.js';
import { outline, type OutlineSymbol, type SymbolKindName } from './symbols.js';

export interface ServerOptions {
  /** Edits closer together than this (ms) are merged into one check after the last of them. */
  debounceMs?: number;
}

/** Edits closer together than this are one burst, checked once after it (see diagnostics.ts). */
export const DEFAULT_DEBOUNCE_MS = 50;

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, options: ServerOptions = {}): Connection {
  const connection = createConnection(input, output, {
    connectionStrategy: {
      // A request cancelled before it ran is answered without running it.
      cancelUndispatched: (message) => ({ jsonrpc: '2.0', id: (message as RequestMessage).id, error: new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled').toJson() }),
    },
  });
  const docs = new DocumentStore();
  const analyzer = new Analyzer(docs);
  const scheduler = new DiagnosticsScheduler(
    docs,
    analyzer,
    {
      publish: (uri, version, diagnostics) =>
        void connection.sendDiagnostics({ uri, version, diagnostics: diagnostics.map((d) => ({ ...d, severity: d.severity as DiagnosticSeverity })) }),
      log: (message) => connection.console.error(message),
    },
    options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
  );

  let watchFiles = false;
  connection.onInitialize((params): InitializeResult => {
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    docs.setFolders(folders);
    const init = params.initializationOptions as { debounceMs?: unknown } | undefined;
    if (typeof init?.debounceMs === 'number' && init.debounceMs >= 0 && init.debounceMs <= 5000) scheduler.delayMs = init.debounceMs;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        definitionProvider: true,
        completionProvider: { triggerCharacters: ['(', ','] },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        renameProvider: { prepareProvider: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'tfmc' },
    };
  });

  // Clients that can watch files for the server (Neovim 0.10, Emacs' eglot) are asked to report
  // changed specs; others send them unasked (the VS Code extension) or not at all.
  connection.onInitialized(() => {
    if (watchFiles) void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.tfm' }] }).catch(() => undefined);
  });

  connection.onDidOpenTextDocument(({ textDocument: t }) => {
    docs.open(TextDocument.create(t.uri, t.languageId, t.version, t.text));
    scheduler.changed(t.uri);
  });
  connection.onDidChangeTextDocument(({ textDocument: t, contentChanges }) => {
    const doc = docs.get(t.uri);
    if (!doc) return;
    docs.open(TextDocument.update(doc, contentChanges, t.version));
    scheduler.changed(t.uri);
  });
  connection.onDidCloseTextDocument(({ textDocument: t }) => {
    const path = docs.pathOf(t.uri);
    docs.close(t.uri);
    scheduler.closed(t.uri, path);
  });

  // A .tfm file changed on disk (the client watches them): open documents that read it, or that
  // may now find an import that was missing, are checked again.
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const doc of docs.all()) {
      const read = analyzer.last(doc.uri)?.inputs;
      if (changes.some((c) => c.type === FileChangeType.Created || read?.has(docs.pathOf(c.uri)))) {
        analyzer.forget(doc.uri);
        scheduler.changed(doc.uri);
      }
    }
  });

  /** Runs a feature on the document's current analysis, honouring cancellation and containing failures. */
  function withAnalysis<R>(uri: string, token: CancellationToken, feature: (a: Analysis, doc: TextDocument) => R): R | null | ResponseError<void> {
    return withDocument(uri, token, (doc) => {
      const a = analyzer.get(uri);
      if (!a) return null;
      if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
      return feature(a, doc);
    });
  }

  function withDocument<R>(uri: string, token: CancellationToken, feature: (doc: TextDocument) => R): R | null | ResponseError<void> {
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
    const doc = docs.get(uri);
    if (!doc) return null;
    try {
      return feature(doc);
    } catch (err) {
      connection.console.error(`tfmc: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return new ResponseError(ErrorCodes.InternalError, `tfmc internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  /** An LSP range for a span of `file`: from its offsets when it is an open document with lone `\r` line breaks (spans count only `\n`). */
  const range = (span: Span, file?: string): Range => {
    const doc = file === undefined ? undefined : docs.byPath(file);
    if (doc && /\r(?!\n)/.test(doc.getText())) return { start: doc.positionAt(span.start.offset), end: doc.positionAt(span.end.offset) };
    return toLspRange(span);
  };
  const offsetOf = (doc: TextDocument, p: Position) => doc.offsetAt(p);

  connection.onHover(({ textDocument, position }, token) =>
    withAnalysis(textDocument.uri, token, (a, doc) => {
      const importers = () =>
        docs
          .all()
          .filter((d) => d.uri !== a.uri && analyzer.last(d.uri)?.inputs.has(a.path))
          .flatMap((d) => analyzer.get(d.uri)?.check.lowered ?? []);
      const h = hoverAt(a, offsetOf(doc, position), importers);
      return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: range(h.span, a.path) } : null;
    }),
  );

  connection.onDefinition(({ textDocument, position }, token) =>
    withAnalysis(textDocument.uri, token, (a, doc) => {
      const t = definitionAt(a, offsetOf(doc, position));
      return t ? { uri: docs.uriOf(t.file), range: range(t.span, t.file) } : null;
    }),
  );

  connection.onCompletion(({ textDocument, position }, token) =>
    withAnalysis(textDocument.uri, token, (a, doc) =>
      completionsAt(a, offsetOf(doc, position)).map((c) => ({
        label: c.label,
        kind: COMPLETION_KIND[c.kind],
        detail: c.detail,
        documentation: c.documentation ? { kind: MarkupKind.Markdown, value: c.documentation } : undefined,
        insertText: c.insertText,
        sortText: String(c.rank).padStart(4, '0') + c.label,
      })),
    ),
  );

  connection.onDocumentSymbol(({ textDocument }, token) =>
    withAnalysis(textDocument.uri, token, (a) => outline(a.ast).map(toDocumentSymbol)),
  );

  connection.onPrepareRename(({ textDocument, position }, token) =>
    withAnalysis(textDocument.uri, token, (a, doc) => {
      const r = prepareRename(a.ast, offsetOf(doc, position));
      if (!r.ok) return new ResponseError(ErrorCodes.InvalidRequest, r.reason);
      return { range: range(r.span, a.path), placeholder: r.name };
    }),
  );

  connection.onRenameRequest(({ textDocument, position, newName }, token) =>
    withAnalysis(textDocument.uri, token, (a, doc) => {
      const r = renameEdits(a.ast, offsetOf(doc, position), newName);
      if ('error' in r) return new ResponseError(ErrorCodes.InvalidRequest, r.error);
      const edits: TextEdit[] = r.spans.map((s) => ({ range: range(s, a.path), newText: newName }));
      return { changes: { [textDocument.uri]: edits } };
    }),
  );

  connection.onDocumentFormatting(({ textDocument }, token) =>
    withDocument(textDocument.uri, token, (doc) => {
      const r = formatDocument(doc.getText(), docs.pathOf(doc.uri));
      if (r.kind === 'syntax-errors' || r.text === doc.getText()) return [];
      return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(doc.getText().length) }, newText: r.text }];
    }),
  );

  // Quick fixes: a diagnostic whose help carries edits (`data.fix`, see render/lsp.ts) offers them.
  // The edits travel with the diagnostic the client sends back, so no re-check is needed.
  connection.onCodeAction(({ context }): CodeAction[] =>
    context.diagnostics.flatMap((d) => {
      const fix = (d.data as { fix?: { title: string; changes: Record<string, TextEdit[]> } } | undefined)?.fix;
      if (!fix || typeof fix.title !== 'string' || typeof fix.changes !== 'object') return [];
      return [{ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: true, edit: { changes: fix.changes } }];
    }),
  );

  // Not part of LSP: how many checks ran (and were dropped as outdated), so tests and the benchmark can see that work was reused.
  connection.onRequest('tfmc/stats', () => ({ checks: analyzer.checks, dropped: scheduler.dropped, lastCheckMs: analyzer.lastCheckMs }));

  connection.listen();
  return connection;
}

const COMPLETION_KIND: Record<CompletionKind, CompletionItemKind> = {
  argument: CompletionItemKind.Field,
  value: CompletionItemKind.EnumMember,
  config: CompletionItemKind.Constant,
  local: CompletionItemKind.Variable,
  block: CompletionItemKind.Class,
  layer: CompletionItemKind.Class,
  function: CompletionItemKind.Function,
  keyword: CompletionItemKind.Keyword,
};

const SYMBOL_KIND: Record<SymbolKindName, SymbolKind> = {
  model: SymbolKind.Class,
  block: SymbolKind.Function,
  config: SymbolKind.Constant,
  param: SymbolKind.TypeParameter,
  input: SymbolKind.Field,
  value: SymbolKind.Variable,
  output: SymbolKind.Property,
};

function toDocumentSymbol(s: OutlineSymbol): DocumentSymbol {
  return { name: s.name, detail: s.detail, kind: SYMBOL_KIND[s.kind], range: toLspRange(s.span), selectionRange: toLspRange(s.nameSpan), children: s.children.map(toDocumentSymbol) };
}
