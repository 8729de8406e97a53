/** `input ids: int32[...] in [low, high)`: declared value ranges, checked against the tables the ids index. */
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/index.js';
import { formatText } from '../../../src/format/index.js';

const lm = (input: string, table = 'vocab') => `model Lm {
  config {
    vocab = 100
  }
  ${input}
  let embed = Embedding(${table}, 8)
  output logits = Linear(vocab)(embed(shift_left(ids)))
}
`;
const codes = (text: string) => checkSource(text, 'range.tfm').diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);

describe('value ranges', () => {
  it('a range the table covers checks, half-open or closed, and reaches the IR', () => {
    for (const range of ['in [0, vocab)', 'in [0, vocab - 1]', 'in [3, 50)']) {
      const r = checkSource(lm(`input ids: int32[batch, seq] ${range} where seq <= 16`), 'range.tfm');
      expect(r.diagnostics.filter((d) => d.severity === 'error'), range).toEqual([]);
      const ir = r.models[0];
      const declared = ir.values[ir.inputs[0].value].range!;
      expect([declared.min, declared.max]).toEqual(range === 'in [3, 50)' ? [3, 50] : [0, 100]);
    }
  });

  it('ids past the table, seen through shift_left, are TFM3016 at the table size', () => {
    const text = lm('input ids: int32[batch, seq] in [0, 120)', '100');
    const d = checkSource(text, 'range.tfm').diagnostics.find((x) => x.code === 'TFM3016')!;
    expect(d.message).toBe('ids up to 119 may be looked up, but the embedding has only 100 rows');
    expect(text.slice(d.primary.span.start.offset, d.primary.span.end.offset)).toBe('100');
    expect(d.help?.edits?.[0].text).toBe('120');
  });

  it('negative ids are refused at the range', () => {
    expect(codes(lm('input ids: int32[batch, seq] in [-1, vocab)'))).toEqual(['TFM3016']);
  });

  it('refuses empty ranges, float ends, float inputs and ranges on block ports', () => {
    expect(codes(lm('input ids: int32[batch, seq] in [5, 5)'))).toEqual(['TFM4008']);
    expect(codes(lm('input ids: int32[batch, seq] in [0, 2.5)'))).toEqual(['TFM4001']);
    expect(codes('model F {\n  input x: float32[batch, 4] in [0, 1)\n  output y = Linear(2)(x)\n}\n')).toEqual(['TFM3009']);
    const port = 'block B() {\n  in ids: int32[N, T] in [0, 10)\n  out Embedding(10, 4)(ids)\n}\nmodel M {\n  input ids: int32[batch, seq]\n  output y = B()(ids)\n}\n';
    expect(codes(port)).toEqual(['TFM1006']);
  });

  it('a block port followed by another port is not read as a range', () => {
    const two = 'block Add() {\n  in a: float32[N, 4]\n  in b: float32[N, 4]\n  out a + b\n}\nmodel M {\n  input x: float32[batch, 4]\n  output y = Add()(x, x)\n}\n';
    expect(codes(two)).toEqual([]);
  });

  it('the formatter keeps the range as written', () => {
    const text = 'model M {\n  input ids: int32[batch, seq] in [0, 10] where seq <= 8\n  output y = Embedding(11, 4)(ids)\n}\n';
    expect(formatText(text)).toEqual({ ok: true, text });
  });
});
