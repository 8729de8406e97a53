/**
 * Comparisons and selection: `a < b`, `x >= 0.0`, `ids == pad` give a bool tensor (with
 * broadcasting, a number on either side), and `select(cond, a, b)` picks from `a` where `cond`
 * holds and from `b` elsewhere — a shifted-window mask as an additive bias is
 * `select(region_q == region_k, 0.0, -100.0)`. `cast(cond, float32)` gives 1 and 0.
 */
import { type Dim } from '../dims.js';
import type { DType, TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import { functionOp, isNumberArg, type NumberArg } from './declare.js';
import { broadcastShapes } from './elementwise.js';
import { inputLabels, numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

/** The comparison operators by the name the IR gives them. */
export const COMPARISONS = { '<': 'less', '<=': 'less_equal', '>': 'greater', '>=': 'greater_equal', '==': 'equal', '!=': 'not_equal' } as const;
const TORCH_OPERATOR: Record<string, string> = Object.fromEntries(Object.entries(COMPARISONS).map(([sym, name]) => [name, sym]));

/** Numbers and int32/float32 tensors compare; masks and bools do not. */
function comparable(ctx: OpContext, v: TensorValue | NumberArg, arg: string, what: string): boolean {
  if (isNumberArg(v) || v.dtype === 'float32' || v.dtype === 'int32') return true;
  ctx.error('TFM3009', `cannot compare ${v.dtype === 'mask' ? 'a mask' : 'booleans'} (${what})`, {
    ...inputLabels(ctx, v, arg, `this is a ${v.dtype}`),
    help: v.dtype === 'mask' ? 'masks combine with `&`, `|` and `!`' : 'pick with `select(cond, a, b)`, or `cast` the condition to float32',
  });
  return false;
}

export const compare = functionOp('compare', 'Elementwise comparison with broadcasting: a bool tensor.', {
  operator: true,
  shownAs: 'a comparison',
  args: {
    a: ['operand', 'left side'],
    b: ['operand', 'right side'],
    op: ['string', 'less | less_equal | greater | greater_equal | equal | not_equal'],
  },
  apply(ctx, { a, b, op }) {
    if (!comparable(ctx, a, 'a', 'the left side') || !comparable(ctx, b, 'b', 'the right side')) return ERROR;
    if (!isNumberArg(a) && !isNumberArg(b) && a.dtype !== b.dtype) {
      ctx.error('TFM3009', `cannot compare ${a.dtype} with ${b.dtype}`, {
        secondary: [ctx.shapeLabel(a, `this is ${a.dtype}`), ctx.shapeLabel(b, `this is ${b.dtype}`)],
        help: '`cast` one side so both have one dtype',
      });
      return ERROR;
    }
    if (isNumberArg(a) || isNumberArg(b)) {
      if (isNumberArg(a) && isNumberArg(b)) return ERROR; // two numbers compare at compile time, never here
      const [t, n, flipped] = isNumberArg(a) ? [b as TensorValue, a, true] : [a, b as NumberArg, false];
      return one(ctx, 'compare_scalar', [t], 'bool', t.shape, { op: flipped ? FLIPPED[op] : op, value: n.value });
    }
    const shape = broadcastShapes(ctx, a, b, 'compare');
    if (!shape) return ERROR;
    return one(ctx, 'compare', [a, b], 'bool', shape, { op });
  },
  flops: ({ outputs }) => numel(outputs[0]),
});

/** `2 < x` is `x > 2`: the scalar form keeps the tensor on the left. */
const FLIPPED: Record<string, string> = { less: 'greater', less_equal: 'greater_equal', greater: 'less', greater_equal: 'less_equal', equal: 'equal', not_equal: 'not_equal' };

export const select = functionOp('select', '`a` where `cond` holds, `b` elsewhere, with broadcasting; `a` and `b` may be numbers.', {
  args: {
    cond: ['tensor', 'a bool tensor (a comparison)'],
    a: ['operand', 'taken where `cond` is true'],
    b: ['operand', 'taken where `cond` is false'],
  },
  apply(ctx, { cond, a, b }) {
    if (cond.dtype !== 'bool') {
      ctx.error('TFM3009', `\`select\` needs a bool condition, but this is ${cond.dtype === 'mask' ? 'a mask' : cond.dtype}`, {
        ...inputLabels(ctx, cond, 'cond', `this is ${cond.dtype}`),
        help: cond.dtype === 'mask' ? 'a mask is applied to scores with `masked(scores, mask)`' : 'compare to get a condition: `select(x > 0.0, x, 0.0)`',
      });
      return ERROR;
    }
    const tensors = ([['a', a], ['b', b]] as const).filter((p): p is readonly ['a' | 'b', TensorValue] => !isNumberArg(p[1]));
    for (const [arg, t] of tensors) {
      if (t.dtype !== 'float32' && t.dtype !== 'int32') {
        ctx.error('TFM3009', `\`select\` picks int32 or float32 values, but \`${arg}\` is ${t.dtype === 'mask' ? 'a mask' : t.dtype}`, inputLabels(ctx, t, arg, `this is ${t.dtype}`));
        return ERROR;
      }
    }
    if (tensors.length === 2 && tensors[0][1].dtype !== tensors[1][1].dtype) {
      ctx.error('TFM3009', `\`select\` picks from ${tensors[0][1].dtype} and ${tensors[1][1].dtype}`, {
        secondary: [ctx.shapeLabel(tensors[0][1], `this is ${tensors[0][1].dtype}`), ctx.shapeLabel(tensors[1][1], `this is ${tensors[1][1].dtype}`)],
        help: '`cast` one side so both have one dtype',
      });
      return ERROR;
    }
    // Two numbers pick int32 values when both are written as integers (`select(c, 1, 0)`).
    const dtype: DType = tensors[0]?.[1].dtype ?? (isNumberArg(a) && isNumberArg(b) && !a.float && !b.float ? 'int32' : 'float32');
    for (const [arg, v] of [['a', a], ['b', b]] as const) {
      if (isNumberArg(v) && dtype === 'int32' && !Number.isInteger(v.value)) {
        ctx.error('TFM3009', `\`select\` picks int32 values here, but ${v.value} is not whole`, { primary: ctx.argSource(arg) });
        return ERROR;
      }
    }
    let shape: Dim[] = cond.shape;
    for (const [, t] of tensors) {
      const s = broadcastShapes(ctx, { ...cond, shape }, t, 'select between');
      if (!s) return ERROR;
      shape = s;
    }
    const inputs = [cond, ...tensors.map(([, t]) => t)];
    const attrs: Record<string, number> = {};
    if (isNumberArg(a)) attrs.a = a.value;
    if (isNumberArg(b)) attrs.b = b.value;
    return one(ctx, 'select', inputs, dtype, shape, attrs);
  },
  flops: ({ outputs }) => numel(outputs[0]),
});

export const kernels: Kernels = {
  compare: {
    tfjs: (k) => k.call('compare', k.input(0), k.input(1), k.literal(String(k.value('op')))),
    torch: (k) => `(${k.input(0)} ${TORCH_OPERATOR[String(k.value('op'))]} ${k.input(1)})`,
    stem: 'holds',
  },
  compare_scalar: {
    tfjs: (k) => k.call('compareScalar', k.input(0), k.attr('value'), k.literal(String(k.value('op')))),
    torch: (k) => `(${k.input(0)} ${TORCH_OPERATOR[String(k.value('op'))]} ${k.float('value')})`,
    stem: 'holds',
  },
  select: {
    // Numbers are attributes; the runtime stretches all three to the result's shape.
    tfjs: (k) => {
      let i = 1;
      const side = (name: string) => (k.value(name) === undefined ? k.input(i++) : k.attr(name));
      const a = side('a');
      const b = side('b');
      return k.call('select', k.input(0), a, b, k.literal(k.outputs[0].dtype));
    },
    torch: (k) => {
      let i = 1;
      const side = (name: string) => (k.value(name) === undefined ? k.input(i++) : `torch.tensor(${k.outputs[0].dtype === 'int32' ? k.int(name) : k.float(name)})`);
      const a = side('a');
      const b = side('b');
      return `torch.where(${k.input(0)}, ${a}, ${b})`;
    },
    stem: 'picked',
  },
};
