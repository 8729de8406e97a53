/** The call context completion reads from the text being typed (which rarely parses). */
import { expect, it } from 'vitest';
import { callContext } from '../../src/lsp/completion.js';

const at = (text: string) => callContext(text.replace('|', ''), text.indexOf('|'));

it('finds the callee and the arguments already written', () => {
  expect(at('  let l = DecoderLayer(d_model, heads, norm: pre, |')).toEqual({ callee: 'DecoderLayer', applied: false, given: new Set(['norm']), positional: 2 });
  expect(at('  let l = Linear(|')).toEqual({ callee: 'Linear', applied: false, given: new Set(), positional: 0 });
  expect(at('  let l = Linear(vocab, bi|')).toMatchObject({ callee: 'Linear', positional: 1 });
});

it('sees through nested calls and brackets, across lines', () => {
  expect(at('x = f(g(a, b), [1, 2],\n    |')).toMatchObject({ callee: 'f', positional: 2 });
  expect(at('y = Linear(512, bias: false)(|')).toMatchObject({ callee: 'Linear', applied: true, positional: 0 });
});

it('is not a call context after an argument name or outside parentheses', () => {
  expect(at('Linear(512, bias: |')).toBeUndefined();
  expect(at('let x = |')).toBeUndefined();
  expect(at('|')).toBeUndefined();
});
