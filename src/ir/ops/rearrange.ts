/**
 * `rearrange(x, "batch seq (heads d_k) -> batch heads seq d_k")`: reshape and permute by axis
 * names, in one pattern (the notation of the einops library). Each side lists the axes, and a
 * parenthesised group is several axes merged into one. A name bound to an integer where the call
 * is (a config value or block parameter, like `heads`) is that size; every other name takes its
 * size from the input, at most one unknown per group (`(heads d_k)` of a 64-wide axis with 4
 * heads makes `d_k` 16). `1` is an axis of size 1. The result is the usual `reshape` and
 * `permute` nodes, so every backend already runs it.
 */
import { constDim, dimOp, renderDim, renderShape, resolve, unify, type Dim } from '../dims.js';
import { didYouMean } from '../../util/did-you-mean.js';
import type { TensorValue } from '../types.js';
import type { OpContext, Value } from '../values.js';
import { functionOp } from './declare.js';
import { ERROR } from './helpers.js';
import { emitReshape } from './reshape.js';

/** One side of a pattern: its items, each a group of names (a single axis is a group of one). */
type Side = string[][];

/** The two sides of a pattern, or what is wrong with it. */
export function parsePattern(pattern: string): { from: Side; to: Side } | string {
  const halves = pattern.split('->');
  if (halves.length !== 2) return 'write it as `"a b (c d) -> a c b d"`: the input\'s axes, `->`, the result\'s';
  const sides: Side[] = [];
  for (const half of halves) {
    const side: Side = [];
    let group: string[] | undefined;
    for (const token of half.match(/\(|\)|[A-Za-z_][A-Za-z0-9_]*|1|\S/g) ?? []) {
      if (token === '(') {
        if (group) return 'groups cannot nest';
        group = [];
      } else if (token === ')') {
        if (!group) return 'a `)` closes no group';
        side.push(group);
        group = undefined;
      } else if (/^([A-Za-z_]\w*|1)$/.test(token)) {
        if (group) group.push(token);
        else side.push([token]);
      } else return `\`${token}\` is not an axis name`;
    }
    if (group) return 'a `(` is never closed';
    const names = side.flat().filter((n) => n !== '1');
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) return `\`${twice}\` appears twice on one side: each name is one axis`;
    sides.push(side);
  }
  return { from: sides[0], to: sides[1] };
}

export const rearrange = functionOp('rearrange', 'Reshape and permute by axis names: `rearrange(x, "b t (h d) -> b h t d")`.', {
  args: {
    x: ['tensor', 'any tensor'],
    pattern: ['string', 'the input\'s axes `->` the result\'s, groups in parentheses'],
  },
  apply(ctx, { x, pattern }) {
    const parsed = parsePattern(pattern);
    const bad = (message: string, help?: string): Value => {
      ctx.error('TFM3008', message, { primary: ctx.argSource('pattern'), secondary: [ctx.shapeLabel(x)], help });
      return ERROR;
    };
    if (typeof parsed === 'string') return bad(`cannot read the pattern "${pattern}": ${parsed}`);
    const { from, to } = parsed;
    if (from.length !== x.shape.length) return bad(`the pattern names ${from.length} axes, but the input has rank ${x.shape.length}`, `the input is \`${renderShape(x.shape)}\`: one name or group per axis`);

    // Sizes: names bound where the call is, then what each input axis says.
    const size = new Map<string, Dim>();
    for (const [i, group] of from.entries()) {
      const sized = sizesOfGroup(ctx, x, i, group, size);
      if (typeof sized === 'string') return sized === '' ? ERROR : bad(sized);
    }
    const inputNames = from.flat().filter((n) => n !== '1');
    const outputNames = to.flat().filter((n) => n !== '1');
    const stray = outputNames.find((n) => !inputNames.includes(n));
    if (stray) {
      ctx.error('TFM3015', `\`${stray}\` in the result is not an axis of the input`, {
        primary: ctx.argSource('pattern'),
        secondary: [ctx.shapeLabel(x)],
        help: didYouMean(stray, inputNames) ?? `the input's axes are ${inputNames.map((n) => `\`${n}\``).join(', ')}`,
      });
      return ERROR;
    }
    const dropped = inputNames.find((n) => !outputNames.includes(n));
    if (dropped) return bad(`\`${dropped}\` is an axis of the input but not of the result`, `a rearrangement keeps every entry: reduce the axis first (\`sum\`, \`mean\`, \`take\`)`);

    // Elementary axes in input order, then in result order, then grouped as the result asks.
    let t: TensorValue | undefined = x;
    if (from.some((g) => g.length !== 1 || g[0] === '1')) t = emitReshape(ctx, x, inputNames.map((n) => size.get(n)!));
    if (!t) return ERROR;
    const order = outputNames.map((n) => inputNames.indexOf(n));
    if (order.some((a, i) => a !== i)) {
      const shape = order.map((a) => t!.shape[a]);
      [t] = ctx.emit('permute', [t], [{ dtype: t.dtype, shape }], { order });
    }
    if (to.some((g) => g.length !== 1 || g[0] === '1')) {
      const grouped = to.map((g) => g.reduce((p: Dim, n) => (n === '1' ? p : dimOp('*', p, size.get(n)!)), constDim(1)));
      t = emitReshape(ctx, t, grouped);
      if (!t) return ERROR;
    }
    return { kind: 'tensor', tensor: t };
  },
});

