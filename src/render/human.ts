/**
 * Renders diagnostics for people, in the layout rustc made familiar:
 *
 * ```text
 * error[TFM3001]: cannot add `[batch, seq, 512]` and `[batch, seq, 768]`
 *   --> specs/bad.tfm:12:11
 *    |
 * 10 |   let a = Linear(512)(x)
 *    |           -------------- this is `[batch, seq, 512]`
 * 11 |   let b = Linear(768)(x)
 * 12 |   let c = a + b
 *    |           ^^^^^ dimension 2 differs: 512 vs 768
 *    |
 *    = note: ...
 * help: change one side so both are 768
 * ```
 *
 * Layout rules, and why:
 * - The primary label is underlined with `^`, secondary labels with `-`, so the eye finds the
 *   problem first and the context second. Secondary labels in another file get their own
 *   `::: file:line:col` snippet, because a source line without its file name is a riddle.
 * - Labelled lines of one file are shown in order; an unlabelled gap of one line is shown (it is
 *   cheaper to read than a `...`), longer gaps are elided.
 * - A span over several lines is underlined on its first line up to the line's end, and its
 *   message says where it ends: drawing ASCII brackets across many lines hides the code.
 * - Columns in spans are UTF-16 offsets (see `spans.ts`); they are converted to terminal cells
 *   here, so carets stay under the right characters after tabs (expanded to 4 spaces), wide CJK
 *   characters and emoji, and combining marks.
 * - The gutter is as wide as the largest line number shown in the whole diagnostic, so all its
 *   snippets line up.
 * - Colour is opt-in (`color: true`): deciding whether the terminal wants it is the CLI's job.
 * - File names follow `displayPath` (relative to `cwd` when inside it), like the JSON renderer.
 */
import pc from 'picocolors';
import type { Diagnostic, Label, Severity } from '../diagnostics/diagnostic.js';
import { LineIndex } from '../diagnostics/spans.js';
import { escapedCodePoint, escapeUnsafe, isUnsafeCodePoint } from '../util/unsafe-text.js';
import { displayPath as rawDisplayPath, lookupSource } from './paths.js';

/** A path as shown: a file name may hold any character, including an escape sequence. */
function displayPath(file: string, cwd: string | undefined): string {
  return escapeUnsafe(rawDisplayPath(file, cwd));
}

export interface HumanRenderOptions {
  /** Emit ANSI colours. */
  color: boolean;
  /** Show paths relative to this folder when they are inside it. */
  cwd?: string;
  /** Append the "could not check ..." summary line (default `true`). */
  summary?: boolean;
}

/** Renders every diagnostic, each followed by a blank line, then (by default) a summary line. */
export function renderHuman(
  diagnostics: readonly Diagnostic[],
  sources: ReadonlyMap<string, string>,
  options: HumanRenderOptions,
): string {
  const ctx = new RenderContext(sources, options);
  const parts = diagnostics.map((d) => ctx.diagnostic(d));
  if (options.summary ?? true) {
    const summary = renderSummary(diagnostics, options);
    if (summary !== '') parts.push(summary);
  }
  return parts.length === 0 ? '' : parts.join('\n\n') + '\n';
}

/** Renders one diagnostic (no trailing newline). */
export function renderDiagnostic(
  diagnostic: Diagnostic,
  sources: ReadonlyMap<string, string>,
  options: HumanRenderOptions,
): string {
  return new RenderContext(sources, options).diagnostic(diagnostic);
}

/**
 * The closing line, e.g. "error: could not check `specs/bad.tfm` due to 2 previous errors;
 * 1 warning emitted", or "warning: `a.tfm` generated 1 warning". Empty when there is nothing to
 * report. The files named are those holding the primary labels of the counted diagnostics.
 */
export function renderSummary(
  diagnostics: readonly Diagnostic[],
  options: Pick<HumanRenderOptions, 'color' | 'cwd'>,
): string {
  const c = pc.createColors(options.color);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  if (errors.length > 0) {
    const also = warnings.length > 0 ? `; ${plural(warnings.length, 'warning')} emitted` : '';
    const text = `could not check ${fileList(errors, options.cwd)} due to ${plural(errors.length, 'previous error')}${also}`;
    return `${c.bold(c.red('error'))}${c.bold(`: ${text}`)}`;
  }
  if (warnings.length > 0) {
    const text = `${fileList(warnings, options.cwd)} generated ${plural(warnings.length, 'warning')}`;
    return `${c.bold(c.yellow('warning'))}${c.bold(`: ${text}`)}`;
  }
  return '';
}

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function fileList(ds: readonly Diagnostic[], cwd: string | undefined): string {
  const files = [...new Set(ds.map((d) => displayPath(d.primary.file, cwd)))];
  if (files.length === 1) return `\`${files[0]}\``;
  if (files.length === 2) return `\`${files[0]}\` and \`${files[1]}\``;
  return `${files.length} files`;
}

