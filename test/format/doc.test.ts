/** The line-fitting document printer on its own: groups, fills, indentation, held-back suffixes. */
import { describe, expect, it } from 'vitest';
import { breakParent, fill, group, hardline, ifBreak, indent, join, line, printDoc, softline, suffix, type Doc } from '../../src/format/doc.js';

const show = (doc: Doc, width: number) => printDoc(doc, width, 2).map((l) => l.code + (l.comments.length ? ` ${l.comments.join(' ')}` : ''));

const call = (name: string, args: Doc[]): Doc => group([name, '(', indent([softline, join([',', line], args)]), ifBreak(','), softline, ')']);

describe('printDoc', () => {
  it('prints a group flat when it fits and broken when it does not', () => {
    expect(show(call('f', ['a', 'b']), 20)).toEqual(['f(a, b)']);
    expect(show(call('f', ['alpha', 'beta', 'gamma']), 12)).toEqual(['f(', '  alpha,', '  beta,', '  gamma,', ')']);
  });

  it('breaks the outer group first and gives inner groups their own chance', () => {
    const doc = call('outer', ['x', call('inner', ['a', 'b'])]);
    expect(show(doc, 16)).toEqual(['outer(', '  x,', '  inner(a, b),', ')']);
  });

  it('counts the text after a group up to the next break when deciding', () => {
    expect(show([call('f', ['a', 'b']), ' {'], 8)).toEqual(['f(', '  a,', '  b,', ') {']);
    expect(show([call('f', ['a', 'b']), ' {'], 9)).toEqual(['f(a, b) {']);
  });

  it('fills lines with as many items as fit', () => {
    const items = ['aa,', 'bb,', 'cc,', 'dd,', 'ee,'];
    expect(show(fill(join(line, items)), 8)).toEqual(['aa, bb,', 'cc, dd,', 'ee,']);
  });

  it('breaks every group around a hard line or a break marker', () => {
    expect(show(group(['a', line, 'b', hardline, 'c']), 80)).toEqual(['a', 'b', 'c']);
    expect(show(group(['a', line, 'b', breakParent]), 80)).toEqual(['a', 'b']);
  });

  it('holds a suffix back to the end of its line, after later text on that line', () => {
    const doc = group(['f(', indent([softline, 'a', suffix('// why'), breakParent, ',', line, 'b,']), softline, ')']);
    expect(printDoc(doc, 80, 2)).toEqual([
      { code: 'f(', comments: [] },
      { code: '  a,', comments: ['// why'] },
      { code: '  b,', comments: [] },
      { code: ')', comments: [] },
    ]);
  });

  it('leaves no trailing spaces on blank or broken lines', () => {
    expect(show(indent(['x', hardline, hardline, 'y ', hardline]), 80)).toEqual(['x', '', '  y', '']);
  });
});
