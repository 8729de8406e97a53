/**
 * `tfmc fmt`'s engine: the canonical layout of a `.tfm` file (docs/format.md).
 *
 * `formatText` refuses a file with syntax errors (it would have to guess what the broken part
 * meant) and checks its own work: the formatted text must parse to the same tree with the same
 * comments, or it throws instead of handing back text that lost something.
 */
import type { Comment, SourceFile } from '../syntax/ast.js';
import { parse } from '../syntax/parse.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { printDoc, type PrintedLine } from './doc.js';
import { DEFAULT_OPTIONS, Printer, type PrintOptions } from './print.js';

export type FormatResult = { ok: true; text: string } | { ok: false; diagnostics: Diagnostic[] };

export { DEFAULT_OPTIONS, type PrintOptions } from './print.js';

/** Columns between the end of the code and a trailing `// comment`. */
const COMMENT_GAP = 2;

export function formatText(text: string, file = '<input>', options: PrintOptions = DEFAULT_OPTIONS): FormatResult {
  const parsed = parse(text, file);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { ok: false, diagnostics: parsed.diagnostics };
  const formatted = layout(parsed.ast, text, options);
  verify(parsed.ast, formatted, file);
  return { ok: true, text: formatted };
}

/** The formatted text of a file that parsed without errors. */
function layout(ast: SourceFile, text: string, options: PrintOptions): string {
  const printer = new Printer(ast, text);
  const doc = printer.print();
  const lost = printer.unplaced();
  if (lost.length > 0) throw new Error(`internal: the formatter found no place for the comment \`${lost[0].text}\``);
  const lines = alignComments(printDoc(doc, options.width, options.indent));
  const out = lines.join('\n').trim();
  return out === '' ? '' : out + '\n';
}

/**
 * Trailing comments of consecutive lines start in one column, two spaces after the longest code
 * among them (a run ends at a line without one).
 */
function alignComments(lines: PrintedLine[]): string[] {
  const out: string[] = [];
  const lastLineLength = (code: string) => code.length - (code.lastIndexOf('\n') + 1);
  for (let i = 0; i < lines.length; ) {
    if (lines[i].comments.length === 0) {
      out.push(lines[i].code);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && lines[j].comments.length > 0) j++;
    const column = Math.max(...lines.slice(i, j).map((l) => lastLineLength(l.code))) + COMMENT_GAP;
    for (let k = i; k < j; k++) {
      const { code, comments } = lines[k];
      out.push(code + ' '.repeat(column - lastLineLength(code)) + comments.join(' '));
    }
    i = j;
  }
  return out;
}

/** Throws unless `formatted` parses to `original`'s tree (spans aside) with the same comments. */
function verify(original: SourceFile, formatted: string, file: string): void {
  const again = parse(formatted, file);
  const problem = again.diagnostics.some((d) => d.severity === 'error')
    ? 'its output does not parse'
    : JSON.stringify(withoutSpans(again.ast.items)) !== JSON.stringify(withoutSpans(original.items))
      ? 'its output means something else'
      : commentTexts(again.ast.comments) !== commentTexts(original.comments)
        ? 'its output lost or changed a comment'
        : undefined;
  if (problem) throw new Error(`internal: formatting ${file} failed a self-check: ${problem}`);
}

/** An AST without positions, for comparing two trees. */
export function withoutSpans(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutSpans);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'span' || k === 'opSpan') continue;
    out[k] = withoutSpans(v);
  }
  return out;
}

function commentTexts(comments: Comment[]): string {
  return JSON.stringify(comments.map((c) => c.text.trimEnd()).sort());
}
