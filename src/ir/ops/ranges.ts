/**
 * Counting: `arange(n, start)` is the int32 vector `start … start + n − 1` (window coordinates,
 * relative position indices), and `positions(x, axis, offset)` the positions along an axis of `x`
 * whatever its length (ALiBi, rotary angles, custom position codes).
 */
import { constDim } from '../dims.js';
import { functionOp } from './declare.js';
import { axisIndex, one, ERROR } from './helpers.js';
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

export const positions = functionOp('positions', 'int32 `[n]`: the positions along one axis of `x` (the time axis, 1, by default), from `offset`.', {
  args: {
    x: ['tensor', 'any tensor'],
    axis: ['int', 'the axis counted (negative counts from the end)', 1],
    offset: ['int', 'the position of the first entry', 0],
  },
  apply(ctx, { x, axis, offset }) {
    const a = axisIndex(ctx, x, axis);
    if (a === undefined) return ERROR;
    return one(ctx, 'positions', [x], 'int32', [x.shape[a]], { axis: a, offset });
  },
});

export const kernels: Kernels = {
  arange: { tfjs: (k) => k.call('tf.range', k.attr('start'), k.literal(Number(k.value('start')) + Number(k.value('n'))), k.literal(1), k.literal('int32')), torch: (k) => `torch.arange(${k.int('start')}, ${k.int('start')} + ${k.int('n')})`, stem: 'counts' },
  positions: {
    tfjs: (k) => k.call('axisPositions', k.input(0), k.attr('axis'), k.attr('offset')),
    torch: (k) => `torch.arange(${k.input(0)}.shape[${k.int('axis')}]) + ${k.int('offset')}`,
    stem: 'positions',
  },
};
