/**
 * `BatchNorm(dim, eps, momentum)` over the last axis of `[..., dim]` (channels-last; statistics
 * over every other axis), PyTorch's `BatchNorm1d` on the rows. Learned `weight` and `bias`, and
 * three buffers, PyTorch's state_dict names (`Param.buffer`): `running_mean`, `running_var` and
 * `num_batches_tracked`, which the layer updates while training (new = (1 − momentum)·old +
 * momentum·batch, with the unbiased batch variance) and uses at inference.
 */
import { layerOp } from './declare.js';
import { numel, one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const batchNorm = layerOp('BatchNorm', 'Batch normalisation over the last axis; running statistics at inference.', {
  config: {
    dim: ['int', 'size of the normalised (last) axis'],
    eps: ['float', 'added to the variance', 1e-5],
    momentum: ['float', 'weight of the new batch in the running statistics, 0 ≤ momentum ≤ 1', 0.1],
  },
  inputs: { x: ['tensor', 'float32 `[..., dim]`', { dtype: 'float32', rank: { min: 2 }, shape: '`[batch, ..., dim]`', width: 'dim' }] },
  apply(ctx, { dim, eps, momentum }, { x }) {
    if (!(momentum >= 0 && momentum <= 1)) {
      ctx.error('TFM4008', `batch-norm momentum must be in [0, 1], got ${momentum}`, {
        primary: ctx.argSource('momentum'),
        help: momentum > 1 && momentum < 100 ? `PyTorch's momentum is the weight of the new batch (0.1 by default), not the decay Keras calls momentum (0.99): try ${Math.max(0, 1 - momentum / 100).toFixed(2)}` : undefined,
      });
      return ERROR;
    }
    if (!(eps > 0)) {
      ctx.error('TFM4008', `batch-norm eps must be positive, got ${eps}`, { primary: ctx.argSource('eps') });
      return ERROR;
    }
    const params = {
      weight: ctx.param('weight', [dim], 'ones'),
      bias: ctx.param('bias', [dim], 'zeros'),
      running_mean: ctx.buffer('running_mean', [dim], 'zeros'),
      running_var: ctx.buffer('running_var', [dim], 'ones'),
      num_batches_tracked: ctx.buffer('num_batches_tracked', [], 'zeros'),
    };
    return one(ctx, 'batch_norm', [x], 'float32', x.shape, { eps, momentum }, params);
  },
  flops: ({ outputs }) => 8 * numel(outputs[0]),
});

export const kernels: Kernels = {
  batch_norm: {
    tfjs: (k) =>
      k.call(
        'batchNorm',
        k.input(0),
        k.param('weight'),
        k.param('bias'),
        k.param('running_mean'),
        k.param('running_var'),
        k.param('num_batches_tracked'),
        k.attr('eps'),
        k.attr('momentum'),
        k.training(),
      ),
    torchLayer: {
      module: 'BatchNorm',
      construct: (k) => `rt.BatchNorm(${k.shape('weight')[0]}, eps=${k.float(Number(k.value('eps') ?? 1e-5))}, momentum=${k.float(Number(k.value('momentum') ?? 0.1))})`,
    },
    stem: 'normed',
  },
};
