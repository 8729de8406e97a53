/** GELU (exact and tanh), SiLU and dropout (seeded per step and site while training). Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { fusedKernel } from './fused.js';

/** The tanh GELU's constants (`geluTanh`): v = GELU_K·(x + GELU_CUBIC·x³), GELU_K = 2·sqrt(2/π), so that 0.5·(1 + tanh(v/2)) = σ(v). */
export const GELU_CUBIC = 0.044715;

export const GELU_K = 2 * Math.sqrt(2 / Math.PI);

/**
 * GELU, exact (BERT, ViT, Whisper; PyTorch's default `F.gelu(x)`): x·Φ(x) = 0.5·x·(1 + erf(x/√2)),
 * with its gradient written out: Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π).
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedKernel('TfmcGelu', { x }) ?? geluOps(x);
}

/** {@link gelu} in tfjs ops. */
const geluOps: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  const t = x as tf.Tensor;
  const cdf = tf.mul(tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1), 0.5);
  (save as tf.GradSaveFunc)([t, cdf]);
  return {
    value: tf.mul(t, cdf),
    gradFunc: (dy: tf.Tensor, [sx, scdf]: tf.Tensor[]) => {
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), 1 / Math.sqrt(2 * Math.PI));
      return tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)));
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * GELU, tanh approximation (GPT-2; PyTorch's `F.gelu(x, approximate='tanh')`):
 * 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))), computed as the equal x·σ(v) (on wasm `sigmoid`
 * is several times faster than `tanh`, and x·x² than `pow(x, 3)`), with its gradient written out:
 * s + x·s·(1 − s)·v′, s = σ(v), v′ = GELU_K·(1 + 3·GELU_CUBIC·x²).
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return fusedKernel('TfmcGeluTanh', { x }) ?? geluTanhOps(x);
}

/** {@link geluTanh} in tfjs ops. */
const geluTanhOps: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  const t = x as tf.Tensor;
  const s = tf.sigmoid(tf.mul(t, tf.add(tf.mul(tf.square(t), GELU_K * GELU_CUBIC), GELU_K)));
  (save as tf.GradSaveFunc)([t, s]);
  return {
    value: tf.mul(t, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      const xDv = tf.mul(tf.add(tf.mul(tf.square(sx), GELU_K * 3 * GELU_CUBIC), GELU_K), sx); // x·v′
      return tf.mul(dy, tf.add(ss, tf.mul(tf.mul(ss, tf.sub(1, ss)), xDv)));
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** SiLU (swish): x·σ(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return fusedKernel('TfmcSilu', { x }) ?? tf.mul(x, tf.sigmoid(x));
}

/**
 * Where dropout masks come from. Unseeded (`seed` undefined, the default), each mask is random.
 * After `seedDropout(seed, step)`, the n-th mask drawn is a function of (seed, step, n) — or of
 * (seed, step, key) when the caller gives `dropout` a stable `key` for its site — so a training
 * step draws the same masks whenever it is computed, in a resumed run too. The tfjs trainer seeds
 * every step and unseeds after it.
 */
const dropoutSeeds: { seed: number | undefined; calls: number } = { seed: undefined, calls: 0 };

/** Seeds the dropout masks drawn from now on (see `dropoutSeeds`); `seedDropout(undefined)` makes them random again. */
export function seedDropout(seed: number | undefined, step = 0): void {
  dropoutSeeds.seed = seed === undefined ? undefined : mixSeeds(seed, step);
  dropoutSeeds.calls = 0;
}

/** A positive 31-bit hash of two integers (murmur3's finaliser), for deriving seeds from seeds. */
function mixSeeds(a: number, b: number): number {
  const fold = (n: number) => (n % 4294967296) ^ Math.floor(n / 4294967296);
  let h = Math.imul(fold(a) ^ 0x9e3779b9, 0x85ebca6b) ^ fold(b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 1) || 1;
}

/**
 * Inverted dropout while training (kept values scaled by 1/(1 − p)); identity otherwise. The mask
 * is seeded when `seedDropout` was called (`key`: a stable number for this dropout site; without
 * one, sites are told apart by the order they run in).
 */
export function dropout(x: tf.Tensor, p: number, training: boolean, key?: number): tf.Tensor {
  if (!training || p === 0) return x;
  if (dropoutSeeds.seed === undefined) return tf.dropout(x, p);
  return tf.dropout(x, p, undefined, mixSeeds(dropoutSeeds.seed, key ?? dropoutSeeds.calls++));
}

/** Gated linear unit: the first half of `axis` times the sigmoid of the second (PyTorch's `F.glu`). */
export function glu(x: tf.Tensor, axis: number): tf.Tensor {
  const [a, b] = tf.split(x, 2, axis);
  return tf.mul(a, tf.sigmoid(b));
}
