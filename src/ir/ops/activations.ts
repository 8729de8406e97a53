/** Elementwise activations on float32 tensors; shape-preserving. */
import { dimOp, constDim, renderDim } from '../dims.js';
import { functionOp } from './declare.js';
import { axisIndex, known, numel, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

/** An elementwise float32 function, shape-preserving; `cost` is its FLOPs per element (also used by `tensor-math.ts`). */
export function activation(name: string, doc: string, cost: number) {
  return functionOp(name, doc, {
    args: { x: ['tensor', 'float32 tensor', { dtype: 'float32' }] },
    apply: (ctx, { x }) => one(ctx, name, [x], 'float32', x.shape),
    flops: ({ outputs }) => cost * numel(outputs[0]),
  });
}

export const relu = activation('relu', 'max(x, 0)', 1);
export const gelu = activation('gelu', 'Gaussian error linear unit, exact: 0.5·x·(1 + erf(x/√2)) (BERT, ViT, Whisper; PyTorch\'s `F.gelu(x)`)', 8);
export const geluTanh = activation('gelu_tanh', 'GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (GPT-2; PyTorch\'s `F.gelu(x, approximate=\'tanh\')`)', 8);
export const silu = activation('silu', 'x · sigmoid(x) (a.k.a. swish; SwiGLU\'s gate)', 4);
export const tanh = activation('tanh', 'hyperbolic tangent', 4);
export const sigmoid = activation('sigmoid', 'logistic sigmoid', 4);

export const glu = functionOp('glu', 'Gated linear unit: halves `axis` into a and b, gives a · sigmoid(b) (PyTorch\'s `F.glu`)', {
  args: {
    x: ['tensor', 'float32 tensor', { dtype: 'float32' }],
    axis: ['int', 'the axis to halve (its size must be even)', -1],
  },
  apply(ctx, { x, axis }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    const size = known(x.shape[a]);
    if (size === undefined || size % 2 !== 0) {
      const labels = shapeLabels(ctx, x, 'x');
      ctx.error('TFM3013', `\`glu\` halves axis ${axis}, but its size ${renderDim(x.shape[a])} is ${size === undefined ? 'not known to be even' : 'odd'}`, {
        ...labels,
        help: 'the axis holds the values and their gates side by side: give it an even, known size (a `Linear(2 * d)` before `glu`)',
      });
      return ERROR;
    }
    return one(ctx, 'glu', [x], 'float32', x.shape.map((d, i) => (i === a ? dimOp('floordiv', d, constDim(2)) : d)), { axis: a });
  },
  flops: ({ outputs }) => 5 * numel(outputs[0]),
});

/** relu, tanh and sigmoid are tfjs's own; gelu (exact), gelu_tanh and silu are the runtime's (`gelu`, `geluTanh`, `silu`). */
const RUNTIME_FUNCTION: Partial<Record<string, string>> = { gelu: 'gelu', gelu_tanh: 'geluTanh', silu: 'silu' };

export const kernels: Kernels = {
  ...Object.fromEntries(
  (['relu', 'gelu', 'gelu_tanh', 'silu', 'tanh', 'sigmoid'] as const).map((op) => [
    op,
    {
      tfjs: (k) => k.call(RUNTIME_FUNCTION[op] ?? `tf.${op}`, k.input(0)),
      torch: (k) => `rt.${op}(${k.input(0)})`,
      stem: 'activated',
    },
  ]),
  ),
  glu: {
    tfjs: (k) => k.call('glu', k.input(0), k.attr('axis')),
    torch: (k) => `rt.glu(${k.input(0)}, ${k.int('axis')})`,
    stem: 'gated',
  },
};
