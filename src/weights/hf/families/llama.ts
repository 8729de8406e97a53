/**
 * Llama and Mistral (`LlamaForCausalLM`, `MistralForCausalLM`) → `specs/llama.tfm`'s `Llama2_7B`
 * (or `Mistral7B`).
 *
 * | Hugging Face | tfmc |
 * |---|---|
 * | `model.embed_tokens.weight` | `embed.weight` |
 * | `model.layers.N.self_attn.{q,k,v,o}_proj.weight` | `blocks.N.self_attn.{q,k,v,o}_proj.weight` |
 * | `model.layers.N.mlp.{gate,up,down}_proj.weight` | `blocks.N.ff.{gate,up,down}.weight` |
 * | `model.layers.N.input_layernorm`, `…post_attention_layernorm` | `blocks.N.norm1`, `blocks.N.norm2` |
 * | `model.norm.weight` | `norm.weight` |
 * | `lm_head.weight` | `lm_head.weight`, or tied to `embed.weight` (`tie_word_embeddings`) |
 *
 * Every tensor is copied as it is, queries and keys included. Meta's original checkpoints rotate
 * interleaved pairs (features 2i, 2i+1); Hugging Face's conversion permuted the rows of `q_proj`
 * and `k_proj` so that feature i pairs with i + d/2 (`rotate_half`). tfmc's `rope` uses that
 * rotate-half layout too, so a Hugging Face checkpoint needs no permutation (test/weights/hf
 * checks the logits against a rotate-half forward, and that un-permuted Meta rows do not match).
 */
import { ConfigReader, type HfFamily, num, range } from '../family.js';
import type { Rule } from '../mapping.js';

export const llama: HfFamily = {
  id: 'llama',
  modelTypes: ['llama', 'mistral'],
  specFile: 'llama.tfm',
  bases: ['Llama2_7B', 'Mistral7B'],
  ignored: [/^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/],

  plan(config) {
    const c = new ConfigReader(config);
    const d = c.int('hidden_size');
    const heads = c.int('num_attention_heads');
    const ctx = c.int('max_position_embeddings');
    const plan = {
      base: config.model_type === 'mistral' ? 'Mistral7B' : 'Llama2_7B',
      config: [
        ['vocab', c.int('vocab_size')],
        ['ctx', ctx],
        ['d_model', d],
        ['heads', heads],
        ['kv_heads', c.int('num_key_value_heads', heads)],
        ['layers', c.int('num_hidden_layers')],
        ['d_ff', c.int('intermediate_size')],
        ['eps', c.float('rms_norm_eps', 1e-6)],
        ['rope_base', c.float('rope_theta', 10000)],
      ] as Array<[string, number]>,
      statements: config.tie_word_embeddings === true ? ['replace let lm_head = Linear(vocab, bias: false, tied: embed)'] : [],
    };
    c.fixed('hidden_act', ['silu'], 'SwiGLU feed-forwards (`silu`)');
    c.fixed('attention_bias', [false], 'no attention biases');
    c.fixed('mlp_bias', [false], 'no feed-forward biases');
    c.fixed('head_dim', [d / heads], 'heads of hidden_size / num_attention_heads features');
    c.fixed('pretraining_tp', [1], 'one tensor-parallel slice');
    const scaling = c.value('rope_scaling');
    c.require(scaling === undefined || scaling === null, `\`rope_scaling\` is ${JSON.stringify(scaling)}: the shipped spec's rotary embedding is unscaled`);
    const window = c.value('sliding_window');
    c.require(
      window === undefined || window === null || (typeof window === 'number' && window >= ctx),
      `\`sliding_window\` is ${JSON.stringify(window)}, shorter than the context (${ctx}): the shipped spec attends to every earlier position`,
    );
    c.done();
    return plan;
  },

  rules(spec) {
    const rules: Rule[] = [{ kind: 'copy', hf: 'model.embed_tokens.weight', tfmc: 'embed.weight' }];
    for (const i of range(num(spec, 'layers'))) {
      const h = `model.layers.${i}`;
      const b = `blocks.${i}`;
      for (const p of ['q', 'k', 'v', 'o']) rules.push({ kind: 'copy', hf: `${h}.self_attn.${p}_proj.weight`, tfmc: `${b}.self_attn.${p}_proj.weight` });
      for (const p of ['gate', 'up', 'down']) rules.push({ kind: 'copy', hf: `${h}.mlp.${p}_proj.weight`, tfmc: `${b}.ff.${p}.weight` });
      rules.push(
        { kind: 'copy', hf: `${h}.input_layernorm.weight`, tfmc: `${b}.norm1.weight` },
        { kind: 'copy', hf: `${h}.post_attention_layernorm.weight`, tfmc: `${b}.norm2.weight` },
      );
    }
    rules.push({ kind: 'copy', hf: 'model.norm.weight', tfmc: 'norm.weight' });
    rules.push(spec.params.has('lm_head.weight') ? { kind: 'copy', hf: 'lm_head.weight', tfmc: 'lm_head.weight' } : { kind: 'tied', hf: 'lm_head.weight', same: 'model.embed_tokens.weight' });
    return rules;
  },

  hfConfig(spec) {
    return {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: num(spec, 'vocab'),
      max_position_embeddings: num(spec, 'ctx'),
      hidden_size: num(spec, 'd_model'),
      num_attention_heads: num(spec, 'heads'),
      num_key_value_heads: num(spec, 'kv_heads'),
      num_hidden_layers: num(spec, 'layers'),
      intermediate_size: num(spec, 'd_ff'),
      rms_norm_eps: num(spec, 'eps'),
      rope_theta: num(spec, 'rope_base'),
      hidden_act: 'silu',
      attention_bias: false,
      mlp_bias: false,
      rope_scaling: null,
      tie_word_embeddings: !spec.params.has('lm_head.weight'),
    };
  },
};
