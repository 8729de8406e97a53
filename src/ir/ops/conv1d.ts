/**
 * `Conv1d(out, kernel, stride, padding, dilation, groups)` over time, channels-last: `[B, T, C]` →
 * `[B, T', out]` with T' = floor((T + 2·padding − dilation·(kernel − 1) − 1) / stride) + 1.
 * Weight `[out, C/groups, kernel]` as in PyTorch. The speech front-end uses it to subsample
 * filterbank frames; a Conformer's conv module uses it pointwise (`kernel: 1`) and depthwise
 * (`groups` = channels).
 */
import { constDim } from '../dims.js';
import { layerOp } from './declare.js';
import { known, lastDim, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernel, Kernels, KernelSite } from './kernel.js';
import { requireFits, requireGroups, requirePadding, windowCount } from './windows.js';

export const conv1d = layerOp('Conv1d', 'Temporal convolution, channels-last: `[B, T, C]` → `[B, T\', out]`.', {
  config: {
    out: ['int', 'output channels'],
    kernel: ['int', 'kernel width'],
    stride: ['int', 'step between windows', 1],
    padding: ['int', 'zeros added at both ends', 0],
    dilation: ['int', 'spacing between the kernel\'s taps', 1],
    groups: ['int', 'channel groups convolved separately (depthwise: the channel count)', 1],
    bias: ['bool', 'learned bias', true],
  },
  inputs: { x: ['tensor', 'float32 `[B, T, C]`', { dtype: 'float32', rank: 3, shape: '`[batch, time, channels]`' }] },
  apply(ctx, { out, kernel: k, stride: s, padding: p, dilation: d, groups: g, bias }, { x }) {
    const cin = known(lastDim(x));
    if (cin === undefined) {
      ctx.error('TFM3008', '`Conv1d` needs a known channel count (last axis)', shapeLabels(ctx, x, 'x'));
      return ERROR;
    }
    if (!requirePadding(ctx, p) || !requireGroups(ctx, 'Conv1d', cin, out, g)) return ERROR;
    const length = (t: typeof x.shape[number]) => windowCount(t, k, s, p, d);
    if (!requireFits(ctx, x, 'x', 'Conv1d', [1], length)) return ERROR;
    const params: Record<string, string> = { weight: ctx.param('weight', [out, cin / g, k], 'uniform_fan_in') };
    if (bias) params.bias = ctx.param('bias', [out], 'zeros');
    return one(ctx, 'conv1d', [x], 'float32', [x.shape[0], length(x.shape[1]), constDim(out)], convAttrs(k, s, p, d, g), params);
  },
  flops: ({ inputs, outputs, node }) => {
    const [b, t, cout] = outputs[0];
    return (2 * b * t * cout * inputs[0][2] * Number(node.attrs.kernel)) / Number(node.attrs.groups ?? 1);
  },
});

/** A convolution's attributes; `dilation` and `groups` only when set, so graphs from before they existed are unchanged. */
export function convAttrs(kernel: number, stride: number, padding: number, dilation: number, groups: number): Record<string, number> {
  return { kernel, stride, padding, ...(dilation !== 1 && { dilation }), ...(groups !== 1 && { groups }) };
}

/** The trailing `dilation, groups` of a runtime convolution call, only when either is set. */
export function dilationAndGroups<T>(k: KernelSite<T>): T[] {
  const d = k.value('dilation');
  const g = k.value('groups');
  if (d === undefined && g === undefined) return [];
  return [k.literal(Number(d ?? 1)), k.literal(Number(g ?? 1))];
}

/** The PyTorch constructor's `dilation=…, groups=…` when set. */
export function torchDilationAndGroups(k: Parameters<NonNullable<Kernel['torchLayer']>['construct']>[0]): string {
  const d = Number(k.value('dilation') ?? 1);
  const g = Number(k.value('groups') ?? 1);
  return `${d !== 1 ? `, dilation=${k.literal(d)}` : ''}${g !== 1 ? `, groups=${k.literal(g)}` : ''}`;
}

export const kernels: Kernels = {
  conv1d: {
    tfjs: (k) => k.call('conv1d', k.input(0), k.param('weight'), k.optionalParam('bias'), k.attr('stride'), k.attr('padding'), ...dilationAndGroups(k)),
    torchLayer: {
      module: 'Conv1d',
      construct: (k) => {
        const [out, perGroup, width] = k.shape('weight');
        const cin = perGroup * Number(k.value('groups') ?? 1);
        return `rt.Conv1d(${cin}, ${out}, ${width}, stride=${k.literal(Number(k.value('stride') ?? 1))}, padding=${k.literal(Number(k.value('padding') ?? 0))}${torchDilationAndGroups(k)}, bias=${k.literal(k.owns('bias'))})`;
      },
    },
  },
};
