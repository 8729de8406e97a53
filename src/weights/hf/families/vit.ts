/**
 * ViT (`ViTForImageClassification`) → `specs/vit.tfm`'s `VitB16`.
 *
 * | Hugging Face (`vit.` prefix) | tfmc | how |
 * |---|---|---|
 * | `embeddings.patch_embeddings.projection` (`Conv2d` `[d, C, p, p]`) | `patch_embed` | copied: tfmc's `PatchEmbedding` keeps PyTorch's kernel layout (its images are channels-last, the kernel is not) |
 * | `embeddings.cls_token` `[1, 1, d]` | `cls_token.weight` `[1, 1, d]` | copied |
 * | `embeddings.position_embeddings` `[1, N + 1, d]` | `pos_embed.weight` `[N + 1, d]` | the leading axis of size 1 dropped |
 * | `encoder.layer.N.layernorm_before`, `….layernorm_after` | `blocks.N.norm1`, `blocks.N.norm2` | copied |
 * | `encoder.layer.N.attention.attention.{query,key,value}`, `….attention.output.dense` | `blocks.N.self_attn.{q,k,v,o}_proj` | copied |
 * | `encoder.layer.N.intermediate.dense`, `….output.dense` | `blocks.N.ff.fc1`, `blocks.N.ff.fc2` | copied |
 * | `layernorm` | `norm` | copied |
 * | `classifier` (no prefix) | `head.head` | copied |
 */
import { ConfigReader, type HfFamily, num, range } from '../family.js';
import { linear, type Rule } from '../mapping.js';

export const vit: HfFamily = {
  id: 'vit',
  modelTypes: ['vit'],
  specFile: 'vit.tfm',
  bases: ['VitB16'],
  ignored: [],

  plan(config) {
    const c = new ConfigReader(config);
    const labels = config.id2label;
    const classes = typeof labels === 'object' && labels !== null ? Object.keys(labels).length : c.int('num_labels', 2);
    const plan = {
      base: 'VitB16',
      config: [
        ['image', c.int('image_size')],
        ['patch', c.int('patch_size')],
        ['channels', c.int('num_channels', 3)],
        ['d_model', c.int('hidden_size')],
        ['heads', c.int('num_attention_heads')],
        ['layers', c.int('num_hidden_layers')],
        ['d_ff', c.int('intermediate_size')],
        ['classes', classes],
        ['dropout', c.float('hidden_dropout_prob', 0)],
        ['eps', c.float('layer_norm_eps', 1e-12)],
      ] as Array<[string, number]>,
      statements: [],
    };
    c.fixed('hidden_act', ['gelu'], 'the exact GELU (`gelu`)');
    c.fixed('qkv_bias', [true], 'biases on the query, key and value projections');
    c.done();
    return plan;
  },

  rules(spec) {
    const e = 'vit.embeddings';
    const rules: Rule[] = [
      ...linear(`${e}.patch_embeddings.projection`, 'patch_embed'),
      { kind: 'copy', hf: `${e}.cls_token`, tfmc: 'cls_token.weight' },
      { kind: 'copy', hf: `${e}.position_embeddings`, tfmc: 'pos_embed.weight', hfShape: (s) => [1, ...s] },
    ];
    for (const i of range(num(spec, 'layers'))) {
      const h = `vit.encoder.layer.${i}`;
      const b = `blocks.${i}`;
      rules.push(
        ...linear(`${h}.layernorm_before`, `${b}.norm1`),
        ...linear(`${h}.attention.attention.query`, `${b}.self_attn.q_proj`),
        ...linear(`${h}.attention.attention.key`, `${b}.self_attn.k_proj`),
        ...linear(`${h}.attention.attention.value`, `${b}.self_attn.v_proj`),
        ...linear(`${h}.attention.output.dense`, `${b}.self_attn.o_proj`),
        ...linear(`${h}.layernorm_after`, `${b}.norm2`),
        ...linear(`${h}.intermediate.dense`, `${b}.ff.fc1`),
        ...linear(`${h}.output.dense`, `${b}.ff.fc2`),
      );
    }
    rules.push(...linear('vit.layernorm', 'norm'), ...linear('classifier', 'head.head'));
    return rules;
  },

  hfConfig(spec) {
    const classes = num(spec, 'classes');
    return {
      architectures: ['ViTForImageClassification'],
      model_type: 'vit',
      image_size: num(spec, 'image'),
      patch_size: num(spec, 'patch'),
      num_channels: num(spec, 'channels'),
      hidden_size: num(spec, 'd_model'),
      num_attention_heads: num(spec, 'heads'),
      num_hidden_layers: num(spec, 'layers'),
      intermediate_size: num(spec, 'd_ff'),
      hidden_act: 'gelu',
      hidden_dropout_prob: num(spec, 'dropout'),
      attention_probs_dropout_prob: 0,
      layer_norm_eps: num(spec, 'eps'),
      qkv_bias: true,
      id2label: Object.fromEntries(Array.from({ length: classes }, (_, i) => [String(i), `LABEL_${i}`])),
    };
  },
};
