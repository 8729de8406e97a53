/** The tensor primitives: reshapes, selection, reductions, counting, position tables and free parameters. */
import { constValue } from '../../../ir/dims.js';
import { sinusoidalTable } from '../tables.js';
import type { LowerSite, Lowerings } from '../site.js';
import { range } from './masks.js';

/** The end of a Slice that runs to the end of its axis. */
const TO_END = Number.MAX_SAFE_INTEGER;

function reduce(opType: 'ReduceMean' | 'ReduceMax') {
  return (k: LowerSite) => k.g.op(opType, [k.input(0)], { axes: [k.num('axis')], keepdims: k.attr('keepdims') === true ? 1 : 0 });
}

export const lowerings: Lowerings = {
  param: (k) => k.param('value'),
  // Each of `dims`: a size ≥ 0, −1 (inferred), or −(i + 2), the size of input axis i.
  reshape: (k) => {
    const { g } = k;
    const x = k.input(0);
    const dims = k.attr('dims') as number[];
    const parts = dims.map((d) => (d >= -1 ? g.ints([d]) : g.axisSize(x, -d - 2)));
    return g.op('Reshape', [x, g.op('Concat', parts, { axis: 0 })]);
  },
  // x's size-1 `axis` stretched to the size of like's `like_axis` (Expand broadcasts the ones).
  expand: (k) => {
    const { g } = k;
    const rank = k.inValue(0).shape.length;
    const axis = k.num('axis');
    const parts = Array.from({ length: rank }, (_, i) => (i === axis ? g.axisSize(k.input(1), k.num('like_axis')) : g.ints([1])));
    return g.op('Expand', [k.input(0), g.op('Concat', parts, { axis: 0 })]);
  },
  permute: (k) => k.g.op('Transpose', [k.input(0)], { perm: k.attr('order') as number[] }),
  slice: (k) => {
    const end = k.attr('end');
    return k.g.op('Slice', [k.input(0), k.g.ints([k.num('start')]), k.g.ints([end === undefined ? TO_END : Number(end)]), k.g.ints([k.num('axis')])]);
  },
  concat: (k) => k.g.op('Concat', k.node.inputs.map((_, i) => k.input(i)), { axis: k.num('axis') }),
  gather: (k) => k.g.op('Gather', [k.input(0), k.input(1)], { axis: k.num('axis') }),
  take: (k) => k.g.op('Gather', [k.input(0), k.g.scalar(k.num('index'), 'int64')], { axis: k.num('axis') }),
  // Rows of `source` added at the rows `index` names (rows named twice add up).
  index_add: (k) => {
    const { g } = k;
    const axis = k.num('axis');
    const rank = k.inValue(0).shape.length;
    const source = k.input(2);
    const lifted = g.op('Reshape', [k.input(1), g.ints(Array.from({ length: rank }, (_, i) => (i === axis ? -1 : 1)))]);
    const index = g.op('Expand', [lifted, g.op('Shape', [source])]);
    return g.op('ScatterElements', [k.input(0), index, source], { axis, reduction: 'add' });
  },
  mean: reduce('ReduceMean'),
  max: reduce('ReduceMax'),
  sum: (k) => k.g.op('ReduceSum', [k.input(0), k.g.ints([k.num('axis')])], { keepdims: k.attr('keepdims') === true ? 1 : 0 }),
  // Population variance (divided by n).
  var: (k) => {
    const { g } = k;
    const x = k.input(0);
    const axes = [k.num('axis')];
    const centred = g.op('Sub', [x, g.op('ReduceMean', [x], { axes, keepdims: 1 })]);
    return g.op('ReduceMean', [g.op('Mul', [centred, centred])], { axes, keepdims: k.attr('keepdims') === true ? 1 : 0 });
  },
  cumsum: (k) => k.g.op('CumSum', [k.input(0), k.g.scalar(k.num('axis'), 'int64')]),
  // Entry i moves to i + shift (mod n): the last s entries, then the rest.
  roll: (k) => {
    const { g } = k;
    const x = k.input(0);
    const axis = k.num('axis');
    const n = g.axisSize(x, axis);
    const s = g.op('Mod', [g.op('Add', [g.op('Mod', [g.ints([k.num('shift')]), n]), n]), n]);
    const cut = g.op('Sub', [n, s]);
    const axes = g.ints([axis]);
    const tail = g.op('Slice', [x, cut, g.ints([TO_END]), axes]);
    const head = g.op('Slice', [x, g.ints([0]), cut, axes]);
    return g.op('Concat', [tail, head], { axis });
  },
  top_k: (k) => {
    const [values, indices] = k.g.node('TopK', [k.input(0), k.g.ints([k.num('k')])], { axis: -1, largest: 1, sorted: 1 }, 2);
    return [values, k.g.op('Cast', [indices], { to: 6 })];
  },
  // An id outside 0 … num − 1 gives zeros, as in the runtime.
  one_hot: (k) => {
    const { g } = k;
    const classes = g.constant(Array.from({ length: k.num('num') }, (_, i) => i), [k.num('num')], 'int32');
    return g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [k.input(0), g.ints([-1])]), classes])], { to: 1 });
  },
  // Token t + 1 at position t; the last position holds `fill`.
  shift_left: (k) => {
    const { g } = k;
    const ids = k.input(0);
    const rest = g.op('Slice', [ids, g.ints([1]), g.ints([TO_END]), g.ints([1])]);
    const fill = g.op('Expand', [g.constant([k.num('fill')], [1, 1], 'int32'), g.op('Concat', [g.axisSize(ids, 0), g.ints([1])], { axis: 0 })]);
    return g.op('Concat', [rest, fill], { axis: 1 });
  },
  arange: (k) => {
    const n = k.num('n');
    const start = k.num('start');
    return k.g.constant(Array.from({ length: n }, (_, i) => start + i), [n], 'int32');
  },
  positions: (k) => k.g.op('Cast', [range(k.g, k.g.axisSize(k.input(0), k.num('axis')), k.num('offset', 0))], { to: 6 }),
  // Rows `first … first + T` of the table (learned, or the fixed sinusoidal one of `max_len` rows).
  position_embedding: (k) => {
    const { g } = k;
    const first = k.num('offset', 0);
    const length = g.axisSize(k.input(0), 1);
    let table: string;
    if (k.attr('kind') === 'sinusoidal') {
      const out = k.outValue(0).shape;
      const dim = constValue(out[out.length - 1]) ?? k.unsupported('the width of a sinusoidal table is not known');
      const rows = k.num('max_len') + first;
      table = g.constant(sinusoidalTable(rows, dim), [rows, dim], 'float32');
    } else {
      table = k.param('weight');
    }
    return g.op('Slice', [table, g.ints([first]), g.op('Add', [length, g.ints([first])]), g.ints([0])]);
  },
};
