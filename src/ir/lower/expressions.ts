/**
 * Expressions other than calls: names (with enum-member hints and "did you mean"), unary and binary
 * operators (config arithmetic on numbers, elementwise ops on tensors) and field access.
 */
import type * as A from '../../syntax/ast.js';
import { didYouMean } from '../../util/did-you-mean.js';
import { OPERATOR_OPS } from '../ops/index.js';
import { COMPARISONS } from '../ops/comparison.js';
import { paramCount, type TensorValue } from '../types.js';
import { describeValue, ERROR, isNumber, type InexactDivision, type Value, type ValueOrigin } from '../values.js';
import { exprText } from './expr-text.js';
import type { Env, Hint, Lowering } from './lowering.js';
import { applyFunction, applyOp } from './op-context.js';
import { didYouMeanHelp, foreignLiteralHelp } from '../../diagnostics/suggest.js';

export function evalName(ev: Lowering, e: A.NameExpr, env: Env, hint: Hint): Value {
  if (e.name === '') return ERROR;
  const b = env.scope.lookup(e.name);
  // Where an enum value is expected, `gelu` is the enum member, not the global function.
  if ((hint.members?.includes(e.name) || (hint.symbols && !hint.members)) && b?.kind === 'global') return { kind: 'enum', name: e.name };
  if (b) {
    if (b.use) b.use.used = true;
    // `causal` is a value: each mention builds a fresh mask whose length its attention decides.
    if (b.value.kind === 'op' && b.value.op === OPERATOR_OPS.causal) return applyFunction(ev, OPERATOR_OPS.causal, [], e, env);
    return b.value;
  }
  if (e.name === 'params' && env.inExpect) {
    return { kind: 'int', value: paramsUnder(ev, env.prefix) };
  }
  if (hint.members?.includes(e.name) || hint.symbols) return { kind: 'enum', name: e.name };
  if (hint.members?.length && !env.later.has(e.name)) {
    // Where an enum is expected, an unknown bare name is most likely a misspelt member.
    ev.reporter.error('TFM4002', `\`${e.name}\` is not one of the allowed values`, { ...ev.ref(env, e), message: 'not a valid value here' }, {
      help: didYouMeanHelp(e.name, hint.members, ev.ref(env, e), `expected one of ${hint.members.map((m) => `\`${m}\``).join(', ')}`),
    });
    return ERROR;
  }
  const later = env.later.get(e.name);
  if (later) {
    (env.usedEarly ??= new Set()).add(e.name); // one report: the later binding is not also "never used"
    ev.reporter.error('TFM2003', `\`${e.name}\` is used before its definition`, ev.ref(env, e), {
      secondary: [{ ...later, message: `\`${e.name}\` is defined here, later` }],
      help: 'move the definition above its first use',
    });
    return ERROR;
  }
  const at = ev.ref(env, e);
  let help = foreignLiteralHelp(e.name, at);
  if (!help) {
    const candidates = env.scope.names();
    for (const m of hint.members ?? []) candidates.add(m);
    if (env.inExpect) candidates.add('params');
    help = didYouMeanHelp(e.name, candidates, at, hint.members?.length ? `expected one of ${hint.members.map((m) => `\`${m}\``).join(', ')}` : undefined);
    // The binding it misspells is meant to be used here: it is not also "never used".
    const meant = help?.edits ? env.scope.lookup(help.edits[0].text) : undefined;
    if (meant?.use) meant.use.used = true;
  }
  ev.reporter.error('TFM2001', `cannot find \`${e.name}\` in this scope`, { ...at, message: 'not found' }, { help });
  return ERROR;
}

function paramsUnder(ev: Lowering, prefix: string): number {
  let n = 0;
  for (const p of ev.graph.params.values()) {
    if (prefix === '' || p.name.startsWith(prefix + '.')) n += paramCount(p);
  }
  return n;
}

export function evalUnary(ev: Lowering, e: A.UnaryExpr, env: Env): Value {
  const v = ev.evalExpr(e.operand, env);
  if (v.kind === 'error') return ERROR;
  if (e.op === '-') {
    if (v.kind === 'int' || v.kind === 'float') return { kind: v.kind, value: -v.value };
    if (v.kind === 'tensor') return scalarOp(ev, v.tensor, 0, 'rsub', e, env);
  } else if (v.kind === 'bool') return { kind: 'bool', value: !v.value };
  // `!` on a tensor is mask complement; the op reports a tensor that is not a mask (TFM3009).
  else if (v.kind === 'tensor') return applyOp(ev, OPERATOR_OPS.maskNot, { a: v }, { a: ev.ref(env, e.operand) }, e, env);
  ev.reporter.error('TFM4001', `cannot apply \`${e.op}\` to ${describeValue(v)}`, ev.ref(env, e));
  return ERROR;
}

