/**
 * Elementwise activations. `gelu` is the tanh approximation (BERT, GPT-2; PyTorch's
 * `gelu(approximate='tanh')`): 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
 */
import * as tf from '@tensorflow/tfjs';
import { gelu, GELU_CUBIC } from '../../../runtime/index.js';
import { tensors, type OpImpl } from './types.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU as x·σ(v) with a written-out gradient: the runtime's (`src/runtime/`), shared with generated code. */
export const geluTanh = gelu;

/** The tanh approximation of GELU as written (the reference for {@link geluTanh}'s rewriting). */
export function geluTanhReference(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_CUBIC)), SQRT_2_OVER_PI);
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
