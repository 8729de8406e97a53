/**
 * T5 (`T5ForConditionalGeneration`, the original ReLU T5) → `specs/t5.tfm`'s `T5Small`.
 *
 * | Hugging Face | tfmc |
 * |---|---|
 * | `shared.weight` | `shared.weight` (also the LM head: `lm_head.weight`, `{en,de}coder.embed_tokens.weight` are tied copies) |
 * | `encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight` `[buckets, heads]` | `enc_bias.weight` (the first block's table serves every block) |
 * | `encoder.block.N.layer.0.SelfAttention.{q,k,v,o}`, `….layer.0.layer_norm` | `encoder.N.self_attn.{q,k,v,o}_proj`, `encoder.N.norm1` |
 * | `encoder.block.N.layer.1.DenseReluDense.{wi,wo}`, `….layer.1.layer_norm` | `encoder.N.ff.{fc1,fc2}`, `encoder.N.norm2` |
 * | `encoder.final_layer_norm` | `enc_norm` |
 * | `decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight` | `dec_bias.weight` |
 * | `decoder.block.N.layer.0.SelfAttention`, `….layer.0.layer_norm` | `decoder.N.self_attn`, `decoder.N.norm1` |
 * | `decoder.block.N.layer.1.EncDecAttention`, `….layer.1.layer_norm` | `decoder.N.cross_attn`, `decoder.N.norm3` |
 * | `decoder.block.N.layer.2.DenseReluDense`, `….layer.2.layer_norm` | `decoder.N.ff`, `decoder.N.norm2` |
 * | `decoder.final_layer_norm` | `dec_norm` |
 *
 * Every weight is copied as it is: T5's norms have a scale and no bias, as `RMSNorm`.
 */
import { ConfigReader, type HfFamily, num, range } from '../family.js';
import type { Rule } from '../mapping.js';

function attention(hf: string, tfmc: string): Rule[] {
  return ['q', 'k', 'v', 'o'].map((p) => ({ kind: 'copy', hf: `${hf}.${p}.weight`, tfmc: `${tfmc}.${p}_proj.weight` }) as Rule);
}

function feedForward(hf: string, tfmc: string): Rule[] {
  return [
    { kind: 'copy', hf: `${hf}.wi.weight`, tfmc: `${tfmc}.fc1.weight` },
    { kind: 'copy', hf: `${hf}.wo.weight`, tfmc: `${tfmc}.fc2.weight` },
  ];
}

export const t5: HfFamily = {
  id: 't5',
  modelTypes: ['t5'],
  specFile: 't5.tfm',
  bases: ['T5Small'],
  ignored: [],

  plan(config) {
    const c = new ConfigReader(config);
    const layers = c.int('num_layers');
    const plan = {
      base: 'T5Small',
      config: [
        ['vocab', c.int('vocab_size')],
        ['d_model', c.int('d_model')],
        ['heads', c.int('num_heads')],
        ['d_kv', c.int('d_kv')],
        ['d_ff', c.int('d_ff')],
        ['layers', layers],
        ['buckets', c.int('relative_attention_num_buckets', 32)],
        ['max_distance', c.int('relative_attention_max_distance', 128)],
        ['dropout', c.float('dropout_rate', 0.1)],
        ['eps', c.float('layer_norm_epsilon', 1e-6)],
      ] as Array<[string, number]>,
      statements: [],
    };
    c.fixed('num_decoder_layers', [layers], 'as many decoder layers as encoder layers');
    c.fixed('feed_forward_proj', ['relu'], 'ReLU feed-forwards (T5 v1.1 and Flan-T5 use gated GELU)');
    c.fixed('tie_word_embeddings', [true], 'the LM head tied to `shared` (T5 v1.1 unties it)');
    c.fixed('pad_token_id', [0], 'padding id 0 (its attention mask masks id 0)');
    c.done();
    return plan;
  },

  rules(spec) {
    const rules: Rule[] = [
      { kind: 'copy', hf: 'shared.weight', tfmc: 'shared.weight' },
      { kind: 'copy', hf: 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', tfmc: 'enc_bias.weight' },
      { kind: 'copy', hf: 'decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', tfmc: 'dec_bias.weight' },
    ];
    for (const i of range(num(spec, 'layers'))) {
      const e = `encoder.block.${i}.layer`;
      const d = `decoder.block.${i}.layer`;
      rules.push(
        ...attention(`${e}.0.SelfAttention`, `encoder.${i}.self_attn`),
        { kind: 'copy', hf: `${e}.0.layer_norm.weight`, tfmc: `encoder.${i}.norm1.weight` },
        ...feedForward(`${e}.1.DenseReluDense`, `encoder.${i}.ff`),
        { kind: 'copy', hf: `${e}.1.layer_norm.weight`, tfmc: `encoder.${i}.norm2.weight` },
        ...attention(`${d}.0.SelfAttention`, `decoder.${i}.self_attn`),
        { kind: 'copy', hf: `${d}.0.layer_norm.weight`, tfmc: `decoder.${i}.norm1.weight` },
        ...attention(`${d}.1.EncDecAttention`, `decoder.${i}.cross_attn`),
        { kind: 'copy', hf: `${d}.1.layer_norm.weight`, tfmc: `decoder.${i}.norm3.weight` },
        ...feedForward(`${d}.2.DenseReluDense`, `decoder.${i}.ff`),
        { kind: 'copy', hf: `${d}.2.layer_norm.weight`, tfmc: `decoder.${i}.norm2.weight` },
      );
    }
    rules.push(
      { kind: 'copy', hf: 'encoder.final_layer_norm.weight', tfmc: 'enc_norm.weight' },
      { kind: 'copy', hf: 'decoder.final_layer_norm.weight', tfmc: 'dec_norm.weight' },
      { kind: 'tied', hf: 'encoder.embed_tokens.weight', same: 'shared.weight' },
      { kind: 'tied', hf: 'decoder.embed_tokens.weight', same: 'shared.weight' },
      { kind: 'tied', hf: 'lm_head.weight', same: 'shared.weight' },
    );
    return rules;
  },

  hfConfig(spec) {
    return {
      architectures: ['T5ForConditionalGeneration'],
      model_type: 't5',
      vocab_size: num(spec, 'vocab'),
      d_model: num(spec, 'd_model'),
      num_heads: num(spec, 'heads'),
      d_kv: num(spec, 'd_kv'),
      d_ff: num(spec, 'd_ff'),
      num_layers: num(spec, 'layers'),
      num_decoder_layers: num(spec, 'layers'),
      relative_attention_num_buckets: num(spec, 'buckets'),
      relative_attention_max_distance: num(spec, 'max_distance'),
      dropout_rate: num(spec, 'dropout'),
      layer_norm_epsilon: num(spec, 'eps'),
      feed_forward_proj: 'relu',
      tie_word_embeddings: true,
      is_encoder_decoder: true,
      pad_token_id: 0,
      decoder_start_token_id: 0,
    };
  },
};
