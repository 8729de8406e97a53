/**
 * Syntax colouring from tfmc's own lexer (`src/syntax/lexer.ts`): the editor shows the tokens the
 * compiler reads, so a keyword, a broken number or an unterminated string looks like what it is.
 * The whole text is lexed on each change (a spec is small, and the lexer takes well under a
 * millisecond per hundred lines).
 */
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, type DecorationSet, type EditorView, ViewPlugin, type ViewUpdate } from '@codemirror/view';
import type { IToken } from 'chevrotain';
import { DTYPES } from '../../src/syntax/keywords.js';
import { tokenize } from '../../src/syntax/lexer.js';

const DTYPE_SET: ReadonlySet<string> = new Set(DTYPES);
const BAD = new Set(['BadNumber', 'UnterminatedString', 'SingleQuotedString', 'UnterminatedBlockComment']);
const BRACKETS = new Set(['LParen', 'RParen', 'LBracket', 'RBracket', 'LBrace', 'RBrace', 'Comma', 'Colon', 'Semi', 'Dot']);

/** The CSS class of a token (style.css colours them), or undefined for plain text. */
function tokenClass(t: IToken, next: IToken | undefined): string | undefined {
  const type = t.tokenType.name;
  if (BAD.has(type)) return 'tok-invalid';
  if (type === 'LineComment' || type === 'BlockComment') return 'tok-comment';
  if (type === 'StringLiteral') return 'tok-string';
  if (type === 'Int' || type === 'Float') return 'tok-number';
  if (type === 'Identifier') {
    if (DTYPE_SET.has(t.image)) return 'tok-type';
    if (/^[A-Z]/.test(t.image)) return 'tok-block'; // blocks and models are capitalised by convention
    if (next?.tokenType.name === 'LParen') return 'tok-call';
    return undefined;
  }
  if (type.startsWith('Kw')) return t.image === 'true' || t.image === 'false' ? 'tok-number' : 'tok-keyword';
  return BRACKETS.has(type) ? 'tok-punct' : 'tok-operator';
}

function decorate(text: string): DecorationSet {
  const { tokens, comments, errors } = tokenize(text);
  const marks: { from: number; to: number; cls: string }[] = [];
  tokens.forEach((t, i) => {
    const cls = tokenClass(t, tokens[i + 1]);
    if (cls) marks.push({ from: t.startOffset, to: t.startOffset + t.image.length, cls });
  });
  for (const c of comments) marks.push({ from: c.startOffset, to: c.startOffset + c.image.length, cls: c.tokenType.name === 'UnterminatedBlockComment' ? 'tok-invalid' : 'tok-comment' });
  for (const e of errors) marks.push({ from: e.offset, to: e.offset + e.length, cls: 'tok-invalid' });
  marks.sort((a, b) => a.from - b.from);
  const builder = new RangeSetBuilder<Decoration>();
  for (const m of marks) if (m.to > m.from) builder.add(m.from, m.to, Decoration.mark({ class: m.cls }));
  return builder.finish();
}

export const tfmHighlighting = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view.state.doc.toString());
    }
    update(u: ViewUpdate) {
      if (u.docChanged) this.decorations = decorate(u.state.doc.toString());
    }
  },
  { decorations: (v) => v.decorations },
);
