/**
 * std/definitions.tfm defines the fused layers and functions with the tensor primitives: on the
 * same input and the same weights, each definition gives the fused kernel's result.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

const SPEC = `
model Definitions {
  config { d = 16  heads = 4  kv = 2 }
  input x: float32[batch, seq, d]
  let rms = RMSNorm(d)
  let rms_def = RMSNormDef(d)
  output rms_gap = rms(x) - rms_def(x)

  let ln = LayerNorm(d)
  let ln_def = LayerNormDef(d)
  output ln_gap = ln(x) - ln_def(x)
  let q = split_heads(x, heads)                       // [batch, 4, seq, 4]
  output split_gap = q - SplitHeadsDef(d, heads)(x)
  output merge_gap = merge_heads(q) - MergeHeadsDef(heads, d / heads)(q)
  output rope_out = rope(q, base: 500.0)
  output rope_gap = rope_out - RotaryDef(d / heads, base: 500.0)(q)
  output rms_out = rms(x)
  let k = split_heads(x, kv)                          // [batch, 2, seq, 8]
  output repeat_gap = repeat_heads(k, heads / kv) - RepeatHeadsDef(kv, heads / kv, d / kv)(k)
}
`;

describe('std/definitions.tfm', () => {
  it("gives the fused kernels' results on the same weights", async () => {
    const model = await compile(SPEC, { seed: 4 });
    const w = model.getWeights();
    // Random norm weights, the same in the fused layer and in its definition.
    for (const [fused, def] of [['rms.weight', 'rms_def.weight'], ['ln.weight', 'ln_def.weight'], ['ln.bias', 'ln_def.bias']]) {
      const value = tf.randomNormal(w[fused].shape, 1, 0.3, 'float32', fused.length);
      w[fused].assign(value);
      w[def].assign(value);
    }
    const x = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 8);
    const out = model.predict({ x }, { outputs: ['ln_gap', 'merge_gap', 'repeat_gap', 'rms_gap', 'rope_gap', 'split_gap'] }) as Record<string, tf.Tensor>;
    for (const [name, gap] of Object.entries(out)) {
      expect(Math.max(...gap.abs().dataSync()), name).toBeLessThan(2e-5);
    }
    // Not vacuous: the fused results themselves are far from zero.
    const fused = model.predict({ x }, { outputs: ['rope_out', 'rms_out'] }) as Record<string, tf.Tensor>;
    for (const t of Object.values(fused)) expect(Math.max(...t.abs().dataSync())).toBeGreaterThan(0.5);
    tf.dispose([x, ...Object.values(out), ...Object.values(fused)]);
  });
});
