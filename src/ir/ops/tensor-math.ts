/**
 * Elementwise math on float32 tensors, shape-preserving: `exp`, `log`, `rsqrt` (1/√x), `abs`,
 * `erf`, and `pow(x, exponent)`. (`sqrt` of a compile-time number is in `math.ts`; `rsqrt(x)` and
 * `pow(x, 0.5)` cover tensors.)
 */
import { functionOp, isNumberArg } from './declare.js';
import { activation } from './activations.js';
import { numel, one, requireFloat, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const exp = numberOrTensor('exp', 'eˣ: of a compile-time number, or of a float32 tensor elementwise', 4, Math.exp);
export const log = numberOrTensor('log', 'natural logarithm: of a positive compile-time number, or of a float32 tensor elementwise', 4, (v) => (v > 0 ? Math.log(v) : undefined));

/** A function of numbers at compile time (`log(base)` in a config expression) and of tensors elementwise. */
function numberOrTensor(name: string, doc: string, cost: number, ofNumber: (v: number) => number | undefined) {
  return functionOp(name, doc, {
    args: { x: ['operand', 'a number, or a float32 tensor'] },
    apply(ctx, { x }) {
      if (!isNumberArg(x)) return requireFloat(ctx, x, 'x', name) ? one(ctx, name, [x], 'float32', x.shape) : ERROR;
      const v = ofNumber(x.value);
      if (v === undefined || !Number.isFinite(v)) {
        ctx.error('TFM4008', `\`${name}(${x.value})\` is not a finite number`, { primary: ctx.argSource('x') });
        return ERROR;
      }
      return { kind: 'float', value: v };
    },
    flops: ({ outputs }) => cost * numel(outputs[0]),
  });
}
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
