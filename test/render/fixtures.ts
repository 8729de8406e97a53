/**
 * Hand-made diagnostics over real source text, shared by the renderer tests. Spans are found by
 * searching the text, so a fixture edit cannot leave a span pointing at the wrong characters.
 */
import type { Diagnostic, Label } from '../../src/diagnostics/diagnostic.js';
import { LineIndex, type Span } from '../../src/diagnostics/spans.js';

export const CWD = '/project';
export const BAD = '/project/specs/bad.tfm';
export const STD = '/project/src/std/nn.tfm';

export const BAD_TEXT = `// A residual sum whose two sides disagree on width.
model Bad {
  config { d_model = 768, heads = 12 }
  input x: [batch, seq, d_model]

  let a = Linear(512)(x)
  let b = Linear(768)(x)
  let c = a + b
  output c
}
`;

export const STD_TEXT = `// Standard blocks.
block Linear(out: int) {
  input x: [..., in]
  output y: [..., out]
}
`;

/** Span of the `nth` (0-based) occurrence of `needle` in `text`. */
export function spanOf(text: string, needle: string, nth = 0): Span {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`fixture: ${JSON.stringify(needle)} #${nth} not found`);
  }
  return new LineIndex(text).span(at, at + needle.length);
}

export function label(file: string, text: string, needle: string, message?: string, nth = 0): Label {
  return { file, span: spanOf(text, needle, nth), message };
}

export const sources = new Map([
  [BAD, BAD_TEXT],
  [STD, STD_TEXT],
]);

/** The shape mismatch from the renderer's doc comment: primary and secondary labels, note, help. */
export function shapeMismatch(): Diagnostic {
  return {
    code: 'TFM3001',
    severity: 'error',
    message: 'cannot add `[batch, seq, 512]` and `[batch, seq, 768]`',
    primary: label(BAD, BAD_TEXT, 'a + b', 'dimension 2 differs: 512 vs 768'),
    secondary: [
      label(BAD, BAD_TEXT, 'Linear(512)(x)', 'this is `[batch, seq, 512]`'),
      label(BAD, BAD_TEXT, 'Linear(768)(x)', 'this is `[batch, seq, 768]`'),
    ],
    notes: ['elementwise operations need equal shapes (after broadcasting)'],
    help: {
      message: 'change one side so both are 768',
      edits: [{ file: BAD, span: spanOf(BAD_TEXT, '512', 0), text: '768' }],
    },
  };
}

/** A label in another file: the declaration the call site disagrees with. */
export function crossFile(): Diagnostic {
  return {
    code: 'TFM2006',
    severity: 'error',
    message: 'missing argument `out` in call to `Linear`',
    primary: label(BAD, BAD_TEXT, 'Linear(768)', 'argument `out` is missing'),
    secondary: [label(STD, STD_TEXT, 'out: int', '`out` declared here')],
    notes: [],
  };
}

/** A warning whose primary span covers several lines. */
export function multiLine(): Diagnostic {
  const start = BAD_TEXT.indexOf('model Bad');
  const index = new LineIndex(BAD_TEXT);
  return {
    code: 'TFM2009',
    severity: 'warning',
    message: 'model `Bad` is never used',
    primary: { file: BAD, span: index.span(start, BAD_TEXT.lastIndexOf('}') + 1), message: 'declared here' },
    secondary: [],
    notes: ['a model is used when checked by name or extended', 'second note\nwith two lines'],
  };
}
