/** `Embedding(num, dim)`: a lookup table; int32 ids `[...]` → float32 `[..., dim]`. */
import { constDim } from '../dims.js';
import { layerOp } from './declare.js';
import { checkIndexRange, ERROR, one } from './helpers.js';
import type { Kernels } from './kernel.js';
import { noteLookup } from './target-range.js';

export const embedding = layerOp('Embedding', 'Token embedding table: int32 ids `[...]` → `[..., dim]`.', {
  config: {
    num: ['int', 'number of rows (vocabulary size)'],
    dim: ['int', 'vector size'],
  },
  inputs: { ids: ['tensor', 'int32 token ids', { dtype: 'int32' }] },
  apply(ctx, { num: rows, dim }, { ids }) {
    if (!checkIndexRange(ctx, ids, rows, 'num', 'the embedding')) return ERROR;
    noteLookup(ctx, ids, rows, ctx.argSource('num'));
    const weight = ctx.param('weight', [rows, dim], 'embedding');
    const shape = [...ids.shape, constDim(dim, { ...ctx.argSource('dim'), what: 'the embedding size' })];
    return one(ctx, 'embedding', [ids], 'float32', shape, { num: rows }, { weight });
  },
});

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