// ---------------------------------------------------------------------------------------------
// Text layout: UTF-16 columns → terminal cells.

const TAB_WIDTH = 4;

/** A source line as displayed, and the display cell at which each UTF-16 offset starts. */
interface LineLayout {
  text: string;
  /** `cells[i]` = display cell of UTF-16 offset `i`; one extra entry for the end of the line. */
  cells: number[];
}

function layoutLine(source: string): LineLayout {
  let text = '';
  const cells: number[] = [];
  let cell = 0;
  for (let i = 0; i < source.length; ) {
    const cp = source.codePointAt(i)!;
    const units = cp > 0xffff ? 2 : 1;
    for (let k = 0; k < units; k++) cells.push(cell);
    if (cp === 9) {
      text += ' '.repeat(TAB_WIDTH);
      cell += TAB_WIDTH;
    } else if (isUnsafeCodePoint(cp) || cp === 0x0a) {
      // A raw control or bidi character would corrupt the terminal or reorder the line (Trojan Source).
      const shown = escapedCodePoint(cp);
      text += shown;
      cell += shown.length;
    } else {
      text += String.fromCodePoint(cp);
      cell += cellWidth(cp);
    }
    i += units;
  }
  cells.push(cell);
  return { text: text.trimEnd(), cells };
}

/** The display cell of 1-based UTF-16 `column`; columns past the line's end keep counting. */
function cellAt(layout: LineLayout, column: number): number {
  const i = Math.max(0, column - 1);
  const last = layout.cells.length - 1;
  return i <= last ? layout.cells[i] : layout.cells[last] + (i - last);
}

/** Terminal cells taken by a code point: 0 for combining marks, 2 for East Asian wide and emoji. */
function cellWidth(cp: number): number {
  if (
    (cp >= 0x0300 && cp <= 0x036f) ||
    (cp >= 0x1ab0 && cp <= 0x1aff) ||
    (cp >= 0x1dc0 && cp <= 0x1dff) ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x20d0 && cp <= 0x20ff) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) ||
    (cp >= 0xfe20 && cp <= 0xfe2f)
  ) {
    return 0;
  }
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

// ---------------------------------------------------------------------------------------------
// Snippets.

/** One underline on one displayed line, in display cells. */
interface Mark {
  primary: boolean;
  start: number;
  end: number;
  text?: string;
}

/** The labels of one diagnostic that live in one file. */
interface FileGroup {
  file: string;
  labels: { label: Label; primary: boolean }[];
  index?: LineIndex;
}

type Row = { kind: 'line'; line: number } | { kind: 'ellipsis' };

/** Lines further apart than this are separated by `...` rather than shown in full. */
const MAX_GAP = 2;

class RenderContext {
  private readonly c: ReturnType<typeof pc.createColors>;
  private readonly indexes = new Map<string, LineIndex | undefined>();

  constructor(
    private readonly sources: ReadonlyMap<string, string>,
    private readonly options: HumanRenderOptions,
  ) {
    this.c = pc.createColors(options.color);
  }

  diagnostic(d: Diagnostic): string {
    const groups = this.groups(d);
    const rows = groups.map((g) => this.rows(g));
    const edit = this.editPreview(d);

    const shown = [...rows.flat(), ...(edit ? [{ kind: 'line', line: edit.line } as Row] : [])];
    const maxLine = Math.max(
      d.primary.span.start.line,
      ...shown.map((r) => (r.kind === 'line' ? r.line : 0)),
    );
    const width = String(maxLine).length;
    const gutter = new Gutter(width, this.c);

    const out: string[] = [this.header(d)];
    groups.forEach((g, i) => {
      if (i > 0 && groups[i - 1].index) out.push(gutter.empty());
      out.push(...this.group(g, rows[i], i === 0, gutter, d.severity));
    });

    if (d.notes.length > 0 || d.help) out.push(gutter.empty());
    for (const note of d.notes) out.push(gutter.note(this.c.bold('note'), escapeUnsafe(note, 'keep')));
    if (d.help) {
      out.push(`${this.c.bold(this.c.cyan('help'))}: ${escapeUnsafe(d.help.message, 'keep')}`);
      if (edit) {
        out.push(gutter.empty());
        out.push(gutter.source(edit.line, edit.layout.text));
        const marks = ' '.repeat(edit.start) + (edit.insert ? '+' : '~').repeat(edit.end - edit.start);
        out.push(gutter.annotation(this.c.green(marks)));
      }
    }
    return out.join('\n');
  }

