/** `ClsToken(dim)`: prepends one learned `[CLS]` vector to each sequence: `[B, T, dim]` → `[B, T + 1, dim]`. */
import { constDim, dimOp } from '../dims.js';
import { layerOp } from './declare.js';
import { one } from './helpers.js';
import type { Kernels } from './kernel.js';

export const clsToken = layerOp('ClsToken', 'Prepend a learned `[CLS]` token: `[B, T, dim]` → `[B, T + 1, dim]`.', {
  config: { dim: ['int', 'token size'] },
  inputs: { x: ['tensor', 'float32 `[B, T, dim]`', { dtype: 'float32', rank: 3, shape: '`[batch, seq, dim]`', width: 'dim' }] },
  apply(ctx, { dim }, { x }) {
    const weight = ctx.param('weight', [1, 1, dim], 'normal');
    return one(ctx, 'cls_token', [x], 'float32', [x.shape[0], dimOp('+', x.shape[1], constDim(1)), x.shape[2]], {}, { weight });
  },
});

export const kernels: Kernels = {
  cls_token: {
    tfjs: (k) => k.call('clsToken', k.input(0), k.param('weight')),
    torchLayer: { module: 'ClsToken', construct: (k) => `rt.ClsToken(${k.shape('weight')[2]})` },
    stem: 'with_cls',
  },
};