const NO_HINT: Hint = Object.freeze({});
const SYMBOLS: Hint = Object.freeze({ symbols: true });
/** The op behind an operator between two tensors. */
const TENSOR_OPS: Partial<Record<string, (typeof OPERATOR_OPS)[keyof typeof OPERATOR_OPS]>> = { '+': OPERATOR_OPS.add, '-': OPERATOR_OPS.sub, '*': OPERATOR_OPS.mul, '/': OPERATOR_OPS.div, '@': OPERATOR_OPS.matmul, '&': OPERATOR_OPS.maskAnd, '|': OPERATOR_OPS.maskOr };
/** The scalar op of `tensor ∘ number` and of `number ∘ tensor`. */
const SCALAR_RIGHT = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as const;
const SCALAR_LEFT = { '+': 'add', '-': 'rsub', '*': 'mul', '/': 'rdiv' } as const;

export function evalBinary(ev: Lowering, e: A.BinaryExpr, env: Env): Value {
  const l = ev.evalExpr(e.left, env);
  const r = ev.evalExpr(e.right, env, l.kind === 'enum' && (e.op === '==' || e.op === '!=') ? SYMBOLS : NO_HINT);
  if (l.kind === 'error' || r.kind === 'error') return ERROR;
  const op = e.op;
  if (l.kind === 'tensor' && r.kind === 'tensor') {
    const fn = TENSOR_OPS[op as string];
    if (fn) return applyOp(ev, fn, { a: l, b: r }, { a: ev.ref(env, e.left), b: ev.ref(env, e.right) }, e, env);
  }
  if (l.kind === 'tensor' && isNumber(r) && ['+', '-', '*', '/'].includes(op)) {
    return scalarOp(ev, l.tensor, r.value, SCALAR_RIGHT[op as '+'], e, env);
  }
  if (isNumber(l) && r.kind === 'tensor' && ['+', '-', '*', '/'].includes(op)) {
    return scalarOp(ev, r.tensor, l.value, SCALAR_LEFT[op as '+'], e, env);
  }
  if (isNumber(l) && isNumber(r)) return arith(ev, op, l, r, e, env);
  // `x > 0.0`, `ids == pad`, `region_q == region_k`: an elementwise comparison, a bool tensor.
  if (op in COMPARISONS && (l.kind === 'tensor' || r.kind === 'tensor') && (l.kind === 'tensor' || isNumber(l)) && (r.kind === 'tensor' || isNumber(r))) {
    return applyOp(ev, OPERATOR_OPS.compare, { a: l, b: r, op: { kind: 'string', value: COMPARISONS[op as keyof typeof COMPARISONS] } }, { a: ev.ref(env, e.left), b: ev.ref(env, e.right) }, e, env);
  }
  if (op === '==' || op === '!=') {
    const same = l.kind === r.kind && (l.kind === 'bool' || l.kind === 'enum' || l.kind === 'string');
    if (same) {
      const eq = (l.kind === 'enum' ? l.name : (l as { value: unknown }).value) === (r.kind === 'enum' ? r.name : (r as { value: unknown }).value);
      return { kind: 'bool', value: op === '==' ? eq : !eq };
    }
  }
  if ((op === '&&' || op === '||') && l.kind === 'bool' && r.kind === 'bool') {
    return { kind: 'bool', value: op === '&&' ? l.value && r.value : l.value || r.value };
  }
  const hint =
    op === '&'
      ? 'combine masks with `&`; combine conditions with `&&`'
      : op === '|'
        ? l.kind === 'bool' && r.kind === 'bool'
          ? 'combine conditions with `||`; `|` is the union of two masks'
          : 'unite masks with `|`; combine conditions with `||`'
        : op === '@'
          ? '`@` multiplies tensors'
          : undefined;
  ev.reporter.error('TFM4001', `cannot apply \`${op}\` to ${describeValue(l)} and ${describeValue(r)}`, { ...ev.ref(env, e), message: undefined }, {
    secondary: [
      { ...ev.ref(env, e.left), message: `this is ${describeValue(l)}` },
      { ...ev.ref(env, e.right), message: `this is ${describeValue(r)}` },
    ],
    help: hint,
  });
  return ERROR;
}

/**
 * Config arithmetic, refusing a result that is not the number it should be (TFM4008): infinity
 * or NaN (`10.0 ^ 400`, `(-8.0) ^ 0.5`), or an integer past 2^53 − 1, where a double stops
 * counting exactly (`2^53 + 1` would be 2^53).
 */