/**
 * Sizes the names of input axis `i`'s group: known names are checked against the axis, and the
 * one unknown name (if any) gets what is left. Returns a message for `bad`, '' once an error has
 * been reported, or undefined.
 */
function sizesOfGroup(ctx: OpContext, x: TensorValue, i: number, group: string[], size: Map<string, Dim>): string | undefined {
  const axis = x.shape[i];
  const sizes = group.map((n) => (n === '1' ? 1 : ctx.intNamed(n)));
  const unknown = group.filter((_, j) => sizes[j] === undefined);
  if (unknown.length > 1) return `\`${unknown.join('` and `')}\` share axis ${i} and neither has a size: set one (a config value or block parameter of that name)`;
  let known = 1;
  for (const [j, n] of group.entries()) {
    const v = sizes[j];
    if (v === undefined) continue;
    if (v <= 0) return `\`${n}\` is ${v}, not a size`;
    known *= v;
    size.set(n, constDim(v));
  }
  if (unknown.length === 1) {
    const rest = divide(axis, known);
    if (!rest) {
      ctx.error('TFM3013', `axis ${i} of size ${renderDim(axis)} does not split into ${group.join(' × ')}: ${renderDim(axis)} is not a multiple of ${known}`, {
        primary: ctx.argSource('pattern'),
        secondary: [ctx.shapeLabel(x)],
      });
      return '';
    }
    size.set(unknown[0], rest);
    return undefined;
  }
  if (!unify(axis, constDim(known))) {
    ctx.error('TFM3013', `axis ${i} is ${renderDim(axis)}, but \`${group.join(' ')}\` ${group.length === 1 ? 'is' : 'multiply to'} ${known}`, {
      primary: ctx.argSource('pattern'),
      secondary: [ctx.shapeLabel(x)],
    });
    return '';
  }
  return undefined;
}

/** `d / k` as a dimension when it divides exactly: a number, `d` itself for k = 1, or `n * c / k`. */
function divide(d: Dim, k: number): Dim | undefined {
  if (k === 1) return d;
  const r = resolve(d);
  if (r.kind === 'const') return r.value % k === 0 ? constDim(r.value / k) : undefined;
  if (r.kind === 'expr' && r.op === '*') {
    const c = resolve(r.right);
    if (c.kind === 'const' && c.value % k === 0) return dimOp('*', r.left, constDim(c.value / k));
  }
  return undefined;
}
