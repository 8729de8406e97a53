/**
 * Masks and `masked`, as the runtime builds them (`src/runtime/masks.ts`): a mask becomes a bool
 * `[B | 1, Tq | 1, Tk]` tensor where it meets the scores, sized from them at run time.
 */
import { BLOCKED_SCORE } from '../../../runtime/core.js';
import type { OnnxGraph } from '../graph.js';
import type { LowerSite, Lowerings, MaskBuilder } from '../site.js';

/** int64 `[n]` positions 0 … n − 1 for an int64 `[1]` size. */
export function range(g: OnnxGraph, size: string, start = 0): string {
  const begin = g.scalar(start, 'int64');
  return g.op('Range', [begin, g.toScalar(start === 0 ? size : g.op('Add', [size, g.ints([start])])), g.scalar(1, 'int64')]);
}

/**
 * A `[1, tq, tk]` mask from the absolute positions of the queries (`rows`, `[tq, 1]`: the last
 * `tq` of `tk`) and of the keys (`cols`, `[1, tk]`).
 */
function positional(g: OnnxGraph, allow: (rows: string, cols: string) => string): MaskBuilder {
  return (tq, tk) => {
    const rows = g.op('Unsqueeze', [g.op('Add', [range(g, tq), g.op('Sub', [tk, tq])]), g.ints([1])]);
    const cols = g.op('Unsqueeze', [range(g, tk), g.ints([0])]);
    return g.op('Unsqueeze', [allow(rows, cols), g.ints([0])]);
  };
}

/** A bool tensor given as a mask: fits any scores (its shape was checked against them). */
function dataMask(k: LowerSite): MaskBuilder {
  const data = k.input(0);
  const dtype = k.inValue(0).dtype;
  const m = dtype === 'bool' || dtype === 'mask' ? data : k.g.op('Not', [k.g.op('Equal', [data, k.g.scalar(0, dtype === 'int32' ? 'int32' : 'float32')])]);
  return () => m;
}

export const lowerings: Lowerings = {
  causal_mask: (k) => ({ mask: positional(k.g, (rows, cols) => k.g.op('LessOrEqual', [cols, rows])) }),
  window_mask: (k) => {
    const w = k.g.ints([k.num('w')]);
    return { mask: positional(k.g, (rows, cols) => k.g.op('And', [k.g.op('LessOrEqual', [cols, rows]), k.g.op('Greater', [cols, k.g.op('Sub', [rows, w])])])) };
  },
  // In a full forward pass no position was computed before the prefix ends.
  prefix_mask: (k) => {
    const len = k.g.ints([k.num('len')]);
    return { mask: positional(k.g, (rows, cols) => k.g.op('Or', [k.g.op('LessOrEqual', [cols, rows]), k.g.op('Less', [cols, len])])) };
  },
  padding_mask: (k) => {
    const m = k.g.op('Unsqueeze', [k.g.op('Not', [k.g.op('Equal', [k.input(0), k.g.scalar(k.num('pad'), 'int32')])]), k.g.ints([1])]);
    return { mask: () => m };
  },
  lengths_mask: (k) => {
    const lengths = k.g.op('Reshape', [k.g.op('Cast', [k.input(0)], { to: 7 }), k.g.ints([-1, 1, 1])]);
    return { mask: (_tq, tk) => k.g.op('Less', [k.g.op('Reshape', [range(k.g, tk), k.g.ints([1, 1, -1])]), lengths]) };
  },
  segment_mask: (k) => {
    const ids = k.input(0);
    return {
      mask: (tq, tk) => {
        // The queries are the last tq positions.
        const queries = k.g.op('Slice', [ids, k.g.op('Sub', [tk, tq]), k.g.ints([Number.MAX_SAFE_INTEGER]), k.g.ints([1])]);
        return k.g.op('Equal', [k.g.op('Unsqueeze', [queries, k.g.ints([2])]), k.g.op('Unsqueeze', [ids, k.g.ints([1])])]);
      },
    };
  },
  mask_input: (k) => ({ mask: dataMask(k) }),
  mask_and: (k) => {
    const [a, b] = [k.mask(0), k.mask(1)];
    return { mask: (tq, tk) => k.g.op('And', [a(tq, tk), b(tq, tk)]) };
  },
  mask_or: (k) => {
    const [a, b] = [k.mask(0), k.mask(1)];
    return { mask: (tq, tk) => k.g.op('Or', [a(tq, tk), b(tq, tk)]) };
  },
  mask_not: (k) => {
    const a = k.mask(0);
    return { mask: (tq, tk) => k.g.op('Not', [a(tq, tk)]) };
  },
  /**
   * Scores `[B, H, Tq, Tk]` plus 0 / −1e9, and the float `[B | 1, 1, Tq | 1, 1]` record of rows
   * left with a key (a softmax over the keys multiplies by it, so a fully blocked row is zeros).
   */
  masked: (k) => {
    const { g } = k;
    const scores = k.input(0);
    const m = k.mask(1)(g.axisSize(scores, 2), g.axisSize(scores, 3));
    const allowed = g.op('Cast', [g.op('Unsqueeze', [m, g.ints([1])])], { to: 1 });
    const bias = g.op('Mul', [g.op('Sub', [g.scalar(1), allowed]), g.scalar(BLOCKED_SCORE)]);
    const rows = g.op('ReduceMax', [allowed], { axes: [-1], keepdims: 1 });
    return { tensor: g.op('Add', [scores, bias]), rows };
  },
};
