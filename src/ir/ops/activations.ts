/** Elementwise activations on float32 tensors; shape-preserving. */
import { functionOp } from './declare.js';
import { numel, one } from './helpers.js';
import type { Kernels } from './kernel.js';

function activation(name: string, doc: string, cost: number) {
  return functionOp(name, doc, {
    args: { x: ['tensor', 'float32 tensor', { dtype: 'float32' }] },
    apply: (ctx, { x }) => one(ctx, name, [x], 'float32', x.shape),
    flops: ({ outputs }) => cost * numel(outputs[0]),
  });
}

export const relu = activation('relu', 'max(x, 0)', 1);
export const gelu = activation('gelu', 'Gaussian error linear unit (tanh approximation as in BERT/GPT-2)', 8);
export const silu = activation('silu', 'x · sigmoid(x) (a.k.a. swish; SwiGLU\'s gate)', 4);
export const tanh = activation('tanh', 'hyperbolic tangent', 4);
export const sigmoid = activation('sigmoid', 'logistic sigmoid', 4);

/** relu, tanh and sigmoid are tfjs's own; gelu (tanh form) and silu are the runtime's. */
export const kernels: Kernels = Object.fromEntries(
  (['relu', 'gelu', 'silu', 'tanh', 'sigmoid'] as const).map((op) => [
    op,
    {
      tfjs: (k) => k.call(op === 'gelu' || op === 'silu' ? op : `tf.${op}`, k.input(0)),
      torch: (k) => `rt.${op}(${k.input(0)})`,
      stem: 'activated',
    },
  ]),
);
