/**
 * `Conv1d(out, kernel, stride, padding)` over time, channels-last: `[B, T, C]` → `[B, T', out]`
 * with T' = (T + 2·padding − kernel) / stride + 1 (floor). Weight `[out, C, kernel]` as in PyTorch.
 * The speech front-end uses it to subsample filterbank frames.
 */
import { constDim, dimOp, type Dim } from '../dims.js';
import { bool, known, lastDim, num, one, requireFloat, requireRank, tensor, inputLabels, renderShape, ERROR } from './helpers.js';
import type { LayerOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const conv1d: LayerOpDef = {
  kind: 'layer',
  name: 'Conv1d',
  doc: 'Temporal convolution, channels-last: `[B, T, C]` → `[B, T\', out]`.',
  config: [
    { name: 'out', type: 'int', doc: 'output channels' },
    { name: 'kernel', type: 'int', doc: 'kernel width' },
    { name: 'stride', type: 'int', default: { kind: 'int', value: 1 }, doc: 'step between windows' },
    { name: 'padding', type: 'int', default: { kind: 'int', value: 0 }, doc: 'zeros added at both ends' },
    { name: 'bias', type: 'bool', default: { kind: 'bool', value: true }, doc: 'learned bias' },
  ],
  inputs: [{ name: 'x', type: 'tensor', doc: 'float32 `[B, T, C]`' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    if (!x || !requireFloat(ctx, x, 'x', 'Conv1d') || !requireRank(ctx, x, 3, 'x', 'Conv1d', '`[batch, time, channels]`')) return ERROR;
    const cin = known(lastDim(x));
    if (cin === undefined) {
      ctx.error('TFM3008', '`Conv1d` needs a known channel count (last axis)', inputLabels(ctx, x, 'x', `this is \`${renderShape(x.shape)}\``));
      return ERROR;
    }
    const [out, k, s, p] = [num(config.out), num(config.kernel), num(config.stride), num(config.padding)];
    const params: Record<string, string> = { weight: ctx.param('weight', [out, cin, k], 'uniform_fan_in') };
    if (bool(config.bias)) params.bias = ctx.param('bias', [out], 'zeros');
    const t = outputLength(x.shape[1], k, s, p);
    return one(ctx, 'conv1d', [x], 'float32', [x.shape[0], t, constDim(out)], { kernel: k, stride: s, padding: p }, params);
  },
  flops: ({ inputs, outputs, node }) => {
    const [b, t, cout] = outputs[0];
    return 2 * b * t * cout * inputs[0][2] * Number(node.attrs.kernel);
  },
};

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
