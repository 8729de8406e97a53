/** Repeat stacks become one layer function applied in a loop; irregular or single-layer stacks stay unrolled. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emitModel } from '../../../src/backends/ts/emit.js';
import { findFolds } from '../../../src/backends/ts/folds.js';
import { checkFile, checkSource } from '../../../src/index.js';
import { ROOT } from './helpers.js';

const ONE_LAYER = `model One {
  config { vocab = 20  d_model = 8  heads = 2  layers = 1 }
  input ids: int32[batch, seq]
  mask self_mask = causal
  let blocks = repeat layers { DecoderLayer(d_model, heads) }
  output logits = Linear(vocab)(blocks(Embedding(vocab, d_model)(ids), self_mask: self_mask))
}
`;

function model(spec: string, name: string) {
  const r = checkFile(join(ROOT, spec));
  const ir = r.models.find((m) => m.name === name);
  if (!ir) throw new Error(`${spec}: no ${name}`);
  return ir;
}

describe('folding repeat stacks', () => {
  it('GPT-2 small: 12 layers, one function, a loop of 12', () => {
    const ir = model('specs/gpt2.tfm', 'Gpt2Small');
    const folds = findFolds(ir, ir.nodes);
    expect(folds.map((f) => [f.stack, f.kind, f.layers.length, f.externals.map((v) => ir.values[v].name)])).toEqual([['blocks', 'DecoderLayer', 12, ['self_mask']]]);
    const { body } = emitModel(ir);
    expect(body).toContain('for (let i = 0; i < 12; i++) {');
    expect(body.match(/^function decoderLayer\(/gm)).toHaveLength(1);
    // Inside the function parameters are read relative to the layer; no layer index appears in forward.
    expect(body).toContain("p('self_attn.q_proj.weight')");
    expect(body.slice(body.indexOf('export function forward'))).not.toMatch(/blocks\.\d+\./);
  });

  it('T5: encoder and decoder stacks, with the position bias, masks and encoder output passed in', () => {
    const ir = model('specs/t5.tfm', 'T5Tiny');
    const folds = findFolds(ir, ir.nodes);
    expect(folds.map((f) => [f.stack, f.externals.map((v) => ir.values[v].name)])).toEqual([
      ['encoder', ['pos_bias', 'src_mask']],
      ['decoder', ['pos_bias', 'tgt_mask', 'enc', 'src_mask']],
    ]);
  });

  it('a single layer stays unrolled', () => {
    const r = checkSource(ONE_LAYER, join(ROOT, 'one-layer.tfm'));
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const ir = r.models[0];
    expect(findFolds(ir, ir.nodes)).toEqual([]);
    expect(emitModel(ir).body).toContain("params['blocks.0.self_attn.q_proj.weight']");
  });
});
