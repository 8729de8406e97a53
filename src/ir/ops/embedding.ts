/** `Embedding(num, dim)`: a lookup table; int32 ids `[...]` → float32 `[..., dim]`. */
import { constDim } from '../dims.js';
import { num, one, requireInt, tensor, ERROR } from './helpers.js';
import type { LayerOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const embedding: LayerOpDef = {
  kind: 'layer',
  name: 'Embedding',
  doc: 'Token embedding table: int32 ids `[...]` → `[..., dim]`.',
  config: [
    { name: 'num', type: 'int', doc: 'number of rows (vocabulary size)' },
    { name: 'dim', type: 'int', doc: 'vector size' },
  ],
  inputs: [{ name: 'ids', type: 'tensor', doc: 'int32 token ids' }],
  apply(ctx, config, inputs) {
    const ids = tensor(inputs.ids);
    if (!ids || !requireInt(ctx, ids, 'ids', 'Embedding', 'its input')) return ERROR;
    const rows = num(config.num);
    const dim = num(config.dim);
    const weight = ctx.param('weight', [rows, dim], 'embedding');
    const shape = [...ids.shape, constDim(dim, { ...ctx.argSource('dim'), what: 'the embedding size' })];
    return one(ctx, 'embedding', [ids], 'float32', shape, { num: rows }, { weight });
  },
};

export const kernels: Kernels = {
  embedding: {
    tfjs: (k) => k.call('gatherRows', k.param('weight'), k.input(0)),
    torchLayer: {
      module: 'Embedding',
      construct: (k) => {
        const [rows, dim] = k.shape('weight');
        return `rt.Embedding(${rows}, ${dim})`;
      },
    },
  },
};
