/**
 * Parsing an edited text by reusing the previous parse: the language server parses a document
 * again on every keystroke, and in a 2,000-line spec a keystroke changes one item. The items wholly
 * before the edit are reused as they are (their positions did not move); the text from the first
 * changed item on is parsed in place (what comes before it blanked to spaces, so every position
 * comes out as in a whole parse). Items after the edit are parsed again rather than reused:
 * moving their positions costs as much as parsing them.
 *
 * The result equals `parse(text, file)` (test/syntax/reparse.test.ts checks this on random edits of
 * every shipped spec). When the previous parse has diagnostics, the whole text is parsed.
 */
import type { SourceFile } from './ast.js';
import { parse, type ParseResult } from './parse.js';

export interface Parsed {
  text: string;
  result: ParseResult;
}

/** `parse(text, file)`, reusing what it can of `previous` (a parse of the same file). */
export function reparse(text: string, file: string, previous: Parsed | undefined): ParseResult {
  if (!previous) return parse(text, file);
  if (previous.text === text) return previous.result;
  if (previous.result.diagnostics.length > 0) return parse(text, file);
  const old = previous.text;
  const items = previous.result.ast.items;

  // The edit starts at `p`; an item ending before it is unchanged, and so is everything it reads.
  const max = Math.min(old.length, text.length);
  let p = 0;
  while (p < max && old.charCodeAt(p) === text.charCodeAt(p)) p++;
  let before = 0;
  while (before < items.length && items[before].span.end.offset < p) before++;
  if (before === 0) return parse(text, file);

  const from = items[before - 1].span.end.offset;
  const rest = parse(text.slice(0, from).replace(/[^\n\r]/g, ' ') + text.slice(from), file);
  const ast: SourceFile = {
    kind: 'SourceFile',
    items: [...items.slice(0, before), ...rest.ast.items],
    comments: [...previous.result.ast.comments.filter((c) => c.span.end.offset <= from), ...rest.ast.comments],
    span: rest.ast.span, // the blanked text has the length and the lines of `text`
  };
  return { ast, diagnostics: rest.diagnostics };
}
