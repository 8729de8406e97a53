/**
 * `Linear(out, bias: true, tied: other)`: y = x Wᵀ + b over the last axis. The input width is
 * inferred on first application (like a lazy Keras layer); `weight` is `[out, in]` as in PyTorch.
 * `tied: emb` reuses an Embedding's `[vocab, d]` table as the weight (the pre-softmax projection).
 */
import { constDim } from '../dims.js';
import { layerOp } from './declare.js';
import { known, lastDim, numel, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const linear = layerOp('Linear', 'Affine map over the last axis: `[..., in] → [..., out]`.', {
  config: {
    out: ['int', 'output features'],
    bias: ['bool', 'add a learned bias', true],
    tied: ['module?', 'share the weight of this Embedding (or Linear)'],
  },
  inputs: { x: ['tensor', 'float32 `[..., in]`', { dtype: 'float32', rank: { min: 1 }, shape: '`[..., features]`' }] },
  apply(ctx, { out, bias, tied }, { x }) {
    const inDim = known(lastDim(x));
    if (inDim === undefined) {
      ctx.error('TFM3008', `\`Linear\` needs a known input width, but the last dimension of its input is symbolic`, {
        ...shapeLabels(ctx, x, 'x'),
        help: 'the feature (last) axis must be a number or a config value',
      });
      return ERROR;
    }
    const params: Record<string, string> = {};
    if (tied) {
      const shared = ctx.moduleParam(tied, 'weight');
      if (!shared) {
        ctx.error('TFM2018', '`tied:` must name an `Embedding` or `Linear` layer that has a weight', { primary: ctx.argSource('tied') });
        return ERROR;
      }
      if (shared.shape.length !== 2 || shared.shape[0] !== out || shared.shape[1] !== inDim) {
        // A tied head's output size is the table's row count: a different one written here is stale.
        const fix = shared.shape.length === 2 && shared.shape[1] === inDim && shared.shape[0] !== out ? ctx.sizeFix('out', shared.shape[0], out) : undefined;
        const requested = { ...ctx.argSource('out'), message: `${out} outputs requested here` };
        const tiedTo = { ...ctx.argSource('tied'), message: `\`${shared.name}\` has ${shared.shape[0]} rows` };
        ctx.error('TFM3006', `cannot tie weights of different shapes: this \`Linear\` needs \`[${out}, ${inDim}]\`, but \`${shared.name}\` is \`[${shared.shape.join(', ')}]\``, {
          primary: fix ? { file: fix.edits[0].file, span: fix.edits[0].span, message: requested.message } : ctx.argSource('tied'),
          secondary: fix ? [tiedTo, ctx.shapeLabel(x, `the input has ${inDim} features`)] : [ctx.shapeLabel(x, `the input has ${inDim} features`), requested],
          help: fix
            ? { message: `a tied projection's output size is the table's row count: \`${fix.edits[0].text}\``, edits: fix.edits }
            : 'a tied projection maps d_model → vocab: its output size must be the table\'s rows and its input the table\'s width',
        });
        return ERROR;
      }
      params.weight = shared.name;
    } else {
      params.weight = ctx.param('weight', [out, inDim], 'uniform_fan_in');
    }
    if (bias) params.bias = ctx.param('bias', [out], 'zeros');
    const shape = [...x.shape.slice(0, -1), constDim(out, { ...ctx.argSource('out'), what: 'this `Linear`\'s output size' })];
    return one(ctx, 'linear', [x], 'float32', shape, { tied: tied !== undefined }, params);
  },
  flops: ({ inputs, outputs }) => {
    const rows = numel(inputs[0].slice(0, -1));
    return 2 * rows * inputs[0][inputs[0].length - 1] * outputs[0][outputs[0].length - 1];
  },
});

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
