/**
 * `Conv1d(out, kernel, stride, padding)` over time, channels-last: `[B, T, C]` → `[B, T', out]`
 * with T' = (T + 2·padding − kernel) / stride + 1 (floor). Weight `[out, C, kernel]` as in PyTorch.
 * The speech front-end uses it to subsample filterbank frames.
 */
import { constDim, dimOp, type Dim } from '../dims.js';
import { layerOp } from './declare.js';
import { known, lastDim, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const conv1d = layerOp('Conv1d', 'Temporal convolution, channels-last: `[B, T, C]` → `[B, T\', out]`.', {
  config: {
    out: ['int', 'output channels'],
    kernel: ['int', 'kernel width'],
    stride: ['int', 'step between windows', 1],
    padding: ['int', 'zeros added at both ends', 0],
    bias: ['bool', 'learned bias', true],
  },
  inputs: { x: ['tensor', 'float32 `[B, T, C]`', { dtype: 'float32', rank: 3, shape: '`[batch, time, channels]`' }] },
  apply(ctx, { out, kernel: k, stride: s, padding: p, bias }, { x }) {
    const cin = known(lastDim(x));
    if (cin === undefined) {
      ctx.error('TFM3008', '`Conv1d` needs a known channel count (last axis)', shapeLabels(ctx, x, 'x'));
      return ERROR;
    }
    const params: Record<string, string> = { weight: ctx.param('weight', [out, cin, k], 'uniform_fan_in') };
    if (bias) params.bias = ctx.param('bias', [out], 'zeros');
    const t = outputLength(x.shape[1], k, s, p);
    return one(ctx, 'conv1d', [x], 'float32', [x.shape[0], t, constDim(out)], { kernel: k, stride: s, padding: p }, params);
  },
  flops: ({ inputs, outputs, node }) => {
    const [b, t, cout] = outputs[0];
    return 2 * b * t * cout * inputs[0][2] * Number(node.attrs.kernel);
  },
});

function outputLength(t: Dim, k: number, s: number, p: number): Dim {
  // (T + 2p − k) / s + 1, folded when constant
  return dimOp('+', dimOp('floordiv', dimOp('+', t, constDim(2 * p - k)), constDim(s)), constDim(1));
}

export const kernels: Kernels = {
  conv1d: {
    tfjs: (k) => k.call('conv1d', k.input(0), k.param('weight'), k.optionalParam('bias'), k.attr('stride'), k.attr('padding')),
    torchLayer: {
      module: 'Conv1d',
      construct: (k) => {
        const [out, cin, width] = k.shape('weight');
        return `rt.Conv1d(${cin}, ${out}, ${width}, stride=${k.literal(Number(k.value('stride') ?? 1))}, padding=${k.literal(Number(k.value('padding') ?? 0))}, bias=${k.literal(k.owns('bias'))})`;
      },
    },
  },
};
