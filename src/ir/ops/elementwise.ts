/**
 * Elementwise arithmetic with broadcasting (`+ - * /` between tensors, or a tensor and a number),
 * as in NumPy: shapes are aligned on the right and a size of 1 stretches. A mismatch names the
 * dimension and where each side's size came from — the residual-connection error.
 */
import { renderDim, renderShape, unifyBroadcast, type Dim } from '../dims.js';
import { functionOp } from './declare.js';
import { inputLabels, numel, one, originLabels, ERROR } from './helpers.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import type { Kernels } from './kernel.js';

const VERB: Record<string, string> = { add: 'add', sub: 'subtract', mul: 'multiply', div: 'divide' };

export function broadcastShapes(ctx: OpContext, a: TensorValue, b: TensorValue, verb: string): Dim[] | undefined {
  const n = Math.max(a.shape.length, b.shape.length);
  const out = new Array<Dim>(n); // kept in the IR: made at its length
  for (let i = 0; i < n; i++) {
    const x = a.shape[a.shape.length - n + i];
    const y = b.shape[b.shape.length - n + i];
    if (x === undefined || y === undefined) {
      out[i] = (x ?? y) as Dim;
      continue;
    }
    const r = unifyBroadcast(x, y);
    if (!r.ok) {
      const axis = i - n; // negative: counted from the end, stable across ranks
      const axisName = axis === -1 ? 'the last axis' : a.shape.length === b.shape.length ? `axis ${i}` : axis === -2 ? 'the second-to-last axis' : `axis ${axis} (from the end)`;
      ctx.error('TFM3001', `cannot ${verb} \`${renderShape(a.shape)}\` and \`${renderShape(b.shape)}\``, {
        primary: { ...ctx.callSite, message: `${axisName} differs: ${renderDim(x)} vs ${renderDim(y)}` },
        secondary: [ctx.shapeLabel(a), ctx.shapeLabel(b), ...originLabels(x, y)],
        help: verb === 'add' ? 'a residual connection needs both sides to have the same shape: check the widths of the layers on each path' : undefined,
      });
      return undefined;
    }
    out[i] = r.result;
  }
  return out;
}

function binary(op: 'add' | 'sub' | 'mul' | 'div') {
  return functionOp(op, `Elementwise ${VERB[op]} with broadcasting.`, {
    operator: true,
    args: {
      a: ['tensor', 'left operand'],
      b: ['tensor', 'right operand'],
    },
    apply(ctx, { a, b }) {
      for (const [t, side] of [[a, 'left'], [b, 'right']] as const) {
        if (t.dtype === 'mask' || t.dtype === 'bool') {
          ctx.error('TFM3009', `cannot ${VERB[op]} ${t.dtype === 'mask' ? 'a mask' : 'booleans'} (the ${side} side)`, {
            ...inputLabels(ctx, t, side === 'left' ? 'a' : 'b', `this is a ${t.dtype}`),
            help: t.dtype === 'mask' ? 'masks are applied to attention scores with `masked(scores, mask)`; combine masks with `&`' : undefined,
          });
          return ERROR;
        }
      }
      if (a.dtype !== b.dtype) {
        ctx.error('TFM3009', `cannot ${VERB[op]} ${a.dtype} and ${b.dtype}`, {
          secondary: [ctx.shapeLabel(a, `this is ${a.dtype}`), ctx.shapeLabel(b, `this is ${b.dtype}`)],
          help: a.dtype === 'int32' || b.dtype === 'int32' ? 'token ids must be embedded before they are combined with features' : undefined,
        });
        return ERROR;
      }
      const shape = broadcastShapes(ctx, a, b, VERB[op]);
      if (!shape) return ERROR;
      return one(ctx, op, [a, b], a.dtype, shape);
    },
    flops: ({ outputs }) => numel(outputs[0]),
  });
}

export const add = binary('add');
export const sub = binary('sub');
export const mul = binary('mul');
export const div = binary('div');

/** `x * 2.0`, `scores / sqrt(d_k)`, `1 - x`: a tensor with a compile-time number. */
export const scalar = functionOp('scalar', 'Elementwise arithmetic between a tensor and a number.', {
  operator: true,
  args: {
    x: ['tensor', 'the tensor'],
    value: ['float', 'the number'],
    op: ['string', 'add | sub | rsub | mul | div | rdiv'],
  },
  apply(ctx, { x, value, op }) {
    if (x.dtype === 'mask' || x.dtype === 'bool') {
      ctx.error('TFM3009', `cannot do arithmetic on a ${x.dtype}`, inputLabels(ctx, x, 'x', `this is a ${x.dtype}`));
      return ERROR;
    }
    const dtype = x.dtype === 'int32' && Number.isInteger(value) && op !== 'div' && op !== 'rdiv' ? 'int32' : 'float32';
    if (x.dtype === 'int32' && dtype !== 'int32') {
      ctx.error('TFM3009', 'cannot mix integer token ids with fractional numbers', inputLabels(ctx, x, 'x', 'this is int32'));
      return ERROR;
    }
    return one(ctx, 'scalar', [x], dtype, x.shape, { op, value });
  },
  flops: ({ outputs }) => numel(outputs[0]),
});

const PY_OPERATOR = { add: '+', sub: '-', mul: '*', div: '/' } as const;
const STEMS = { add: 'sum', sub: 'difference', mul: 'product', div: 'quotient' } as const;

/** `scalar`'s operations: which tfjs function, and whether the number comes first (`rsub`: value − x). */
const SCALAR_FORMS: Record<string, { fn: 'add' | 'sub' | 'mul' | 'div'; reversed: boolean }> = {
  add: { fn: 'add', reversed: false },
  sub: { fn: 'sub', reversed: false },
  rsub: { fn: 'sub', reversed: true },
  mul: { fn: 'mul', reversed: false },
  div: { fn: 'div', reversed: false },
  rdiv: { fn: 'div', reversed: true },
};

export const kernels: Kernels = {
  ...Object.fromEntries(
    (['add', 'sub', 'mul', 'div'] as const).map((op) => [
      op,
      {
        tfjs: (k) => k.call(`tf.${op}`, k.input(0), k.input(1)),
        keepsRows: true,
        torch: (k) => `${k.input(0)} ${PY_OPERATOR[op]} ${k.input(1)}`,
        stem: STEMS[op],
      },
    ]),
  ),
  scalar: {
    tfjs: (k) => {
      const form = SCALAR_FORMS[String(k.value('op'))] ?? k.fail(`unknown scalar operation \`${String(k.value('op'))}\``);
      // An int32 tensor keeps its dtype: the number becomes an int32 scalar.
      const value = k.inputs[0].dtype === 'int32' ? k.call('tf.scalar', k.attr('value'), k.literal('int32')) : k.attr('value');
      return form.reversed ? k.call(`tf.${form.fn}`, value, k.input(0)) : k.call(`tf.${form.fn}`, k.input(0), value);
    },
    keepsRows: true,
    torch: (k) => {
      const form = SCALAR_FORMS[String(k.value('op'))] ?? k.fail(`unknown scalar operation \`${String(k.value('op'))}\``);
      const v = k.outputs[0].dtype === 'int32' ? k.int('value') : k.float('value');
      const op = PY_OPERATOR[form.fn];
      return form.reversed ? `${v} ${op} ${k.input(0)}` : `${k.input(0)} ${op} ${v}`;
    },
    stem: 'scaled',
  },
};
