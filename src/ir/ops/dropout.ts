/** `Dropout(p)`: zeroes activations with probability p during training; identity at inference. */
import { layerOp } from './declare.js';
import { one, requireFloat, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const dropout = layerOp('Dropout', 'Dropout during training, identity at inference.', {
  config: { p: ['float', 'drop probability, 0 ≤ p < 1'] },
  // float32 is checked by the rule, after `p`: a bad probability is the one reported.
  inputs: { x: ['tensor', 'any float32 tensor'] },
  apply(ctx, { p }, { x }) {
    if (!(p >= 0 && p < 1)) {
      const site = ctx.valueSite('p', `the probability is ${p}`);
      // `dropout = 10` meaning 10% is the usual slip.
      const percent = p >= 1 && p < 100;
      ctx.error('TFM4008', `dropout probability must be in [0, 1), got ${p}`, {
        primary: site,
        help: {
          message: percent ? `the probability is a fraction, not a percentage: ${p}% is ${p / 100}` : 'a drop probability is at least 0 and below 1 (0.1 is common)',
          edits: [{ file: site.file, span: site.span, text: percent ? String(p / 100) : '0.1' }],
        },
      });
      return ERROR;
    }
    if (!requireFloat(ctx, x, 'x', 'Dropout')) return ERROR;
    return one(ctx, 'dropout', [x], x.dtype, x.shape, { p });
  },
});

export const kernels: Kernels = {
  dropout: {
    tfjs: (k) => k.call('dropout', k.input(0), k.attr('p'), k.training()),
    keepsRows: true,
    torchLayer: { module: 'Dropout', construct: (k) => `rt.Dropout(${k.float(Number(k.value('p') ?? 0))})` },
    stem: 'dropped',
  },
};
