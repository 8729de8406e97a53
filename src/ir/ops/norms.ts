/**
 * `LayerNorm(dim, eps, bias)` and `RMSNorm(dim, eps)`: normalise over the last axis, which must be
 * `dim`. RMSNorm (Zhang & Sennrich 2019; T5's norm) has a scale and no centring or bias.
 */
import { bool, num, one, requireFloat, requireWidth, tensor, ERROR } from './helpers.js';
import type { LayerOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const layerNorm: LayerOpDef = {
  kind: 'layer',
  name: 'LayerNorm',
  doc: 'Layer normalisation over the last axis.',
  config: [
    { name: 'dim', type: 'int', doc: 'size of the normalised (last) axis' },
    { name: 'eps', type: 'float', default: { kind: 'float', value: 1e-5 }, doc: 'added to the variance' },
    { name: 'bias', type: 'bool', default: { kind: 'bool', value: true }, doc: 'learned shift' },
  ],
  inputs: [{ name: 'x', type: 'tensor', doc: 'float32 `[..., dim]`' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    const dim = num(config.dim);
    if (!x || !requireFloat(ctx, x, 'x', 'LayerNorm') || !requireWidth(ctx, x, dim, 'LayerNorm', 'dim')) return ERROR;
    const params: Record<string, string> = { weight: ctx.param('weight', [dim], 'ones') };
    if (bool(config.bias)) params.bias = ctx.param('bias', [dim], 'zeros');
    return one(ctx, 'layer_norm', [x], 'float32', x.shape, { eps: num(config.eps) }, params);
  },
  flops: ({ outputs }) => 8 * outputs[0].reduce((a, b) => a * b, 1),
};

export const rmsNorm: LayerOpDef = {
  kind: 'layer',
  name: 'RMSNorm',
  doc: 'Root-mean-square normalisation over the last axis (scale only).',
  config: [
    { name: 'dim', type: 'int', doc: 'size of the normalised (last) axis' },
    { name: 'eps', type: 'float', default: { kind: 'float', value: 1e-6 }, doc: 'added to the mean square' },
  ],
  inputs: [{ name: 'x', type: 'tensor', doc: 'float32 `[..., dim]`' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    const dim = num(config.dim);
    if (!x || !requireFloat(ctx, x, 'x', 'RMSNorm') || !requireWidth(ctx, x, dim, 'RMSNorm', 'dim')) return ERROR;
    const weight = ctx.param('weight', [dim], 'ones');
    return one(ctx, 'rms_norm', [x], 'float32', x.shape, { eps: num(config.eps) }, { weight });
  },
  flops: ({ outputs }) => 5 * outputs[0].reduce((a, b) => a * b, 1),
};

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
