/**
 * std's `SparseMoE` computes exactly what sparse dispatch computes: here each token is routed by
 * hand from the compiled model's own weights (its 2 best experts, a softmax over their scores,
 * only those experts evaluated), and the model's output must agree.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/index.js';

const SPEC = `
model Moe {
  config { d = 6  ff = 5  experts = 4 }
  input x: float32[batch, seq, d]
  let moe = SparseMoE(d, ff, experts: experts, top: 2)
  output y = moe(x)
}
`;

describe('std SparseMoE', () => {
  it('equals top-2 sparse dispatch computed token by token', async () => {
    const model = await compile(SPEC, { seed: 3 });
    const w = Object.fromEntries(Object.entries(model.getWeights()).map(([k, v]) => [k, v.arraySync()])) as Record<string, number[][] & number[][][]>;
    const router = w['moe.router.weight'] as number[][]; // [experts, d]
    const [w1, w3, w2] = [w['moe.w1'], w['moe.w3'], w['moe.w2']] as number[][][][]; // [E, ff, d], [E, ff, d], [E, d, ff]
    const x = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 5);
    const y = (model.predict({ x }).y as tf.Tensor).arraySync() as number[][][];
    const xs = x.arraySync() as number[][][];

    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
    const silu = (v: number) => v / (1 + Math.exp(-v));
    let worst = 0;
    let routed = new Set<string>();
    for (const [b, row] of xs.entries()) {
      for (const [t, token] of row.entries()) {
        const scores = router.map((r) => dot(r, token));
        const best = scores.map((s, e) => [s, e] as const).sort((p, q) => q[0] - p[0]).slice(0, 2);
        const z = best.map(([s]) => Math.exp(s - best[0][0]));
        const gates = z.map((v) => v / (z[0] + z[1]));
        routed = new Set([...routed, best.map(([, e]) => e).join(',')]);
        const out = new Array<number>(6).fill(0);
        for (const [k, [, e]] of best.entries()) {
          const h = w1[e].map((r, j) => silu(dot(r, token)) * dot(w3[e][j], token));
          for (let i = 0; i < 6; i++) out[i] += gates[k] * dot(w2[e][i], h);
        }
        for (let i = 0; i < 6; i++) worst = Math.max(worst, Math.abs(out[i] - y[b][t][i]));
      }
    }
    expect(worst).toBeLessThan(1e-5);
    expect(routed.size).toBeGreaterThan(1); // tokens really go to different experts
    tf.dispose(x);
  });
});
