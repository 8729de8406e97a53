/** `ClsToken(dim)`: prepends one learned `[CLS]` vector to each sequence: `[B, T, dim]` → `[B, T + 1, dim]`. */
import { constDim, dimOp } from '../dims.js';
import { num, one, requireFloat, requireRank, requireWidth, tensor, ERROR } from './helpers.js';
import type { LayerOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const clsToken: LayerOpDef = {
  kind: 'layer',
  name: 'ClsToken',
  doc: 'Prepend a learned `[CLS]` token: `[B, T, dim]` → `[B, T + 1, dim]`.',
  config: [{ name: 'dim', type: 'int', doc: 'token size' }],
  inputs: [{ name: 'x', type: 'tensor', doc: 'float32 `[B, T, dim]`' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    const dim = num(config.dim);
    if (!x || !requireFloat(ctx, x, 'x', 'ClsToken') || !requireRank(ctx, x, 3, 'x', 'ClsToken', '`[batch, seq, dim]`') || !requireWidth(ctx, x, dim, 'ClsToken', 'dim')) return ERROR;
    const weight = ctx.param('weight', [1, 1, dim], 'normal');
    return one(ctx, 'cls_token', [x], 'float32', [x.shape[0], dimOp('+', x.shape[1], constDim(1)), x.shape[2]], {}, { weight });
  },
};

export const kernels: Kernels = {
  cls_token: {
    tfjs: (k) => k.call('clsToken', k.input(0), k.param('weight')),
    torchLayer: { module: 'ClsToken', construct: (k) => `rt.ClsToken(${k.shape('weight')[2]})` },
    stem: 'with_cls',
  },
};
