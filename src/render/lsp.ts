/**
 * Diagnostics in the shape of the Language Server Protocol's `Diagnostic`, as plain objects, so
 * the language server (and tests) need no protocol library to use them. The local interfaces
 * mirror the LSP 3.17 types field for field; a structurally typed `vscode-languageserver` can
 * accept them unchanged.
 *
 * - Positions are 0-based; `character` counts UTF-16 code units, LSP's default position
 *   encoding, which is also what `Span` columns count: no re-encoding is needed.
 * - The LSP message is one string, so the primary label's text, notes and help are appended to
 *   it on their own lines (the label as is, then "note: ...", "help: ...") rather than dropped.
 * - A help edit travels in `data.fix` for a code-action handler to offer as a quick fix.
 * - Warnings about unused things carry the `Unnecessary` tag, so editors fade the code.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Diagnostic, Label, Severity } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/spans.js';
import { escapeUnsafe } from '../util/unsafe-text.js';

export interface LspPosition {
  line: number;
  character: number;
}

export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}

export interface LspLocation {
  uri: string;
  range: LspRange;
}

export interface LspRelatedInformation {
  location: LspLocation;
  message: string;
}

/** `DiagnosticSeverity`: Error = 1, Warning = 2, Information = 3, Hint = 4. */
export type LspSeverity = 1 | 2 | 3 | 4;

/** `DiagnosticTag`: Unnecessary = 1, Deprecated = 2. */
export type LspTag = 1 | 2;

export interface LspTextEdit {
  range: LspRange;
  newText: string;
}

export interface LspDiagnostic {
  range: LspRange;
  severity: LspSeverity;
  code: string;
  source: 'tfmc';
  message: string;
  tags?: LspTag[];
  relatedInformation?: LspRelatedInformation[];
  /** The help's fix as a `WorkspaceEdit`'s `changes` (uri → edits), offered as a quick fix. */
  data?: { fix?: { title: string; changes: Record<string, LspTextEdit[]> } };
}

export interface LspOptions {
  /** Maps a label's file to a document URI. Default: `file://` URI of the path (resolved against `cwd`). */
  uriFor?: (file: string) => string;
  /** Folder that relative paths are resolved against (default: the process's working directory). */
  cwd?: string;
}

const SEVERITY: Record<Severity, LspSeverity> = { error: 1, warning: 2, info: 3 };

/** Codes of diagnostics about code that does nothing: editors show it faded. */
const UNNECESSARY = new Set<string>(['TFM2009', 'TFM2010', 'TFM2016', 'TFM2017']);

export function toLspRange(span: Span): LspRange {
  return {
    start: { line: span.start.line - 1, character: span.start.column - 1 },
    end: { line: span.end.line - 1, character: span.end.column - 1 },
  };
}

/** `file:///abs/path` for a path; a string that is already a URI (`scheme:...`) is kept. */
export function fileUri(file: string, cwd?: string): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(file)) return file; // two letters at least: not `C:`
  return pathToFileURL(path.resolve(cwd ?? process.cwd(), file)).href;
}

export function toLspDiagnostic(d: Diagnostic, options: LspOptions = {}): LspDiagnostic {
  const uri = options.uriFor ?? ((file: string) => fileUri(file, options.cwd));
  // Editors show these strings as they are: a bidi override or a control character would reorder or hide text.
  // The primary label says what the squiggled range is ("`heads` = 7 is set here"): an editor shows
  // only the message, so it goes on the message's second line.
  const label = d.primary.message ? [escapeUnsafe(d.primary.message, 'keep')] : [];
  const lines = [escapeUnsafe(d.message), ...label, ...d.notes.map((n) => `note: ${escapeUnsafe(n, 'keep')}`)];
  if (d.help) lines.push(`help: ${escapeUnsafe(d.help.message, 'keep')}`);

  const out: LspDiagnostic = {
    range: toLspRange(d.primary.span),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: 'tfmc',
    message: lines.join('\n'),
  };
  if (UNNECESSARY.has(d.code)) out.tags = [1];
  if (d.secondary.length > 0) {
    out.relatedInformation = d.secondary.map((l: Label) => ({
      location: { uri: uri(l.file), range: toLspRange(l.span) },
      message: escapeUnsafe(l.message ?? ''),
    }));
  }
  if (d.help?.edits?.length) {
    const changes: Record<string, LspTextEdit[]> = {};
    for (const e of d.help.edits) (changes[uri(e.file)] ??= []).push({ range: toLspRange(e.span), newText: e.text });
    out.data = { fix: { title: escapeUnsafe(d.help.message), changes } };
  }
  return out;
}

/**
 * Groups diagnostics by the URI of their primary file, the unit of `textDocument/publishDiagnostics`.
 * Every URI in `documents` gets an entry, empty if clean, so stale diagnostics get cleared.
 */
export function toLspDiagnosticsByUri(
  diagnostics: readonly Diagnostic[],
  options: LspOptions = {},
  documents: readonly string[] = [],
): Map<string, LspDiagnostic[]> {
  const uri = options.uriFor ?? ((file: string) => fileUri(file, options.cwd));
  const out = new Map<string, LspDiagnostic[]>(documents.map((u) => [u, []]));
  for (const d of diagnostics) {
    const key = uri(d.primary.file);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push(toLspDiagnostic(d, options));
  }
  return out;
}
