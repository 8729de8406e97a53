/**
 * The syntax entry point: text → AST + syntax diagnostics. Never throws, never hangs: whatever
 * the input, the caller gets a `SourceFile` (possibly with `ErrorExpr`/`ErrorStmt` holes) and the
 * list of what was wrong.
 */
import type { IRecognitionException, IToken } from 'chevrotain';
import { diagnostic, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile } from './ast.js';
import { buildComments } from './build-ast.js';
import { limitExpressionDepth } from './depth-limit.js';
import { lex, TokenPool } from './lexer.js';
import { parser } from './parser.js';
import { LineIndex } from '../diagnostics/spans.js';
import { syntaxDiagnostics } from './syntax-errors.js';

export interface ParseResult {
  ast: SourceFile;
  diagnostics: Diagnostic[];
}

/**
 * The tokens of the previous parse are reused for the next: nothing `parse` returns refers to a
 * token (the AST and the diagnostics hold strings and numbers), and the parser's own references
 * end when the next parse begins.
 */
const tokenPool = new TokenPool();

export function parse(text: string, file: string): ParseResult {
  const lines = new LineIndex(text);
  const emptyFile = (comments: IToken[] = []): SourceFile => ({
    kind: 'SourceFile',
    items: [],
    comments: buildComments(comments, lines),
    span: lines.span(0, text.length),
  });

  let lexed: ReturnType<typeof lex> | undefined;
  try {
    lexed = lex(text, file, lines, tokenPool);
    parser.begin(lexed.tokens, lines, file);
    const items = withoutStackTraces(() => parser.file());
    const errors: IRecognitionException[] = parser.errors;
    const diagnostics = [...lexed.diagnostics];
    if (errors.length > 0) {
      diagnostics.push(...syntaxDiagnostics(errors, { file, text, lines, tokens: lexed.tokens, lexDiagnostics: lexed.diagnostics }));
    }
    const ast: SourceFile = {
      kind: 'SourceFile',
      items,
      comments: buildComments(lexed.comments, lines),
      span: lines.span(0, text.length),
    };
    diagnostics.push(...limitExpressionDepth(ast, file));
    // Errors found while building the tree (chained comparisons) follow the one-per-line rule too.
    const late = parser.late;
    if (late.length > 0) {
      const errorLines = new Set(diagnostics.map((d) => d.primary.span.start.line));
      for (const d of late) {
        if (errorLines.has(d.primary.span.start.line)) continue;
        errorLines.add(d.primary.span.start.line);
        diagnostics.push(d);
      }
    }
    return { ast, diagnostics: sortDiagnostics(diagnostics) };
  } catch (e) {
    // Chevrotain recovery has rare edge cases that throw, and very deep nesting overflows the
    // stack. Report at the parser's position rather than crash the compiler.
    const at = crashOffset(text);
    const message =
      e instanceof RangeError ? 'the nesting here is too deep to parse' : 'could not parse this file past here';
    const notes = e instanceof RangeError ? [] : [`internal: ${e instanceof Error ? e.message : String(e)}`];
    const crash = diagnostic('TFM1004', message, { file, span: lines.span(at, at) }, { notes });
    return { ast: emptyFile(lexed?.comments), diagnostics: sortDiagnostics([...(lexed?.diagnostics ?? []), crash]) };
  }
}

/**
 * Chevrotain reports syntax errors by throwing exceptions; capturing a stack trace for each one
 * dominates the cost of parsing a badly broken file, and nobody reads those traces.
 */
function withoutStackTraces<T>(f: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return f();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** The offset of the parser's next token after a crash (or end of text). */
function crashOffset(text: string): number {
  try {
    const t = parser.peek();
    return Number.isFinite(t.startOffset) ? t.startOffset : text.length;
  } catch {
    return text.length;
  }
}
