/**
 * Hover texts from the real checker, in process: values inside blocks (shown from their first
 * instance), applications of blocks and stacks, aliases, and statements the checker did not reach.
 */
import { expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Analyzer } from '../../src/lsp/analysis.js';
import { DocumentStore } from '../../src/lsp/documents.js';
import { hoverAt } from '../../src/lsp/hover.js';

const TEXT = `block Res(width: int) {
  in x: float32[B, T, width]
  let f = Linear(width)
  let h = f(x)
  if width > 100 {
    h = gelu(h)
  }
  out x + h
}

model M {
  config {
    d = 16
    n = 3
  }
  input x: float32[batch, seq, d]
  let stack = repeat n { Res(d) }
  let y = stack(x)
  let alias = y
  output o = Linear(4)(alias)
}
`;

function hover(needle: string, delta: number): string | undefined {
  const docs = new DocumentStore();
  docs.setFolders(['file:///tmp']);
  docs.open(TextDocument.create('file:///tmp/hover.tfm', 'tfm', 1, TEXT));
  const analysis = new Analyzer(docs).get('file:///tmp/hover.tfm')!;
  expect(analysis.check.diagnostics).toEqual([]);
  return hoverAt(analysis, TEXT.indexOf(needle) + delta)?.markdown;
}

it('shows values inside a block from its first instance', () => {
  expect(hover('let f', 4)).toBe('```tfm\nlet f: Linear → float32[batch, seq, 16]\n```\n\nparameters: 272\n\nin model `M` (instance `stack.0`)');
  expect(hover('let h', 4)).toContain('let h: float32[batch, seq, 16]');
});

it('shows the result of applying a stack, through aliases, and the parameters of a whole stack', () => {
  expect(hover('let y', 4)).toContain('let y: float32[batch, seq, 16]');
  expect(hover('let alias', 4)).toContain('let alias: float32[batch, seq, 16]');
  expect(hover('let stack', 4)).toContain('parameters: 816'); // 3 × (16 × 16 + 16)
  expect(hover('output o', 7)).toContain('output o: float32[batch, seq, 4]');
});

it('says so when the checker did not evaluate a statement (an `if` branch not taken), and reads past it', () => {
  expect(hover('h = gelu', 0)).toContain('no shape');
  expect(hover('out x + h', 8)).toContain('let h: float32[batch, seq, 16]');
});

it("shows a port's declared type and a parameter's type", () => {
  expect(hover('in x', 3)).toContain('in x: float32[B, T, width]');
  expect(hover('width > 100', 0)).toContain('width: int');
});
