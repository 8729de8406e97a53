/**
 * `LayerNorm(dim, eps, bias)` and `RMSNorm(dim, eps)`: normalise over the last axis, which must be
 * `dim`. RMSNorm (Zhang & Sennrich 2019; T5's norm) has a scale and no centring or bias.
 */
import { layerOp, type ArgRow } from './declare.js';
import { numel, one } from './helpers.js';
import type { Kernels } from './kernel.js';

const DIM = ['int', 'size of the normalised (last) axis'] as const satisfies ArgRow;
const FEATURES = ['tensor', 'float32 `[..., dim]`', { dtype: 'float32', width: 'dim' }] as const satisfies ArgRow;

export const layerNorm = layerOp('LayerNorm', 'Layer normalisation over the last axis.', {
  config: {
    dim: DIM,
    eps: ['float', 'added to the variance', 1e-5],
    bias: ['bool', 'learned shift', true],
  },
  inputs: { x: FEATURES },
  apply(ctx, { dim, eps, bias }, { x }) {
    const params: Record<string, string> = { weight: ctx.param('weight', [dim], 'ones') };
    if (bias) params.bias = ctx.param('bias', [dim], 'zeros');
    return one(ctx, 'layer_norm', [x], 'float32', x.shape, { eps }, params);
  },
  flops: ({ outputs }) => 8 * numel(outputs[0]),
});

export const rmsNorm = layerOp('RMSNorm', 'Root-mean-square normalisation over the last axis (scale only).', {
  config: {
    dim: DIM,
    eps: ['float', 'added to the mean square', 1e-6],
  },
  inputs: { x: FEATURES },
  apply(ctx, { dim, eps }, { x }) {
    const weight = ctx.param('weight', [dim], 'ones');
    return one(ctx, 'rms_norm', [x], 'float32', x.shape, { eps }, { weight });
  },
  flops: ({ outputs }) => 5 * numel(outputs[0]),
});

export const kernels: Kernels = {
  layer_norm: {
    tfjs: (k) => k.call('layerNorm', k.input(0), k.param('weight'), k.optionalParam('bias'), k.attr('eps')),
    torchLayer: {
      module: 'LayerNorm',
      construct: (k) => `rt.LayerNorm(${k.shape('weight')[0]}, eps=${k.float(Number(k.value('eps') ?? 1e-5))}, bias=${k.literal(k.owns('bias'))})`,
    },
    stem: 'normed',
  },
  rms_norm: {
    tfjs: (k) => k.call('rmsNorm', k.input(0), k.param('weight'), k.attr('eps')),
    torchLayer: { module: 'RMSNorm', construct: (k) => `rt.RMSNorm(${k.shape('weight')[0]}, eps=${k.float(Number(k.value('eps') ?? 1e-6))})` },
    stem: 'normed',
  },
};
