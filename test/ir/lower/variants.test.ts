/**
 * Variants (`model B extends A`) that replace bindings of their base and add bindings, inputs,
 * outputs and losses: what runs, in which order, under which parameter names, across files and
 * down a chain of variants; and the reports for a `replace` that finds nothing to replace.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFile, checkSource } from '../../../src/index.js';
import { renderShape } from '../../../src/ir/dims.js';
import { totalParams, type ModelIR } from '../../../src/ir/types.js';

const BASE = `
model Lm {
  config {
    vocab   = 50
    d_model = 16
    heads   = 2
  }
  input ids: int32[batch, seq]
  let embed = Embedding(vocab, d_model)
  let layer = DecoderLayer(d_model, heads, norm: pre)
  let h = layer(embed(ids), self_mask: causal)
  let head = Linear(vocab)
  output logits = head(h)
}
`;

function models(text: string): Map<string, ModelIR> {
  const r = checkSource(text, join(tmpdir(), 'variants.tfm'));
  expect(r.diagnostics.filter((d) => d.severity !== 'info').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  return new Map(r.models.map((m) => [m.name, m]));
}

const names = (m: ModelIR) => m.params.map((p) => p.name).sort();

describe('a variant that replaces a binding', () => {
  it('runs the replacement where the base bound the name, so the base reads it and names stay', () => {
    const ms = models(`${BASE}
model TiedLm extends Lm {
  replace let head = Linear(vocab, bias: false, tied: embed)
}`);
    const base = ms.get('Lm')!;
    const tied = ms.get('TiedLm')!;
    expect(names(tied)).toEqual(names(base).filter((n) => n !== 'head.weight' && n !== 'head.bias'));
    expect(totalParams(base) - totalParams(tied)).toBe(16 * 50 + 50);
    // The base's `output logits = head(h)` applied the replacement.
    const logits = tied.values[tied.outputs[0].value];
    const producer = tied.nodes[logits.producer];
    expect(producer.module).toBe('head');
    expect(producer.params.weight).toBe('embed.weight');
  });

  it('replaces an output in place, keeping the order of outputs', () => {
    const ms = models(`${BASE}
model Scaled extends Lm {
  output probs = softmax(logits)
  replace output logits = head(h) * 0.5
}`);
    const m = ms.get('Scaled')!;
    expect(m.outputs.map((o) => o.name)).toEqual(['logits', 'probs']);
    expect(m.nodes[m.values[m.outputs[0].value].producer].op).toBe('scalar');
    expect(names(m)).toEqual(names(ms.get('Lm')!));
  });

  it('adds an input, a head and its loss after the base, under their own names', () => {
    const ms = models(`${BASE}
model Tagged extends Lm {
  input tags: int32[batch, seq]
  output tag_logits = Linear(5)(h)
  loss tag_loss = cross_entropy(tag_logits, tags)
  expect params == 4_930 + 16 * 5 + 5
}`);
    const m = ms.get('Tagged')!;
    expect(totalParams(ms.get('Lm')!)).toBe(4_930);
    expect(m.inputs.map((i) => i.name)).toEqual(['tags', 'ids']); // a variant's inputs come before the base's body
    expect(m.outputs.map((o) => o.name)).toEqual(['logits', 'tag_logits']);
    expect(m.losses.map((o) => o.name)).toEqual(['tag_loss']);
    expect(names(m)).toEqual([...names(ms.get('Lm')!), 'tag_logits.bias', 'tag_logits.weight'].sort());
    expect(renderShape(m.values[m.outputs[1].value].shape)).toBe('[batch, seq, 5]');
  });

  it('down a chain: a variant may replace what its own base added, and config overrides still apply', () => {
    const ms = models(`${BASE}
model WithPooled extends Lm {
  output pooled = ClassifierHead(d_model, 3)(h)
}
model MeanPooled extends WithPooled {
  vocab = 60
  replace output pooled = ClassifierHead(d_model, 4, pool: mean)(h)
}`);
    const m = ms.get('MeanPooled')!;
    expect(m.outputs.map((o) => `${o.name} ${renderShape(m.values[o.value].shape)}`)).toEqual(['logits [batch, seq, 60]', 'pooled [batch, 4]']);
    expect(m.params.find((p) => p.name === 'pooled.head.weight')?.shape).toEqual([4, 16]);
  });

  it('declares its inputs before the base runs, so a replaced loss can read new labels', () => {
    const ms = models(`
model Regressor {
  input x: float32[batch, 8]
  input target: float32[batch, 1]
  output y = Linear(1)(x)
  loss l = mse(y, target)
}
model Classifier extends Regressor {
  input labels: int32[batch]
  replace output y = Linear(3)(x)
  replace loss l = cross_entropy(y, labels)
}`);
    const m = ms.get('Classifier')!;
    expect(m.losses.map((l) => m.nodes[m.values[l.value].producer].op)).toEqual(['cross_entropy']);
    expect(m.inputs.map((i) => i.name)).toEqual(['labels', 'x', 'target']);
  });
});

describe('a variant in another file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tfmc-variants-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sees its own file’s blocks in the statements it adds, and the base’s bindings', () => {
    writeFileSync(join(dir, 'package.json'), '{}');
    writeFileSync(join(dir, 'base.tfm'), BASE);
    writeFileSync(
      join(dir, 'variant.tfm'),
      `import "base.tfm"
block TwoLayerHead(d_model: int, classes: int) {
  in x: float32[B, T, d_model]
  let hidden = Linear(d_model)
  let proj = Linear(classes)
  out proj(tanh(hidden(x)))
}
model Deep extends Lm {
  replace let head = TwoLayerHead(d_model, vocab)
}
`,
    );
    const r = checkFile(join(dir, 'variant.tfm'));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const m = r.models.find((x) => x.name === 'Deep')!;
    expect(names(m)).toContain('head.hidden.weight');
    expect(names(m)).toContain('head.proj.bias');
  });
});

describe('reports', () => {
  const errors = (text: string) => checkSource(text, join(tmpdir(), 'bad.tfm')).diagnostics.filter((d) => d.severity === 'error');

  it('a replace of a name the base lacks: TFM2001 on the name, with the closest binding', () => {
    const [d, ...rest] = errors(`${BASE}\nmodel Bad extends Lm {\n  replace let haed = Linear(3)\n}`);
    expect(rest).toEqual([]);
    expect(d.code).toBe('TFM2001');
    expect(d.message).toBe('`Lm` has no `let haed` to replace');
    expect(d.primary.span.start.line).toBe(BASE.split('\n').length + 2);
    expect(d.help?.message).toBe('did you mean `head`?');
  });

  it('a replace with another keyword than the base’s: TFM2001 pointing at the base’s binding', () => {
    const [d] = errors(`${BASE}\nmodel Bad extends Lm {\n  replace let logits = head(h)\n}`);
    expect(d.code).toBe('TFM2001');
    expect(d.secondary?.[0].message).toBe('`output logits` is here');
    expect(d.help?.message).toBe('write `replace output logits = ...`');
  });

  it('an input cannot be replaced, and a new binding may not reuse a base name', () => {
    const [a] = errors(`${BASE}\nmodel Bad extends Lm {\n  replace let ids = head(h)\n}`);
    expect(a.code).toBe('TFM2001');
    expect(a.secondary?.[0].message).toMatch(/an input/);
    const [b] = errors(`${BASE}\nmodel Bad extends Lm {\n  let head = Linear(3)\n}`);
    expect(b.code).toBe('TFM2002');
    expect(b.help?.message).toBe('to change it in this variant, write `replace let head = ...`');
  });

  it('replace inside an if, in a block or in a model that extends none: TFM1006 on the keyword', () => {
    const inIf = errors(`${BASE}\nmodel Bad extends Lm {\n  if true { replace let head = Linear(3) }\n}`);
    expect(inIf.map((d) => d.code)).toEqual(['TFM1006']);
    const inBlock = errors(`block B(d: int) {\n  in x: float32[N, d]\n  replace let y = x\n  out y\n}\nmodel M {\n  input x: float32[n, 4]\n  output y = B(4)(x)\n}`);
    expect(inBlock.map((d) => d.code)).toEqual(['TFM1006']);
    expect(inBlock[0].primary.span.start.column).toBe(3);
  });
});
