/**
 * Elementwise activations. `gelu` is the tanh approximation (BERT, GPT-2; PyTorch's
 * `gelu(approximate='tanh')`): 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
 */
import * as tf from '@tensorflow/tfjs';
import { tensors, type OpImpl } from './types.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;
/** v = K·(x + CUBIC·x³) with K = 2·sqrt(2/π), so that 0.5·(1 + tanh(v/2)) = sigmoid(v). */
const K = 2 * SQRT_2_OVER_PI;

/**
 * GELU (tanh form) computed as x·sigmoid(v), the same function: on wasm `sigmoid` is several
 * times faster than `tanh` and `x·x²` than `pow(x, 3)`. Its gradient is written out,
 * s + x·s·(1 − s)·v′ with s = sigmoid(v), v′ = K·(1 + 3·CUBIC·x²), instead of tfjs's
 * derivation through every elementwise step.
 */
export const geluTanh = tf.customGrad((x, save) => {
  const t = x as tf.Tensor;
  const s = tf.sigmoid(tf.mul(t, tf.add(tf.mul(tf.square(t), K * CUBIC), K)));
  (save as tf.GradSaveFunc)([t, s]);
  return {
    value: tf.mul(t, s),
    gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
      const xDv = tf.mul(tf.add(tf.mul(tf.square(sx), K * 3 * CUBIC), K), sx); // x·v′
      return tf.mul(dy, tf.add(ss, tf.mul(tf.mul(ss, tf.sub(1, ss)), xDv)));
    },
  };
});

/** The tanh approximation of GELU as written (the reference for {@link geluTanh}'s rewriting). */
export function geluTanhReference(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), CUBIC)), SQRT_2_OVER_PI);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

function unary(f: (x: tf.Tensor) => tf.Tensor): OpImpl {
  return (inputs, ctx) => [f(tensors(inputs, ctx)[0])];
}

export const ops: Record<string, OpImpl> = {
  relu: unary((x) => tf.relu(x)),
  gelu: unary(geluTanh),
  silu: unary((x) => tf.mul(x, tf.sigmoid(x))),
  tanh: unary((x) => tf.tanh(x)),
  sigmoid: unary((x) => tf.sigmoid(x)),
};
