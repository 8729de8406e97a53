/** Elementwise ops: arithmetic, activations, math functions, comparisons, casts. */
import { GELU_CUBIC, GELU_K } from '../../../runtime/activations.js';
import type { LowerSite, Lowerings } from '../site.js';

const unary = (opType: string) => (k: LowerSite) => k.g.op(opType, [k.input(0)]);
const binary = (opType: string) => (k: LowerSite) => k.g.op(opType, [k.input(0), k.input(1)]);

/** A number as a scalar of the tensor's own dtype (an int32 tensor keeps its dtype). */
function scalarLike(k: LowerSite, v: number): string {
  return k.g.scalar(v, k.inValue(0).dtype === 'int32' ? 'int32' : 'float32');
}

const SCALAR: Record<string, { op: string; reversed: boolean }> = {
  add: { op: 'Add', reversed: false },
  sub: { op: 'Sub', reversed: false },
  rsub: { op: 'Sub', reversed: true },
  mul: { op: 'Mul', reversed: false },
  div: { op: 'Div', reversed: false },
  rdiv: { op: 'Div', reversed: true },
};

const COMPARE: Record<string, { op: string; not?: true }> = {
  less: { op: 'Less' },
  less_equal: { op: 'LessOrEqual' },
  greater: { op: 'Greater' },
  greater_equal: { op: 'GreaterOrEqual' },
  equal: { op: 'Equal' },
  not_equal: { op: 'Equal', not: true },
};

function compare(k: LowerSite, a: string, b: string): string {
  const form = COMPARE[String(k.attr('op'))] ?? k.unsupported(`unknown comparison \`${String(k.attr('op'))}\``);
  const out = k.g.op(form.op, [a, b]);
  return form.not ? k.g.op('Not', [out]) : out;
}

/** x·σ(v), v = GELU_K·(x + GELU_CUBIC·x³): the runtime's form of the tanh GELU. */
function geluTanh(k: LowerSite): string {
  const { g } = k;
  const x = k.input(0);
  const inner = g.op('Add', [g.op('Mul', [g.op('Mul', [x, x]), g.scalar(GELU_K * GELU_CUBIC)]), g.scalar(GELU_K)]);
  return g.op('Mul', [x, g.op('Sigmoid', [g.op('Mul', [x, inner])])]);
}

export const lowerings: Lowerings = {
  add: binary('Add'),
  sub: binary('Sub'),
  mul: binary('Mul'),
  div: binary('Div'),
  scalar: (k) => {
    const form = SCALAR[String(k.attr('op'))] ?? k.unsupported(`unknown scalar operation \`${String(k.attr('op'))}\``);
    const v = scalarLike(k, k.num('value'));
    return k.g.op(form.op, form.reversed ? [v, k.input(0)] : [k.input(0), v]);
  },
  relu: unary('Relu'),
  tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'),
  // Opset 17 has no Gelu: 0.5·x·(1 + erf(x/√2)).
  gelu: (k) => {
    const { g } = k;
    const x = k.input(0);
    const cdf = g.op('Mul', [g.op('Add', [g.op('Erf', [g.op('Mul', [x, g.scalar(Math.SQRT1_2)])]), g.scalar(1)]), g.scalar(0.5)]);
    return g.op('Mul', [x, cdf]);
  },
  gelu_tanh: geluTanh,
  silu: (k) => k.g.op('Mul', [k.input(0), k.g.op('Sigmoid', [k.input(0)])]),
  glu: (k) => {
    const [a, b] = k.g.node('Split', [k.input(0)], { axis: k.num('axis') }, 2);
    return k.g.op('Mul', [a, k.g.op('Sigmoid', [b])]);
  },
  exp: unary('Exp'),
  log: unary('Log'),
  sqrt: unary('Sqrt'),
  rsqrt: (k) => k.g.op('Reciprocal', [k.g.op('Sqrt', [k.input(0)])]),
  abs: unary('Abs'),
  erf: unary('Erf'),
  sin: unary('Sin'),
  cos: unary('Cos'),
  pow: (k) => k.g.op('Pow', [k.input(0), k.g.scalar(k.num('exponent'))]),
  dropout: (k) => k.g.op('Identity', [k.input(0)]),
  stop_gradient: (k) => k.g.op('Identity', [k.input(0)]),
  cast: (k) => {
    const to = String(k.attr('dtype'));
    const code = to === 'float32' ? 1 : to === 'int32' ? 6 : to === 'bool' ? 9 : k.unsupported(`casting to \`${to}\``);
    return k.g.op('Cast', [k.input(0)], { to: code });
  },
  compare: (k) => compare(k, k.input(0), k.input(1)),
  compare_scalar: (k) => {
    const value = k.num('value');
    const x = k.input(0);
    if (k.inValue(0).dtype === 'int32' && !Number.isInteger(value)) return compare(k, k.g.op('Cast', [x], { to: 1 }), k.g.scalar(value));
    return compare(k, x, scalarLike(k, value));
  },
  select: (k) => {
    const dtype = k.outValue(0).dtype === 'int32' ? 'int32' : 'float32';
    let i = 1;
    const side = (name: string) => {
      const v = k.attr(name);
      return v === undefined ? k.input(i++) : k.g.scalar(Number(v), dtype);
    };
    const a = side('a');
    const b = side('b');
    return k.g.op('Where', [k.input(0), a, b]);
  },
};