  private header(d: Diagnostic): string {
    const sev = this.severity(d.severity, `${d.severity}[${d.code}]`);
    return `${sev}${this.c.bold(`: ${escapeUnsafe(d.message)}`)}`;
  }

  private severity(sev: Severity, text: string): string {
    const colour = sev === 'error' ? this.c.red : sev === 'warning' ? this.c.yellow : this.c.green;
    return this.c.bold(colour(text));
  }

  private index(file: string): LineIndex | undefined {
    if (!this.indexes.has(file)) {
      const text = lookupSource(this.sources, file, this.options.cwd);
      this.indexes.set(file, text === undefined ? undefined : new LineIndex(text));
    }
    return this.indexes.get(file);
  }

  /** The primary label's file first, then other files in the order their labels appear. */
  private groups(d: Diagnostic): FileGroup[] {
    const groups = new Map<string, FileGroup>();
    const add = (label: Label, primary: boolean) => {
      let g = groups.get(label.file);
      if (!g) {
        g = { file: label.file, labels: [], index: this.index(label.file) };
        groups.set(label.file, g);
      }
      g.labels.push({ label, primary });
    };
    add(d.primary, true);
    for (const s of d.secondary) add(s, false);
    for (const g of groups.values()) {
      g.labels.sort((a, b) => a.label.span.start.offset - b.label.span.start.offset);
    }
    return [...groups.values()];
  }

  /** The lines shown for a group: every labelled line, short gaps filled, long gaps elided. */
  private rows(g: FileGroup): Row[] {
    if (!g.index) return [];
    const lines = [...new Set(g.labels.map((l) => l.label.span.start.line))].sort((a, b) => a - b);
    const rows: Row[] = [];
    lines.forEach((line, i) => {
      const prev = lines[i - 1];
      if (prev !== undefined) {
        if (line - prev > MAX_GAP) rows.push({ kind: 'ellipsis' });
        else for (let l = prev + 1; l < line; l++) rows.push({ kind: 'line', line: l });
      }
      rows.push({ kind: 'line', line });
    });
    return rows;
  }

  private group(g: FileGroup, rows: Row[], first: boolean, gutter: Gutter, sev: Severity): string[] {
    const anchor = first ? g.labels.find((l) => l.primary)!.label : g.labels[0].label;
    const where = `${displayPath(g.file, this.options.cwd)}:${anchor.span.start.line}:${anchor.span.start.column}`;
    const out = [gutter.arrow(first ? '-->' : ':::', where)];
    if (!g.index) {
      // Without the text there is nothing to underline; keep each label's words (and position,
      // unless the header already gives it).
      for (const { label } of g.labels) {
        if (!label.message) continue;
        const pos = label === anchor ? '' : ` (${label.span.start.line}:${label.span.start.column})`;
        out.push(gutter.note(this.c.bold('note'), `${escapeUnsafe(label.message)}${pos}`));
      }
      return out;
    }
    const index = g.index;
    out.push(gutter.empty());
    for (const row of rows) {
      if (row.kind === 'ellipsis') {
        out.push(gutter.ellipsis());
        continue;
      }
      const layout = layoutLine(index.lineText(row.line));
      out.push(gutter.source(row.line, layout.text));
      const marks = g.labels
        .filter((l) => l.label.span.start.line === row.line)
        .map((l) => markFor(l.label, l.primary, layout));
      if (marks.length > 0) {
        for (const a of this.annotations(marks, sev)) out.push(gutter.annotation(a));
      }
    }
    return out;
  }

  /**
   * The underline row of one line, with the rightmost message inline when nothing overlaps it,
   * and the other messages hanging below on `|` connectors, rightmost first (as rustc does).
   */
  private annotations(marks: Mark[], sev: Severity): string[] {
    const sorted = [...marks].sort((a, b) => a.start - b.start || a.end - b.end);
    const width = Math.max(...sorted.map((m) => m.end));
    const cells: (Mark | undefined)[] = new Array(width).fill(undefined);
    // Secondary first, so primary carets win where spans overlap.
    for (const m of [...sorted.filter((m) => !m.primary), ...sorted.filter((m) => m.primary)]) {
      for (let i = m.start; i < m.end; i++) cells[i] = m;
    }
    let underline = '';
    for (let i = 0; i < width; ) {
      const m = cells[i];
      let j = i;
      while (j < width && cells[j] === m) j++;
      underline += m ? this.markStyle(m, sev)((m.primary ? '^' : '-').repeat(j - i)) : ' '.repeat(j - i);
      i = j;
    }

    const withText = sorted.filter((m) => m.text);
    const last = withText[withText.length - 1];
    const inline = last && sorted.every((m) => m === last || m.end <= last.start) ? last : undefined;
    const rows = [inline ? `${underline} ${this.markStyle(inline, sev)(inline.text!)}` : underline];

    const hanging = withText.filter((m) => m !== inline);
    if (hanging.length > 0) {
      rows.push(this.connectors(hanging, sev).text);
      for (let i = hanging.length - 1; i >= 0; i--) {
        const m = hanging[i];
        const left = this.connectors(hanging.slice(0, i), sev);
        // A mark starting in the cell of an earlier one shares its bar: its message hangs one space right of it.
        const pad = ' '.repeat(left.width > m.start ? 1 : m.start - left.width);
        rows.push(`${left.text}${pad}${this.markStyle(m, sev)(m.text!)}`);
      }
    }
    return rows;
  }

