import { describe, expect, it } from 'vitest';
import { checkLines, decodeSource, firstInvalidUtf8 } from '../../src/util/read-source.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('firstInvalidUtf8', () => {
  it('accepts well-formed text of every sequence length', () => {
    const text = Buffer.from('a é € 😀 \u{10ffff}');
    expect(firstInvalidUtf8(text)).toBe(text.length);
  });

  it.each([
    ['a stray continuation byte', bytes(0x61, 0x80), 1],
    ['an overlong two-byte form', bytes(0xc0, 0xaf), 0],
    ['an overlong three-byte form', bytes(0x61, 0xe0, 0x80, 0xaf), 1],
    ['a surrogate', bytes(0xed, 0xa0, 0x80), 0],
    ['a code point past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a sequence cut short by the end', bytes(0x61, 0x62, 0xe2, 0x82), 2],
    ['a sequence cut short by ASCII', bytes(0xe2, 0x41, 0x41), 0],
    ['Latin-1', Buffer.from('caf\xe9', 'latin1'), 3],
  ])('finds %s', (_what, input, at) => {
    expect(firstInvalidUtf8(input)).toBe(at);
  });
});

describe('decodeSource', () => {
  it('locates the first bad byte in the decoded text', () => {
    const r = decodeSource(Buffer.concat([Buffer.from('é\nab'), bytes(0xff), Buffer.from('c')]));
    expect(r).toMatchObject({ ok: false, problem: 'invalid-utf8', offset: 4 });
  });
});

describe('checkLines', () => {
  const limits = { maxBytes: 1000, maxLineLength: 10 };
  it('passes lines up to the limit', () => {
    expect(checkLines('0123456789\nabc', limits)).toEqual({ ok: true, text: '0123456789\nabc' });
  });
  it('refuses the first longer line where it starts', () => {
    expect(checkLines('short\n01234567890\n', limits)).toMatchObject({ ok: false, problem: 'line-too-long', offset: 6 });
  });
  it('refuses text past the size limit', () => {
    expect(checkLines('x\n'.repeat(600), limits)).toMatchObject({ ok: false, problem: 'too-large' });
  });
});
