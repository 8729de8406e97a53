/**
 * `alibi(q, k, heads)`: ALiBi (Press et al. 2022, "Train Short, Test Long"), a fixed attention
 * bias that grows linearly with the distance between query and key, one slope per head:
 * `bias[h, i, j] = −m_h · |i − j|`, with the slopes m_h = 2^(−8(h+1)/heads) for a power of two
 * (the paper's interleaving otherwise). Applied to queries `[B, Tq, ...]` and keys `[B, Tk, ...]`
 * (only their lengths are read), it gives float32 `[1, heads, Tq, Tk]`, added to the attention
 * scores like a `RelativePositionBias`. Under a causal mask only keys j ≤ i are seen, where it is
 * the paper's −m_h · (i − j); without one it is symmetric.
 */
import { constDim } from '../dims.js';
import { functionOp, type TensorNeeds } from './declare.js';
import { ERROR, numel, one } from './helpers.js';
import type { Kernels } from './kernel.js';

const SEQUENCE = { rank: { min: 2 }, shape: '`[batch, seq, ...]`' } as const satisfies TensorNeeds;

export const alibi = functionOp('alibi', 'ALiBi attention bias −m_h·|i − j| with one fixed slope per head (2^(−8(h+1)/heads)): → float32 `[1, heads, Tq, Tk]`.', {
  args: {
    q: ['tensor', 'queries `[B, Tq, ...]` (only the length is read)', SEQUENCE],
    k: ['tensor', 'keys `[B, Tk, ...]` (only the length is read)', SEQUENCE],
    heads: ['int', 'attention heads, one slope each'],
  },
  apply(ctx, { q, k, heads }) {
    if (!(heads > 0)) {
      ctx.error('TFM3010', `the number of heads must be positive, got ${heads}`, { primary: ctx.argSource('heads') });
      return ERROR;
    }
    return one(ctx, 'alibi_bias', [q, k], 'float32', [constDim(1), constDim(heads), q.shape[1], k.shape[1]], { heads });
  },
  flops: ({ outputs }) => numel(outputs[0]),
});

export const kernels: Kernels = {
  alibi_bias: {
    // Queries and keys start at their offsets in step-wise decoding (0 otherwise).
    tfjs: (k) => k.call('alibiBias', k.length(0), k.length(1), k.attr('heads'), k.offset(0), k.offset(1)),
    torch: (k) => `rt.alibi_bias(${k.input(0)}, ${k.input(1)}, ${k.int('heads')})`,
    stem: 'position_bias',
  },
};
