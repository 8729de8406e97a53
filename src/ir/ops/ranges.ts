/**
 * Counting: `arange(n, start)` is the int32 vector `start … start + n − 1` (window coordinates,
 * relative position indices), and `positions(x, offset)` the positions of `x`'s time axis (axis 1),
 * which in step-wise decoding continue from the tokens already cached (ALiBi, custom position codes).
 */
import { constDim } from '../dims.js';
import { functionOp } from './declare.js';
import { one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const arange = functionOp('arange', 'int32 `[n]`: start, start + 1, …, start + n − 1.', {
  args: {
    n: ['int', 'how many'],
    start: ['int', 'the first value', 0],
  },
  apply(ctx, { n, start }) {
    if (n <= 0) {
      ctx.error('TFM3010', `\`arange\` needs a positive count, but this is ${n}`, { primary: ctx.argSource('n') });
      return ERROR;
    }
    return one(ctx, 'arange', [], 'int32', [constDim(n)], { n, start });
  },
});

export const positions = functionOp('positions', 'int32 `[T]`: the positions of the time axis (axis 1) of `x`, from `offset`.', {
  args: {
    x: ['tensor', '`[B, T, ...]`', { rank: { min: 2 }, shape: '`[batch, seq, ...]`' }],
    offset: ['int', 'the position of the first entry', 0],
  },
  apply(ctx, { x, offset }) {
    return one(ctx, 'positions', [x], 'int32', [x.shape[1]], { offset });
  },
});

export const kernels: Kernels = {
  arange: { tfjs: (k) => k.call('tf.range', k.attr('start'), k.literal(Number(k.value('start')) + Number(k.value('n'))), k.literal(1), k.literal('int32')), torch: (k) => `torch.arange(${k.int('start')}, ${k.int('start')} + ${k.int('n')})`, stem: 'counts' },
  positions: {
    tfjs: (k) => k.call('positionRange', k.length(0), k.attr('offset'), k.offset(0)),
    torch: (k) => `torch.arange(${k.input(0)}.shape[1]) + ${k.int('offset')}`,
    stem: 'positions',
  },
};
