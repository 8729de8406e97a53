/** Elementwise activations on float32 tensors; shape-preserving. */
import { one, requireFloat, tensor, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

function activation(name: string, doc: string, cost: number): FunctionOpDef {
  return {
    kind: 'function',
    name,
    doc,
    args: [{ name: 'x', type: 'tensor', doc: 'float32 tensor' }],
    apply(ctx, args) {
      const x = tensor(args.x);
      if (!x || !requireFloat(ctx, x, 'x', name)) return ERROR;
      return one(ctx, name, [x], 'float32', x.shape);
    },
    flops: ({ outputs }) => cost * outputs[0].reduce((a, b) => a * b, 1),
  };
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
