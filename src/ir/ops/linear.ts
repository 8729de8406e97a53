/**
 * `Linear(out, bias: true, tied: other)`: y = x Wᵀ + b over the last axis. The input width is
 * inferred on first application (like a lazy Keras layer); `weight` is `[out, in]` as in PyTorch.
 * `tied: emb` reuses an Embedding's `[vocab, d]` table as the weight (the pre-softmax projection).
 */
import { constDim } from '../dims.js';
import { bool, known, lastDim, num, one, requireFloat, requireRank, tensor, inputLabels, renderShape, ERROR } from './helpers.js';
import type { LayerOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const linear: LayerOpDef = {
  kind: 'layer',
  name: 'Linear',
  doc: 'Affine map over the last axis: `[..., in] → [..., out]`.',
  config: [
    { name: 'out', type: 'int', doc: 'output features' },
    { name: 'bias', type: 'bool', default: { kind: 'bool', value: true }, doc: 'add a learned bias' },
    { name: 'tied', type: 'module', default: null, doc: 'share the weight of this Embedding (or Linear)' },
  ],
  inputs: [{ name: 'x', type: 'tensor', doc: 'float32 `[..., in]`' }],
  apply(ctx, config, inputs) {
    const x = tensor(inputs.x);
    const out = num(config.out);
    if (!x || !requireFloat(ctx, x, 'x', 'Linear') || !requireRank(ctx, x, { min: 1 }, 'x', 'Linear', '`[..., features]`')) return ERROR;
    const inDim = known(lastDim(x));
    if (inDim === undefined) {
      ctx.error('TFM3008', `\`Linear\` needs a known input width, but the last dimension of its input is symbolic`, {
        ...inputLabels(ctx, x, 'x', `this is \`${renderShape(x.shape)}\``),
        help: 'the feature (last) axis must be a number or a config value',
      });
      return ERROR;
    }
    const params: Record<string, string> = {};
    const tiedTo = config.tied;
    if (tiedTo && tiedTo.kind === 'module') {
      const shared = ctx.moduleParam(tiedTo, 'weight');
      if (!shared) {
        ctx.error('TFM2018', '`tied:` must name an `Embedding` or `Linear` layer that has a weight', { primary: ctx.argSource('tied') });
        return ERROR;
      }
      if (shared.shape.length !== 2 || shared.shape[0] !== out || shared.shape[1] !== inDim) {
        ctx.error('TFM3006', `cannot tie weights of different shapes: this \`Linear\` needs \`[${out}, ${inDim}]\`, but \`${shared.name}\` is \`[${shared.shape.join(', ')}]\``, {
          primary: ctx.argSource('tied'),
          secondary: [ctx.shapeLabel(x, `the input has ${inDim} features`), { ...ctx.argSource('out'), message: `${out} outputs requested here` }],
          help: 'a tied projection maps d_model → vocab: its output size must be the table\'s rows and its input the table\'s width',
        });
        return ERROR;
      }
      params.weight = shared.name;
    } else {
      params.weight = ctx.param('weight', [out, inDim], 'uniform_fan_in');
    }
    if (bool(config.bias)) params.bias = ctx.param('bias', [out], 'zeros');
    const shape = [...x.shape.slice(0, -1), constDim(out, { ...ctx.argSource('out'), what: 'this `Linear`\'s output size' })];
    return one(ctx, 'linear', [x], 'float32', shape, { tied: params.weight !== undefined && !!tiedTo && tiedTo.kind === 'module' }, params);
  },
  flops: ({ inputs, outputs }) => {
    const rows = inputs[0].slice(0, -1).reduce((a, b) => a * b, 1);
    return 2 * rows * inputs[0][inputs[0].length - 1] * outputs[0][outputs[0].length - 1];
  },
};

export const kernels: Kernels = {
  linear: {
    tfjs: (k) => k.call('linear', k.input(0), k.param('weight'), k.optionalParam('bias'), k.weightCache()),
    torchLayer: {
      module: 'Linear',
      construct: (k) => {
        const [out, inDim] = k.shape('weight');
        return `rt.Linear(${inDim}, ${out}, bias=${k.literal(k.owns('bias'))}${k.owns('weight') ? '' : ', tied=True'})`;
      },
    },
    stem: 'projected',
  },
};
