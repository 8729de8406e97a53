/**
 * `RelativePositionBias(heads, buckets, max_distance, bidirectional)`: T5's learned attention bias.
 * Relative distances are bucketed (exact for small, logarithmic up to max_distance); each bucket
 * has one scalar per head. Applied to queries `[B, Tq, d]` and keys `[B, Tk, d]`, it gives
 * `[1, heads, Tq, Tk]`, added to the attention scores of every layer of a stack.
 */
import { constDim } from '../dims.js';
import { bool, num, one, requireRank, tensor, ERROR } from './helpers.js';
import type { LayerOpDef } from './op.js';

export const relativePositionBias: LayerOpDef = {
  kind: 'layer',
  name: 'RelativePositionBias',
  doc: 'T5-style bucketed relative position bias: → `[1, heads, Tq, Tk]`.',
  config: [
    { name: 'heads', type: 'int', doc: 'attention heads' },
    { name: 'buckets', type: 'int', default: { kind: 'int', value: 32 }, doc: 'number of distance buckets' },
    { name: 'max_distance', type: 'int', default: { kind: 'int', value: 128 }, doc: 'distances beyond this share the last bucket' },
    { name: 'bidirectional', type: 'bool', default: { kind: 'bool', value: true }, doc: 'separate buckets for keys before and after the query (encoder)' },
  ],
  inputs: [
    { name: 'q', type: 'tensor', doc: 'queries `[B, Tq, ...]`' },
    { name: 'k', type: 'tensor', doc: 'keys `[B, Tk, ...]`' },
  ],
  apply(ctx, config, inputs) {
    const q = tensor(inputs.q);
    const k = tensor(inputs.k);
    if (!q || !k || !requireRank(ctx, q, { min: 2 }, 'q', 'RelativePositionBias', '`[batch, seq, ...]`') || !requireRank(ctx, k, { min: 2 }, 'k', 'RelativePositionBias', '`[batch, seq, ...]`')) return ERROR;
    const heads = num(config.heads);
    const buckets = num(config.buckets);
    const weight = ctx.param('weight', [buckets, heads], 'normal');
    return one(ctx, 'relative_position_bias', [q, k], 'float32', [constDim(1), constDim(heads), q.shape[1], k.shape[1]], {
      buckets,
      max_distance: num(config.max_distance),
      bidirectional: bool(config.bidirectional),
    }, { weight });
  },
};
