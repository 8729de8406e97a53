/**
 * `rope`: rotary position embedding (Su et al. 2021) on `[B, H, T, d]`, in the "rotate half"
 * layout of GPT-NeoX and Llama: feature i is paired with feature i + d/2, and position t rotates
 * the pair by t·base^(−2i/d):
 *   out[..., i]       = x[..., i]·cos − x[..., i + d/2]·sin
 *   out[..., i + d/2] = x[..., i + d/2]·cos + x[..., i]·sin
 * Positions count from 0 at the first element of the sequence axis.
 */
import * as tf from '@tensorflow/tfjs';
import { numAttr, offsetOf, tensors, type OpImpl } from './types.js';

/** cos and sin tables `[T, d]` (each half repeated), computed in double precision. */
export function ropeTables(t: number, d: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const half = d / 2;
  const cos = new Float32Array(t * d);
  const sin = new Float32Array(t * d);
  for (let i = 0; i < half; i++) {
    const freq = Math.pow(base, (-2 * i) / d);
    for (let p = 0; p < t; p++) {
      const angle = p * freq;
      cos[p * d + i] = cos[p * d + i + half] = Math.cos(angle);
      sin[p * d + i] = sin[p * d + i + half] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

export const rope: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const [, , t, d] = x.shape;
  if (d % 2 !== 0) ctx.fail(`rotary embedding needs an even head size, got ${d}`);
  // In step-wise decoding the input holds positions `start .. start + t`.
  const start = offsetOf(ctx, 0);
  const tables = ropeTables(start + t, d, numAttr(ctx, 'base'));
  const cos = tf.tensor2d(tables.cos.subarray(start * d), [t, d]);
  const sin = tf.tensor2d(tables.sin.subarray(start * d), [t, d]);
  const [x1, x2] = tf.split(x, 2, -1);
  const rotated = tf.concat([tf.neg(x2), x1], -1);
  return [tf.add(tf.mul(x, cos), tf.mul(rotated, sin))];
};

export const ops: Record<string, OpImpl> = { rope };
