/**
 * The mask algebra: the shapes of `window`, `prefix`, `padding(lengths:)`, `same_segment` and of
 * `&` `|` `!`, how `|` and `!` parse and format, the coded diagnostics for misuse, and what the
 * key/value cache planner reads from a mask (`maskReach`: whether it bounds the keys).
 */
import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/index.js';
import { renderShape } from '../../../src/ir/dims.js';
import { maskReach, planIncremental } from '../../../src/ir/incremental.js';
import type { ModelIR, Node } from '../../../src/ir/types.js';
import { formatText } from '../../../src/format/index.js';
import { parse } from '../../../src/syntax/parse.js';
import type * as A from '../../../src/syntax/ast.js';

const HEAD = `model M {
  config { d_model = 16  heads = 4 }
  input x: float32[batch, seq, d_model]
  input ids: int32[batch, seq]
  input docs: int32[batch, seq]
  input lengths: int32[batch]
`;

/** Checks a model whose body declares `mask m = <expr>` (applied to self-attention). */
function check(expr: string): { ir?: ModelIR; diags: string[] } {
  const text = `${HEAD}  mask m = ${expr}\n  output y = EncoderLayer(d_model, heads)(x, self_mask: m) + 0 * Linear(d_model)(Embedding(10, d_model)(ids) + Embedding(10, d_model)(docs)) + 0 * Linear(d_model)(x)\n}\n`;
  const r = checkSource(text, 'm.tfm');
  return { ir: r.models[0], diags: r.diagnostics.filter((d) => d.code !== 'TFM2010').map((d) => `${d.code} ${d.message}`) };
}

/** The shape of the declared mask `m`, as the checker inferred it (before its application). */
function maskShape(expr: string): string {
  const { ir, diags } = check(expr);
  expect(diags.filter((d) => !d.startsWith('TFM4007'))).toEqual([]);
  const node = ir!.nodes.filter((n) => ir!.values[n.outputs[0]].dtype === 'mask').at(-1)!;
  return renderShape(ir!.values[node.outputs[0]].shape);
}

describe('mask shapes', () => {
  it('window, prefix and padding from lengths take T from the attention; same_segment is [B, T, T]', () => {
    expect(maskShape('window(4)')).toBe('[1, seq, seq]');
    expect(maskShape('prefix(3)')).toBe('[1, seq, seq]');
    expect(maskShape('padding(lengths: lengths)')).toBe('[batch, 1, seq]');
    expect(maskShape('padding(ids)')).toBe('[batch, 1, seq]');
    expect(maskShape('same_segment(docs)')).toBe('[batch, seq, seq]');
  });

  it('& and | broadcast; ! keeps the shape', () => {
    expect(maskShape('causal | padding(ids, pad: 0)')).toBe('[batch, seq, seq]');
    expect(maskShape('!padding(lengths: lengths)')).toBe('[batch, 1, seq]');
    expect(maskShape('causal & !window(2) | same_segment(docs)')).toBe('[batch, seq, seq]');
  });
});

describe('mask diagnostics', () => {
  it.each([
    ['window(0)', 'TFM3010 a window must be positive, got 0'],
    ['prefix(-1)', 'TFM4008 a prefix length cannot be negative, got -1'],
    ['same_segment(lengths)', 'TFM3008'],
    ['padding(ids, lengths: lengths)', 'TFM2007 `padding` takes `ids` or `lengths:`, not both'],
    ['padding(lengths: lengths, pad: 1)', 'TFM2005'],
    ['padding(lengths: x)', 'TFM3009'],
    ['padding()', 'TFM2006'],
    ['!x', 'TFM3009 the operand of `!` must be a mask, but this is float32'],
    ['causal | ids', 'TFM3009 the right side of `|` must be a mask, but this is int32'],
    ['x & causal', 'TFM3009 the left side of `&` must be a mask, but this is float32'],
    ['causal | 1', 'TFM4001'],
    ['!3', 'TFM4001'],
  ])('%s', (expr, want) => {
    const { diags } = check(expr);
    expect(diags.length).toBeGreaterThan(0);
    expect(diags[0].startsWith(want), diags.join('\n')).toBe(true);
  });

  it('`|` on booleans says to write `||`', () => {
    const r = checkSource('model M {\n  expect 1 < 2 | 2 < 3\n  input x: float32[b, 4]\n  output y = x\n}\n', 'b.tfm');
    const d = r.diagnostics.find((x) => x.code === 'TFM4001')!;
    expect(d.message).toBe('cannot apply `|` to a boolean and a boolean');
    expect(d.help?.message).toMatch(/`\|\|`/);
  });

  it('TFM4007 for a look-ahead mask with padding from ids, not from lengths', () => {
    expect(check('window(3) & padding(ids)').diags).toEqual([expect.stringMatching(/^TFM4007/)]);
    expect(check('causal & padding(lengths: lengths)').diags).toEqual([]);
  });
});

