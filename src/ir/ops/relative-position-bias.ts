/**
 * `RelativePositionBias(heads, buckets, max_distance, bidirectional)`: T5's learned attention bias.
 * Relative distances are bucketed (exact for small, logarithmic up to max_distance); each bucket
 * has one scalar per head. Applied to queries `[B, Tq, d]` and keys `[B, Tk, d]`, it gives
 * `[1, heads, Tq, Tk]`, added to the attention scores of every layer of a stack.
 */
import { constDim } from '../dims.js';
import { layerOp, type TensorNeeds } from './declare.js';
import { one, ERROR } from './helpers.js';
import type { OpContext } from '../values.js';
import type { Kernels } from './kernel.js';

/**
 * T5's bucketing is defined only with at least 2 buckets per direction and a `max_distance` past
 * the exactly bucketed distances (half of a direction's buckets): otherwise its logarithm is 0 or
 * negative and distances land in no bucket (a negative index or NaN at run time, in PyTorch too).
 */
function bucketsWellDefined(ctx: OpContext, buckets: number, maxDistance: number, bidirectional: boolean): boolean {
  const perDirection = bidirectional ? Math.floor(buckets / 2) : buckets;
  if (perDirection < 2) {
    ctx.error('TFM4008', `RelativePositionBias needs at least 2 buckets per direction, but buckets = ${buckets}${bidirectional ? ' split between keys before and after the query' : ''} leaves ${perDirection}`, {
      primary: ctx.argSource('buckets'),
      help: `use buckets >= ${bidirectional ? 4 : 2} (T5 uses 32)`,
    });
    return false;
  }
  const exact = Math.floor(perDirection / 2);
  if (maxDistance <= exact) {
    ctx.error('TFM4008', `max_distance must be greater than the ${exact} distances bucketed exactly (half of the ${perDirection} buckets per direction), got ${maxDistance}`, {
      primary: ctx.argSource('max_distance'),
      help: `use max_distance >= ${exact + 1}, or fewer buckets (T5 uses buckets: 32, max_distance: 128)`,
    });
    return false;
  }
  return true;
}

const SEQUENCE = { rank: { min: 2 }, shape: '`[batch, seq, ...]`' } as const satisfies TensorNeeds;

export const relativePositionBias = layerOp('RelativePositionBias', 'T5-style bucketed relative position bias: → `[1, heads, Tq, Tk]`.', {
  config: {
    heads: ['int', 'attention heads'],
    buckets: ['int', 'number of distance buckets', 32],
    max_distance: ['int', 'distances beyond this share the last bucket', 128],
    bidirectional: ['bool', 'separate buckets for keys before and after the query (encoder)', true],
  },
  inputs: {
    q: ['tensor', 'queries `[B, Tq, ...]`', SEQUENCE],
    k: ['tensor', 'keys `[B, Tk, ...]`', SEQUENCE],
  },
  apply(ctx, { heads, buckets, max_distance, bidirectional }, { q, k }) {
    if (!bucketsWellDefined(ctx, buckets, max_distance, bidirectional)) return ERROR;
    const weight = ctx.param('weight', [buckets, heads], 'normal');
    return one(ctx, 'relative_position_bias', [q, k], 'float32', [constDim(1), constDim(heads, ctx.argDimOrigin('heads', 'the bias\'s `heads`')), q.shape[1], k.shape[1]], { buckets, max_distance, bidirectional }, { weight });
  },
});

export const kernels: Kernels = {
  relative_position_bias: {
    // Queries and keys start at their offsets in step-wise decoding (0 otherwise).
    tfjs: (k) =>
      k.call(
        'relativePositionBias',
        k.param('weight'),
        k.length(0),
        k.length(1),
        k.attr('bidirectional'),
        k.attr('buckets'),
        k.attr('max_distance'),
        k.offset(0),
        k.offset(1),
      ),
    torchLayer: {
      module: 'RelativePositionBias',
      construct: (k) => {
        const [buckets, heads] = k.shape('weight');
        return `rt.RelativePositionBias(${heads}, buckets=${buckets}, max_distance=${k.literal(Number(k.value('max_distance') ?? 128))}, bidirectional=${k.literal(k.value('bidirectional') === true)})`;
      },
    },
    stem: 'position_bias',
  },
};