  /** `|` under the start of each mark; `width` counts display cells (ANSI codes excluded). */
  private connectors(marks: Mark[], sev: Severity): { text: string; width: number } {
    let text = '';
    let width = 0;
    for (const m of marks) {
      if (m.start < width) continue; // two marks start in the same cell: one bar serves both
      text += ' '.repeat(m.start - width) + this.markStyle(m, sev)('|');
      width = m.start + 1;
    }
    return { text, width };
  }

  private markStyle(m: Mark, sev: Severity): (s: string) => string {
    if (!m.primary) return (s) => this.c.bold(this.c.blue(s));
    return (s) => this.severity(sev, s);
  }

  /**
   * The line as the help's edit would leave it, when the fix is one one-line replacement or
   * insertion in the primary label's file. Other fixes are described by the help text alone.
   */
  private editPreview(
    d: Diagnostic,
  ): { line: number; layout: LineLayout; start: number; end: number; insert: boolean } | undefined {
    const edits = d.help?.edits;
    const edit = edits?.length === 1 ? edits[0] : undefined;
    if (!edit || edit.file !== d.primary.file || edit.text === '' || edit.text.includes('\n')) return undefined;
    if (edit.span.start.line !== edit.span.end.line) return undefined;
    const index = this.index(d.primary.file);
    if (!index) return undefined;
    const line = edit.span.start.line;
    const before = index.lineText(line);
    const from = edit.span.start.column - 1;
    const to = edit.span.end.column - 1;
    if (from > before.length || to > before.length) return undefined;
    const after = before.slice(0, from) + edit.text + before.slice(to);
    const layout = layoutLine(after);
    return {
      line,
      layout,
      start: cellAt(layout, from + 1),
      end: cellAt(layout, from + edit.text.length + 1),
      insert: from === to,
    };
  }
}

/** Where a label's underline goes on its first line; spans over several lines run to its end. */
function markFor(label: Label, primary: boolean, layout: LineLayout): Mark {
  const { start, end } = label.span;
  // A span ending at column 1 stops at the previous line's break: that line is its last.
  const lastLine = end.column === 1 && end.line > start.line ? end.line - 1 : end.line;
  const startCell = cellAt(layout, start.column);
  const lineEnd = layout.cells[layout.cells.length - 1];
  const endCell = end.line > start.line ? lineEnd : cellAt(layout, end.column);
  const message = label.message === undefined ? undefined : escapeUnsafe(label.message);
  const text = lastLine > start.line ? `${message ? `${message} ` : ''}(through line ${lastLine})` : message;
  // Empty spans (an insertion point, end of file) still get one caret.
  return { primary, start: startCell, end: Math.max(endCell, startCell + 1), text };
}

/** Builds the left margin: line numbers, `|`, `-->`, `= note:`; all aligned to one width. */
class Gutter {
  constructor(
    private readonly width: number,
    private readonly c: ReturnType<typeof pc.createColors>,
  ) {}

  private blue(s: string): string {
    return this.c.bold(this.c.blue(s));
  }

  empty(): string {
    return `${' '.repeat(this.width + 1)}${this.blue('|')}`;
  }

  arrow(arrow: '-->' | ':::', where: string): string {
    return `${' '.repeat(this.width)}${this.blue(arrow)} ${where}`;
  }

  source(line: number, text: string): string {
    const head = this.blue(`${String(line).padStart(this.width)} |`);
    return text === '' ? head : `${head} ${text}`;
  }

  annotation(text: string): string {
    return `${this.empty()} ${text}`;
  }

  ellipsis(): string {
    return this.blue('...');
  }

  /** `= note: text`, continuation lines aligned under the text. */
  note(kind: string, text: string): string {
    const lead = `${' '.repeat(this.width + 1)}${this.blue('=')} `;
    const hang = ' '.repeat(this.width + 3 + visibleWidth(kind) + 2);
    return `${lead}${kind}: ${text.split('\n').join(`\n${hang}`)}`;
  }
}

function visibleWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}
