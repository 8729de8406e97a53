/** `Dropout(p)`: zeroes activations with probability p during training; identity at inference. */
import { num, one, requireFloat, tensor, ERROR } from './helpers.js';
import type { LayerOpDef } from './op.js';

export const dropout: LayerOpDef = {
  kind: 'layer',
  name: 'Dropout',
  doc: 'Dropout during training, identity at inference.',
  config: [{ name: 'p', type: 'float', doc: 'drop probability, 0 ≤ p < 1' }],
  inputs: [{ name: 'x', type: 'tensor', doc: 'any float32 tensor' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    const p = num(config.p);
    if (!(p >= 0 && p < 1)) {
      ctx.error('TFM4008', `dropout probability must be in [0, 1), got ${p}`, { primary: ctx.argSource('p') });
      return ERROR;
    }
    if (!x || !requireFloat(ctx, x, 'x', 'Dropout')) return ERROR;
    return one(ctx, 'dropout', [x], x.dtype, x.shape, { p });
  },
};
