/**
 * `Conv2d(out, kernel, stride, padding, dilation, groups)` over images, channels-last:
 * `[B, H, W, C]` → `[B, H', W', out]`, each side shrinking as `Conv1d`'s time axis does, with a
 * square kernel. Weight `[out, C/groups, kernel, kernel]` as in PyTorch.
 */
import { constDim, type Dim } from '../dims.js';
import { layerOp } from './declare.js';
import { known, lastDim, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';
import { convAttrs, dilationAndGroups, torchDilationAndGroups } from './conv1d.js';
import { requireFits, requireGroups, requirePadding, windowCount } from './windows.js';

export const conv2d = layerOp('Conv2d', 'Image convolution, channels-last: `[B, H, W, C]` → `[B, H\', W\', out]`.', {
  config: {
    out: ['int', 'output channels'],
    kernel: ['int', 'kernel side (square)'],
    stride: ['int', 'step between windows, both axes', 1],
    padding: ['int', 'zeros added on every side', 0],
    dilation: ['int', 'spacing between the kernel\'s taps', 1],
    groups: ['int', 'channel groups convolved separately (depthwise: the channel count)', 1],
    bias: ['bool', 'learned bias', true],
  },
  inputs: { images: ['tensor', 'float32 `[B, H, W, C]`', { dtype: 'float32', rank: 4, shape: '`[batch, height, width, channels]`' }] },
  apply(ctx, { out, kernel: k, stride: s, padding: p, dilation: d, groups: g, bias }, { images: x }) {
    const cin = known(lastDim(x));
    if (cin === undefined) {
      ctx.error('TFM3008', '`Conv2d` needs a known channel count (last axis)', shapeLabels(ctx, x, 'images'));
      return ERROR;
    }
    if (!requirePadding(ctx, p) || !requireGroups(ctx, 'Conv2d', cin, out, g)) return ERROR;
    const side = (n: Dim) => windowCount(n, k, s, p, d);
    if (!requireFits(ctx, x, 'images', 'Conv2d', [1, 2], side)) return ERROR;
    const params: Record<string, string> = { weight: ctx.param('weight', [out, cin / g, k, k], 'uniform_fan_in') };
    if (bias) params.bias = ctx.param('bias', [out], 'zeros');
    return one(ctx, 'conv2d', [x], 'float32', [x.shape[0], side(x.shape[1]), side(x.shape[2]), constDim(out)], convAttrs(k, s, p, d, g), params);
  },
  flops: ({ inputs, outputs, node }) => {
    const [b, h, w, cout] = outputs[0];
    const k = Number(node.attrs.kernel);
    return (2 * b * h * w * cout * inputs[0][3] * k * k) / Number(node.attrs.groups ?? 1);
  },
});

export const kernels: Kernels = {
  conv2d: {
    tfjs: (k) => k.call('conv2d', k.input(0), k.param('weight'), k.optionalParam('bias'), k.attr('stride'), k.attr('padding'), ...dilationAndGroups(k)),
    torchLayer: {
      module: 'Conv2d',
      construct: (k) => {
        const [out, perGroup, side] = k.shape('weight');
        const cin = perGroup * Number(k.value('groups') ?? 1);
        return `rt.Conv2d(${cin}, ${out}, ${side}, stride=${k.literal(Number(k.value('stride') ?? 1))}, padding=${k.literal(Number(k.value('padding') ?? 0))}${torchDilationAndGroups(k)}, bias=${k.literal(k.owns('bias'))})`;
      },
    },
    stem: 'features',
  },
};
