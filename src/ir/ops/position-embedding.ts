/**
 * `PositionEmbedding(max_len, dim, kind: learned | sinusoidal, offset: 0)` applied to ids `[B, T]`
 * or features `[B, T, d]` gives the position vectors `[T, dim]` (broadcast over the batch when
 * added) of positions `offset … offset + T − 1` (OPT's learned table starts at row 2).
 * Sinusoidal: sin on even, cos on odd dimensions (Vaswani et al. 2017), no parameters.
 * The sequence length must provably fit the table (`where seq <= ctx`).
 */
import { constDim, constValue, dimSymbols, evalDim, renderDim, resolve } from '../dims.js';
import { layerOp } from './declare.js';
import { ERROR, one } from './helpers.js';
import type { Dim } from '../dims.js';
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';
import type { Kernels, KernelSite } from './kernel.js';

export const positionEmbedding = layerOp('PositionEmbedding', 'Absolute positions for a sequence: `[B, T, ...]` → `[T, dim]`.', {
  config: {
    max_len: ['int', 'rows of the table: the longest sequence'],
    dim: ['int', 'vector size'],
    kind: [['learned', 'sinusoidal'], 'learned table or fixed sinusoids', 'learned'],
    offset: ['int', 'index of the first position: a learned table has `max_len + offset` rows (OPT: 2)', 0],
  },
  inputs: { x: ['tensor', 'ids `[B, T]` or features `[B, T, d]`: only the length is used', { rank: { min: 2 }, shape: '`[batch, seq, ...]`' }] },
  apply(ctx, { max_len: maxLen, dim, kind, offset }, { x }) {
    if (offset < 0) {
      ctx.error('TFM4008', `a position offset cannot be negative, got ${offset}`, { primary: { ...ctx.argSource('offset'), message: 'must be 0 or more' } });
      return ERROR;
    }
    const seq = x.shape[1];
    checkFitsTable(ctx, x, seq, maxLen, 'max_len');
    const params: Record<string, string> = {};
    if (kind === 'learned') params.weight = ctx.param('weight', [maxLen + offset, dim], 'normal');
    // `offset` is an attribute only when set, so the IR (and code) of a plain table is unchanged.
    const attrs = offset ? { kind, max_len: maxLen, offset } : { kind, max_len: maxLen };
    return one(ctx, 'position_embedding', [x], 'float32', [seq, constDim(dim, { ...ctx.argSource('dim'), what: 'the position embedding size' })], attrs, params);
  },
});

/** TFM3007: a sequence dim must be bounded by the table it indexes. */
export function checkFitsTable(ctx: OpContext, x: TensorValue, seq: Dim, rows: number, rowsArg: string): void {
  const r = resolve(seq);
  if (r.kind === 'const') {
    if (r.value > rows) {
      const fix = ctx.sizeFix(rowsArg, r.value, rows);
      const table = { ...ctx.argSource(rowsArg), message: `the table has ${rows} rows` };
      ctx.error('TFM3007', `a sequence of length ${r.value} does not fit a positional table of ${rows} rows`, {
        primary: fix ? { file: fix.edits[0].file, span: fix.edits[0].span, message: table.message } : ctx.shapeLabel(x),
        secondary: [fix ? ctx.shapeLabel(x) : table],
        help: fix,
      });
    }
    return;
  }
  if (r.kind !== 'sym' && r.kind !== 'expr') return;
  const bound = ctx.upperBound(r);
  if (!bound) {
    // The cause is the input that lets the length grow without limit: bound it there.
    const fit = largestFitting(r, rows);
    const fix = fit && ctx.boundFix(fit.symbol, fit.max);
    const table = { ...ctx.argSource(rowsArg), message: `the table has ${rows} rows` };
    ctx.error('TFM3007', `\`${renderDim(r)}\` is unbounded, but the positional table has only ${rows} rows`, {
      primary: fix ? { ...fix.declared, message: `\`${fit.symbol}\` has no upper bound` } : ctx.shapeLabel(x),
      // The length's own label only when it was computed (from a model input it is the primary's).
      secondary: fix ? [...(ctx.producer(x) ? [ctx.shapeLabel(x)] : []), table] : [table],
      help: fit && { message: `bound the input: \`where ${fix ? fix.bound : `${fit.symbol} <= ${fit.max}`}\``, edits: fix ? fix.edits : undefined },
    });
  } else if (bound.max > rows) {
    // The bound is what the model promises its users; the table written beside it is what to grow.
    const fix = ctx.sizeFix(rowsArg, bound.max, rows);
    const table = { ...ctx.argSource(rowsArg), message: `the table has ${rows} rows` };
    const allowed = { ...bound.source, message: `\`${renderDim(r)}\` is allowed up to ${bound.max} here` };
    const advice = `make the table at least ${bound.max} rows, or tighten the bound to \`<= ${rows}\``;
    ctx.error('TFM3007', `\`${renderDim(r)}\` may be up to ${bound.max}, but the positional table has only ${rows} rows`, {
      primary: fix ? { file: fix.edits[0].file, span: fix.edits[0].span, message: table.message } : ctx.shapeLabel(x),
      secondary: fix ? [allowed, ctx.shapeLabel(x)] : [allowed, table],
      help: fix ? { message: `${advice}: \`${fix.edits[0].text}\``, edits: fix.edits } : advice,
    });
  }
}

/**
 * The largest value of the one symbol of `seq` for which `seq` fits `rows` (`seq + 1` fits 128
 * rows up to `seq` = 127; `frames / 2` up to 256), found by bisection since a length grows with its
 * symbol. Undefined when `seq` has several symbols, or no value (or every value) fits.
 */
function largestFitting(seq: Dim, rows: number): { symbol: string; max: number } | undefined {
  const symbols = [...dimSymbols(seq)];
  if (symbols.length !== 1) return undefined;
  const fits = (v: number): boolean => {
    const length = evalDim(seq, () => v);
    return length !== undefined && length <= rows;
  };
  let lo = 1;
  let hi = Math.max(2, rows * 64);
  if (!fits(lo) || fits(hi)) return undefined;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  return { symbol: symbols[0], max: lo };
}

/** The index of the first position (OPT's 2), or undefined when it is 0 (the call then omits it). */
function first<T>(k: KernelSite<T>): T | undefined {
  return k.value('offset') ? k.attr('offset') : undefined;
}

export const kernels: Kernels = {
  position_embedding: {
    tfjs: (k) => {
      if (k.value('kind') === 'sinusoidal') {
        // The width is not an attribute: the IR's output shape `[T, dim]` holds it.
        const last = k.outputs[0].shape[k.outputs[0].shape.length - 1];
        const dim = constValue(last) ?? k.fail('the width of a sinusoidal table is not known');
        return k.call('sinusoidalPositions', k.length(0), k.literal(dim), k.offset(0), first(k));
      }
      return k.call('learnedPositions', k.param('weight'), k.length(0), k.offset(0), first(k));
    },
    torchLayer: {
      module: 'PositionEmbedding',
      construct: (k) => {
        const dim = k.owns('weight') ? k.shape('weight')[1] : k.outputWidth();
        if (dim === undefined) return k.fail('has no known width');
        const offset = Number(k.value('offset') ?? 0);
        return `rt.PositionEmbedding(${k.literal(Number(k.value('max_len')))}, ${dim}, kind=${k.literal(String(k.value('kind') ?? 'learned'))}${offset ? `, offset=${offset}` : ''})`;
      },
    },
    stem: 'positions',
  },
};