function arith(ev: Lowering, op: A.BinaryOp, l: { kind: 'int' | 'float'; value: number }, r: { kind: 'int' | 'float'; value: number }, e: A.BinaryExpr, env: Env): Value {
  const v = exactArith(ev, op, l, r, e, env);
  if ((v.kind === 'int' && !Number.isSafeInteger(v.value)) || (v.kind === 'float' && !Number.isFinite(v.value))) {
    const what = v.kind === 'int' ? 'an integer larger than 2^53 − 1 (9007199254740991), which cannot be represented exactly' : Number.isNaN(v.value) ? 'not a number (NaN)' : 'infinite';
    ev.reporter.error('TFM4008', `\`${exprText(e)}\` is ${what}`, { ...ev.ref(env, e), message: 'out of range' }, {
      secondary: [
        { ...ev.ref(env, e.left), message: `this is ${l.value}` },
        { ...ev.ref(env, e.right), message: `this is ${r.value}` },
      ],
      help: 'config arithmetic must stay finite, and integers within ±9_007_199_254_740_991',
    });
    return ERROR;
  }
  return v;
}

function exactArith(ev: Lowering, op: A.BinaryOp, l: { kind: 'int' | 'float'; value: number; origin?: ValueOrigin }, r: { kind: 'int' | 'float'; value: number; origin?: ValueOrigin }, e: A.BinaryExpr, env: Env): Value {
  const bothInt = l.kind === 'int' && r.kind === 'int';
  const a = l.value;
  const b = r.value;
  // A float made by an inexact integer division remembers it, for the error where a size is needed.
  const inherited = bothInt ? undefined : (l as { division?: InexactDivision }).division ?? (r as { division?: InexactDivision }).division;
  const num = (v: number): Value => (bothInt && Number.isInteger(v) ? { kind: 'int', value: v } : inherited ? { kind: 'float', value: v, division: inherited } : { kind: 'float', value: v });
  switch (op) {
    case '+':
      return num(a + b);
    case '-':
      return num(a - b);
    case '*':
      return num(a * b);
    case '/':
    case '%':
      if (b === 0) {
        ev.reporter.error('TFM4004', `division by zero: \`${exprText(e.right)}\` is 0`, ev.ref(env, e.right), {
          secondary: [{ ...ev.ref(env, e), message: 'in this expression' }],
        });
        return ERROR;
      }
      // `/` is exact: 512 / 8 is the integer 64; 512 / 6 is 85.33, which is not a valid size.
      if (op === '/' && bothInt && a % b !== 0) {
        const side = (x: A.Expr, v: { value: number; origin?: ValueOrigin }) => ({ name: exprText(x), value: v.value, origin: v.origin });
        return { kind: 'float', value: a / b, division: { x: side(e.left, l), y: side(e.right, r), at: ev.ref(env, e) } };
      }
      return op === '/' ? num(a / b) : num(((a % b) + b) % b);
    case '^':
      return bothInt && b >= 0 ? { kind: 'int', value: a ** b } : num(a ** b);
    case '<':
      return { kind: 'bool', value: a < b };
    case '<=':
      return { kind: 'bool', value: a <= b };
    case '>':
      return { kind: 'bool', value: a > b };
    case '>=':
      return { kind: 'bool', value: a >= b };
    case '==':
      return { kind: 'bool', value: a === b };
    case '!=':
      return { kind: 'bool', value: a !== b };
    default:
      ev.reporter.error('TFM4001', `cannot apply \`${op}\` to numbers`, ev.ref(env, e), {
        help: op === '&' || op === '|' || op === '&&' || op === '||' ? 'logical operators take booleans' : op === '@' ? '`@` multiplies tensors; use `*` for numbers' : undefined,
      });
      return ERROR;
  }
}

function scalarOp(ev: Lowering, t: TensorValue, value: number, op: string, e: A.Expr, env: Env): Value {
  return applyOp(ev, OPERATOR_OPS.scalar, { x: { kind: 'tensor', tensor: t }, value: { kind: 'float', value }, op: { kind: 'string', value: op } }, {}, e, env);
}

export function evalMember(ev: Lowering, e: A.MemberExpr, env: Env): Value {
  const v = ev.evalExpr(e.object, env);
  if (v.kind === 'error') return ERROR;
  if (v.kind === 'tensor' && v.fields && e.name.name in v.fields) return { kind: 'tensor', tensor: v.fields[e.name.name] };
  const fields = v.kind === 'tensor' && v.fields ? Object.keys(v.fields) : [];
  ev.reporter.error('TFM2001', `${describeValue(v)} has no field \`${e.name.name}\``, ev.ref(env, e.name), {
    help: fields.length ? didYouMeanHelp(e.name.name, fields, ev.ref(env, e.name), `its fields are ${fields.map((f) => `\`${f}\``).join(', ')}`) : undefined,
  });
  return ERROR;
}
