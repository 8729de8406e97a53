/**
 * BERT (`BertForPreTraining`) → `specs/bert.tfm`'s `BertBase`.
 *
 * | Hugging Face (`bert.` prefix) | tfmc |
 * |---|---|
 * | `embeddings.{word,position,token_type}_embeddings` | `word`, `position`, `token_type` |
 * | `embeddings.LayerNorm` | `emb_norm` |
 * | `encoder.layer.N.attention.self.{query,key,value}` | `encoder.N.self_attn.{q,k,v}_proj` |
 * | `encoder.layer.N.attention.output.dense`, `….LayerNorm` | `encoder.N.self_attn.o_proj`, `encoder.N.norm1` |
 * | `encoder.layer.N.intermediate.dense`, `….output.dense`, `….output.LayerNorm` | `encoder.N.ff.fc1`, `encoder.N.ff.fc2`, `encoder.N.norm2` |
 * | `pooler.dense` | `pooler.dense` |
 * | `cls.predictions.transform.dense`, `….LayerNorm` | `mlm.dense`, `mlm.norm` |
 * | `cls.predictions.bias` | `mlm.decoder.bias` |
 * | `cls.predictions.decoder.weight`, `….decoder.bias` | (tied to the word embedding and to `cls.predictions.bias`) |
 * | `cls.seq_relationship` | `nsp.classifier` |
 *
 * Every weight is copied as it is. `bert.embeddings.position_ids` is a buffer, not a weight.
 */
import { ConfigReader, type HfFamily, num, range } from '../family.js';
import { linear, type Rule } from '../mapping.js';

export const bert: HfFamily = {
  id: 'bert',
  modelTypes: ['bert'],
  specFile: 'bert.tfm',
  bases: ['BertBase'],
  ignored: [/^bert\.embeddings\.position_ids$/],

  plan(config) {
    const c = new ConfigReader(config);
    const plan = {
      base: 'BertBase',
      config: [
        ['vocab', c.int('vocab_size')],
        ['max_len', c.int('max_position_embeddings')],
        ['type_vocab', c.int('type_vocab_size', 2)],
        ['d_model', c.int('hidden_size')],
        ['heads', c.int('num_attention_heads')],
        ['layers', c.int('num_hidden_layers')],
        ['d_ff', c.int('intermediate_size')],
        ['dropout', c.float('hidden_dropout_prob', 0.1)],
        ['eps', c.float('layer_norm_eps', 1e-12)],
      ] as Array<[string, number]>,
      statements: [],
    };
    c.fixed('hidden_act', ['gelu'], 'the exact GELU (`gelu`)');
    c.fixed('position_embedding_type', ['absolute'], 'learned absolute positions');
    c.fixed('pad_token_id', [0], 'padding id 0 (its attention mask masks id 0)');
    c.done();
    return plan;
  },

  rules(spec) {
    const e = 'bert.embeddings';
    const rules: Rule[] = [
      { kind: 'copy', hf: `${e}.word_embeddings.weight`, tfmc: 'word.weight' },
      { kind: 'copy', hf: `${e}.position_embeddings.weight`, tfmc: 'position.weight' },
      { kind: 'copy', hf: `${e}.token_type_embeddings.weight`, tfmc: 'token_type.weight' },
      ...linear(`${e}.LayerNorm`, 'emb_norm'),
    ];
    for (const i of range(num(spec, 'layers'))) {
      const h = `bert.encoder.layer.${i}`;
      const b = `encoder.${i}`;
      rules.push(
        ...linear(`${h}.attention.self.query`, `${b}.self_attn.q_proj`),
        ...linear(`${h}.attention.self.key`, `${b}.self_attn.k_proj`),
        ...linear(`${h}.attention.self.value`, `${b}.self_attn.v_proj`),
        ...linear(`${h}.attention.output.dense`, `${b}.self_attn.o_proj`),
        ...linear(`${h}.attention.output.LayerNorm`, `${b}.norm1`),
        ...linear(`${h}.intermediate.dense`, `${b}.ff.fc1`),
        ...linear(`${h}.output.dense`, `${b}.ff.fc2`),
        ...linear(`${h}.output.LayerNorm`, `${b}.norm2`),
      );
    }
    rules.push(
      ...linear('bert.pooler.dense', 'pooler.dense'),
      ...linear('cls.predictions.transform.dense', 'mlm.dense'),
      ...linear('cls.predictions.transform.LayerNorm', 'mlm.norm'),
      { kind: 'copy', hf: 'cls.predictions.bias', tfmc: 'mlm.decoder.bias' },
      { kind: 'tied', hf: 'cls.predictions.decoder.weight', same: `${e}.word_embeddings.weight` },
      { kind: 'tied', hf: 'cls.predictions.decoder.bias', same: 'cls.predictions.bias' },
      ...linear('cls.seq_relationship', 'nsp.classifier'),
    );
    return rules;
  },

  hfConfig(spec) {
    return {
      architectures: ['BertForPreTraining'],
      model_type: 'bert',
      vocab_size: num(spec, 'vocab'),
      max_position_embeddings: num(spec, 'max_len'),
      type_vocab_size: num(spec, 'type_vocab'),
      hidden_size: num(spec, 'd_model'),
      num_attention_heads: num(spec, 'heads'),
      num_hidden_layers: num(spec, 'layers'),
      intermediate_size: num(spec, 'd_ff'),
      hidden_act: 'gelu',
      hidden_dropout_prob: num(spec, 'dropout'),
      attention_probs_dropout_prob: 0,
      layer_norm_eps: num(spec, 'eps'),
      pad_token_id: 0,
      position_embedding_type: 'absolute',
    };
  },
};
