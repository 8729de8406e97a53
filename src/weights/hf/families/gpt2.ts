/**
 * GPT-2 (`GPT2LMHeadModel`, `GPT2Model`) → `specs/gpt2.tfm`'s `Gpt2Small`.
 *
 * | Hugging Face | tfmc | how |
 * |---|---|---|
 * | `wte.weight`, `wpe.weight` | `wte.weight`, `wpe.weight` | copied |
 * | `h.N.ln_1`, `h.N.ln_2`, `ln_f` | `blocks.N.norm1`, `blocks.N.norm2`, `ln_f` | copied |
 * | `h.N.attn.c_attn.weight` `[d, 3d]` | `blocks.N.self_attn.{q,k,v}_proj.weight` `[d, d]` each | `Conv1D` is `[in, out]`: transposed, then split in three |
 * | `h.N.attn.c_attn.bias` `[3d]` | `…{q,k,v}_proj.bias` | split in three |
 * | `h.N.attn.c_proj`, `h.N.mlp.c_fc`, `h.N.mlp.c_proj` | `…self_attn.o_proj`, `…ff.fc1`, `…ff.fc2` | weights transposed |
 * | `lm_head.weight` | (tied to `wte.weight`) | must equal `wte.weight` when present |
 *
 * `h.N.attn.bias` and `h.N.attn.masked_bias` (the causal mask kept as a buffer) are not weights.
 */
import { ConfigReader, type HfFamily, num, range } from '../family.js';
import type { Rule } from '../mapping.js';

export const gpt2: HfFamily = {
  id: 'gpt2',
  modelTypes: ['gpt2'],
  specFile: 'gpt2.tfm',
  bases: ['Gpt2Small'],
  optionalPrefix: 'transformer.',
  ignored: [/^h\.\d+\.attn\.(bias|masked_bias)$/],

  plan(config) {
    const c = new ConfigReader(config);
    const d = c.int('n_embd');
    const plan = {
      base: 'Gpt2Small',
      config: [
        ['vocab', c.int('vocab_size')],
        ['ctx', c.int('n_positions')],
        ['d_model', d],
        ['heads', c.int('n_head')],
        ['layers', c.int('n_layer')],
        ['dropout', c.float('resid_pdrop', 0.1)],
      ] as Array<[string, number]>,
      statements: [],
    };
    c.fixed('n_inner', [4 * d], 'a feed-forward of 4 × n_embd');
    c.fixed('activation_function', ['gelu_new', 'gelu_pytorch_tanh'], "the tanh GELU (`gelu_new`)");
    c.fixed('layer_norm_epsilon', [1e-5], 'LayerNorm eps 1e-5');
    c.fixed('scale_attn_by_inverse_layer_idx', [false], 'scores scaled by 1/sqrt(d_k) only');
    c.fixed('add_cross_attention', [false], 'no cross-attention');
    c.fixed('tie_word_embeddings', [true], 'the LM head tied to `wte`');
    c.done();
    return plan;
  },

  rules(spec) {
    const rules: Rule[] = [
      { kind: 'copy', hf: 'wte.weight', tfmc: 'wte.weight' },
      { kind: 'copy', hf: 'wpe.weight', tfmc: 'wpe.weight' },
    ];
    for (const i of range(num(spec, 'layers'))) {
      const h = `h.${i}`;
      const b = `blocks.${i}`;
      const qkv = (p: string) => ['q', 'k', 'v'].map((x) => `${b}.self_attn.${x}_proj.${p}`);
      rules.push(
        { kind: 'copy', hf: `${h}.ln_1.weight`, tfmc: `${b}.norm1.weight` },
        { kind: 'copy', hf: `${h}.ln_1.bias`, tfmc: `${b}.norm1.bias` },
        { kind: 'split', hf: `${h}.attn.c_attn.weight`, tfmc: qkv('weight'), transpose: true },
        { kind: 'split', hf: `${h}.attn.c_attn.bias`, tfmc: qkv('bias'), transpose: false },
        { kind: 'transpose', hf: `${h}.attn.c_proj.weight`, tfmc: `${b}.self_attn.o_proj.weight` },
        { kind: 'copy', hf: `${h}.attn.c_proj.bias`, tfmc: `${b}.self_attn.o_proj.bias` },
        { kind: 'copy', hf: `${h}.ln_2.weight`, tfmc: `${b}.norm2.weight` },
        { kind: 'copy', hf: `${h}.ln_2.bias`, tfmc: `${b}.norm2.bias` },
        { kind: 'transpose', hf: `${h}.mlp.c_fc.weight`, tfmc: `${b}.ff.fc1.weight` },
        { kind: 'copy', hf: `${h}.mlp.c_fc.bias`, tfmc: `${b}.ff.fc1.bias` },
        { kind: 'transpose', hf: `${h}.mlp.c_proj.weight`, tfmc: `${b}.ff.fc2.weight` },
        { kind: 'copy', hf: `${h}.mlp.c_proj.bias`, tfmc: `${b}.ff.fc2.bias` },
      );
    }
    rules.push(
      { kind: 'copy', hf: 'ln_f.weight', tfmc: 'ln_f.weight' },
      { kind: 'copy', hf: 'ln_f.bias', tfmc: 'ln_f.bias' },
      { kind: 'tied', hf: 'lm_head.weight', same: 'wte.weight' },
    );
    return rules;
  },

  hfConfig(spec) {
    const d = num(spec, 'd_model');
    return {
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      vocab_size: num(spec, 'vocab'),
      n_positions: num(spec, 'ctx'),
      n_embd: d,
      n_layer: num(spec, 'layers'),
      n_head: num(spec, 'heads'),
      n_inner: null,
      activation_function: 'gelu_new',
      layer_norm_epsilon: 1e-5,
      resid_pdrop: num(spec, 'dropout'),
      embd_pdrop: num(spec, 'dropout'),
      attn_pdrop: 0,
      tie_word_embeddings: true,
    };
  },
};