describe('syntax', () => {
  const expr = (src: string): A.Expr => {
    const r = parse(`model M { mask m = ${src} }`, 'p.tfm');
    expect(r.diagnostics).toEqual([]);
    const s = r.ast.items[0] as A.ModelDecl;
    return (s.body[0] as A.MaskStmt).value;
  };
  const show = (e: A.Expr): string =>
    e.kind === 'BinaryExpr' ? `(${show(e.left)} ${e.op} ${show(e.right)})` : e.kind === 'UnaryExpr' ? `${e.op}${show(e.operand)}` : e.kind === 'NameExpr' ? e.name : '?';

  it('& binds tighter than |, both looser than comparisons and tighter than && and ||; ! is prefix', () => {
    expect(show(expr('a & b | c & d'))).toBe('((a & b) | (c & d))');
    expect(show(expr('a | b | c'))).toBe('((a | b) | c)');
    expect(show(expr('!a | b && c || d'))).toBe('(((!a | b) && c) || d)');
    expect(show(expr('a | b == c'))).toBe('(a | (b == c))');
  });

  it('the formatter keeps the parentheses the tree needs, and only those', () => {
    const fmt = (src: string) => {
      const r = formatText(`model M {\n  mask m = ${src}\n}\n`, 'f.tfm');
      if (!r.ok) throw new Error('format failed');
      return r.text.split('\n')[1].trim();
    };
    expect(fmt('(a & b) | c')).toBe('mask m = a & b | c');
    expect(fmt('a & (b | c)')).toBe('mask m = a & (b | c)');
    expect(fmt('!(a|b)')).toBe('mask m = !(a | b)');
    expect(fmt('(a | b) || c')).toBe('mask m = a | b || c');
  });
});

describe('maskReach (the key/value cache planner)', () => {
  const reach = (expr: string) => {
    const { ir } = check(expr);
    const producers = new Map<number, Node>();
    for (const n of ir!.nodes) for (const o of n.outputs) producers.set(o, n);
    const masked = ir!.nodes.find((n) => n.op === 'masked')!;
    return maskReach(producers, masked.inputs[1]);
  };

  it('causal and window bound the keys; & takes the tighter side, | the looser; ! bounds nothing', () => {
    expect(reach('causal')).toBe('causal');
    expect(reach('window(3)')).toBe('causal');
    expect(reach('prefix(2)')).toBe('prefix');
    expect(reach('padding(ids)')).toBe('open');
    expect(reach('same_segment(docs)')).toBe('open');
    expect(reach('same_segment(docs) & window(2)')).toBe('causal');
    expect(reach('prefix(2) & padding(lengths: lengths)')).toBe('prefix');
    expect(reach('window(2) | causal')).toBe('causal');
    expect(reach('window(2) | prefix(3)')).toBe('prefix');
    expect(reach('window(2) | padding(ids)')).toBe('open');
    expect(reach('!causal')).toBe('open');
    expect(reach('causal & !window(1)')).toBe('causal');
  });

  it('the plan steps a windowed decoder and refuses a complemented one', () => {
    const lm = (m: string) =>
      checkSource(
        `model L {\n  config { vocab = 20  d_model = 16  heads = 4 }\n  input ids: int32[batch, seq]\n  mask m = ${m}\n  output logits = Linear(vocab)(EncoderLayer(d_model, heads)(Embedding(vocab, d_model)(ids), self_mask: m))\n}\n`,
        'l.tfm',
      ).models[0];
    const plan = (m: string) => {
      const ir = lm(m);
      return planIncremental(ir, ir.nodes, 'ids', [ir.outputs[0].value]);
    };
    expect(plan('window(4)').ok).toBe(true);
    expect(plan('prefix(4)').ok).toBe(true);
    expect(plan('causal & same_segment(ids)').ok).toBe(true);
    const refused = plan('!causal');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.reason).toMatch(/no causal mask/);
  });
});
