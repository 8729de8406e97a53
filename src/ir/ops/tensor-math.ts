/**
 * Elementwise math on float32 tensors, shape-preserving: `exp`, `log`, `rsqrt` (1/√x), `abs`,
 * `erf`, and `pow(x, exponent)`. (`sqrt` of a compile-time number is in `math.ts`; `rsqrt(x)` and
 * `pow(x, 0.5)` cover tensors.)
 */
import { functionOp } from './declare.js';
import { activation } from './activations.js';
import { numel, one } from './helpers.js';
import type { Kernels } from './kernel.js';

export const exp = activation('exp', 'eˣ, elementwise', 4);
export const log = activation('log', 'natural logarithm, elementwise', 4);
export const rsqrt = activation('rsqrt', '1 / √x, elementwise (RMS norms, attention scales)', 2);
export const abs = activation('abs', '|x|, elementwise', 1);
export const sin = activation('sin', 'sine, elementwise (position codes)', 4);
export const cos = activation('cos', 'cosine, elementwise (position codes)', 4);
export const erf = activation('erf', 'the error function, elementwise (exact GELU: 0.5·x·(1 + erf(x/√2)))', 8);

export const pow = functionOp('pow', 'xᵖ for a number p, elementwise', {
  args: {
    x: ['tensor', 'float32 tensor', { dtype: 'float32' }],
    exponent: ['float', 'the power p'],
  },
  apply: (ctx, { x, exponent }) => one(ctx, 'pow', [x], 'float32', x.shape, { exponent }),
  flops: ({ outputs }) => 4 * numel(outputs[0]),
});

/** tfjs and PyTorch both have each of these as one function. */
export const kernels: Kernels = {
  ...Object.fromEntries(
    (['exp', 'log', 'rsqrt', 'abs', 'erf', 'sin', 'cos'] as const).map((op) => [op, { tfjs: (k) => k.call(`tf.${op}`, k.input(0)), torch: (k) => `torch.${op}(${k.input(0)})` }]),
  ),
  pow: { tfjs: (k) => k.call('tf.pow', k.input(0), k.attr('exponent')), torch: (k) => `torch.pow(${k.input(0)}, ${k.float('exponent')})` },
};
