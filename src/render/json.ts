/**
 * The machine-readable form of diagnostics (`tfmc check --format json`). Editors, CI annotators
 * and scripts parse this, so its shape is a contract; change it only additively:
 *
 * ```json
 * {"diagnostics": [{
 *   "code": "TFM3001", "severity": "error" | "warning" | "info", "message": "...",
 *   "file": "specs/bad.tfm",
 *   "range": {"start": {"line": 12, "column": 11}, "end": {"line": 12, "column": 16}},
 *   "label": "..." | null,
 *   "related": [{"message": "...", "file": "...", "range": {...}}],
 *   "help": "..." | null,
 *   "fix": [{"file": "...", "range": {...}, "text": "..."}] | null,
 *   "notes": ["..."]
 * }]}
 * ```
 *
 * - Lines and columns are 1-based; columns count UTF-16 code units (what JavaScript strings and
 *   LSP use). `end` is exclusive: it points just past the last character of the range.
 * - `file` follows the same rule as the human renderer (`displayPath`): relative to `cwd` (with
 *   `/` separators) when the file is inside it, otherwise absolute; without a `cwd`, the path is
 *   exactly as the diagnostic names it.
 * - `label` is the primary label's text (what the range shows: "`heads` = 7 is set here"), or
 *   `null` when the primary label has no words.
 * - `related` holds the secondary labels, in order; a label without words has `"message": ""`.
 * - `help` is always present: the help text, or `null`. `notes` is always present, maybe empty.
 * - `fix` is the help's machine-applicable edits (replace each range with its text; they never
 *   overlap), or `null` when the help is advice only.
 */
import type { Diagnostic, Label, Severity } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/spans.js';
import { displayPath } from './paths.js';

export interface JsonPosition {
  line: number;
  column: number;
}

export interface JsonRange {
  start: JsonPosition;
  end: JsonPosition;
}

export interface JsonRelated {
  message: string;
  file: string;
  range: JsonRange;
}

export interface JsonDiagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  range: JsonRange;
  label: string | null;
  related: JsonRelated[];
  help: string | null;
  fix: JsonEdit[] | null;
  notes: string[];
}

export interface JsonEdit {
  file: string;
  range: JsonRange;
  text: string;
}

export interface JsonReport {
  diagnostics: JsonDiagnostic[];
}

export interface JsonRenderOptions {
  /** Show paths relative to this folder when they are inside it. */
  cwd?: string;
}

export function toJsonRange(span: Span): JsonRange {
  return {
    start: { line: span.start.line, column: span.start.column },
    end: { line: span.end.line, column: span.end.column },
  };
}

export function toJsonDiagnostic(d: Diagnostic, options: JsonRenderOptions = {}): JsonDiagnostic {
  const related = (l: Label): JsonRelated => ({
    message: l.message ?? '',
    file: displayPath(l.file, options.cwd),
    range: toJsonRange(l.span),
  });
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    file: displayPath(d.primary.file, options.cwd),
    range: toJsonRange(d.primary.span),
    label: d.primary.message || null,
    related: d.secondary.map(related),
    help: d.help?.message ?? null,
    fix: d.help?.edits?.length ? d.help.edits.map((e) => ({ file: displayPath(e.file, options.cwd), range: toJsonRange(e.span), text: e.text })) : null,
    notes: [...d.notes],
  };
}

export function toJsonReport(
  diagnostics: readonly Diagnostic[],
  options: JsonRenderOptions = {},
): JsonReport {
  return { diagnostics: diagnostics.map((d) => toJsonDiagnostic(d, options)) };
}

/** The report as indented JSON text with a trailing newline. */
export function renderJson(diagnostics: readonly Diagnostic[], options: JsonRenderOptions = {}): string {
  return escapeInvisible(JSON.stringify(toJsonReport(diagnostics, options), null, 2)) + '\n';
}

/**
 * JSON.stringify escapes C0 controls and lone surrogates but writes C1 controls, bidi controls and
 * the line separators raw; as `\uXXXX` escapes they decode to the same strings, and the text
 * stays safe to print (issue 15: `--format json` piped to a terminal or a log).
 */
function escapeInvisible(json: string): string {
  // eslint-disable-next-line no-control-regex
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
