/**
 * `embedding`: a row lookup, int32 ids `[...]` → `[..., dim]`; `position_embedding`: the position
 * vectors `[T, dim]` for an input `[B, T, ...]`, either the first T rows of a learned table or
 * fixed sinusoids (Vaswani et al. 2017, §3.5): PE(t, 2i) = sin(t / 10000^(2i/dim)),
 * PE(t, 2i+1) = cos(t / 10000^(2i/dim)).
 */
import * as tf from '@tensorflow/tfjs';
import { sinusoidalPositions } from '../../../runtime/index.js';
import { gatherRows } from './gather.js';
import { knownOutputDim, numAttr, offsetOf, stringAttr, tensors, type OpImpl } from './types.js';

export const embedding: OpImpl = (inputs, ctx) => {
  const [ids] = tensors(inputs, ctx);
  if (ids.dtype !== 'int32') ctx.fail(`token ids must be int32, got ${ids.dtype}`);
  return [gatherRows(ctx.param('weight'), ids)];
};

export const positionEmbedding: OpImpl = (inputs, ctx) => {
  const [x] = tensors(inputs, ctx);
  const t = x.shape[1] as number;
  // Rows `start .. start + t`: in step-wise decoding the input holds only the newest positions.
  const start = offsetOf(ctx, 0);
  const maxLen = numAttr(ctx, 'max_len');
  if (start + t > maxLen) ctx.fail(`a sequence of length ${start + t} does not fit the positional table of ${maxLen} rows`);
  if (stringAttr(ctx, 'kind') === 'sinusoidal') {
    // The width is not an attribute: the IR's output shape `[T, dim]` holds it.
    const dim = knownOutputDim(ctx, -1);
    return [sinusoidalPositions(t, dim, start)];
  }
  const w = ctx.param('weight');
  return [tf.slice(w, [start, 0], [t, w.shape[1] as number])];
};

export const ops: Record<string, OpImpl> = { embedding, position_embedding: positionEmbedding };
