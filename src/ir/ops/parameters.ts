/**
 * Free parameters: `let table = param([169, heads])` is a learned tensor of its own, owned by the
 * block (or model) that binds it and named after the binding (`layers.0.attn.table`), as Swin's
 * relative position bias table, Perceiver's latent array or a learned scale are. It is counted in
 * `summary`, saved and loaded, and exchanged by that name. `buffer(...)` is the same without
 * training: a tensor saved and loaded with the weights but never updated (PyTorch's buffers).
 */
import { renderDim, resolve } from '../dims.js';
import type { OpContext, Value } from '../values.js';
import { functionOp, type ShapeArg } from './declare.js';
import { ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const param = functionOp('param', 'A learned tensor of a fixed shape, named after the `let` that binds it.', {
  args: {
    shape: ['shape', 'its shape: numbers or config values (`[169, heads]`)'],
    init: [['normal', 'zeros', 'ones'], 'its initial values: normal (std 0.02), zeros or ones', 'normal'],
  },
  apply: (ctx, { shape, init }) => declare(ctx, 'param', shape, init),
});

export const buffer = functionOp('buffer', 'A saved but untrained tensor of a fixed shape (a constant loaded with the weights), named after its `let`.', {
  args: {
    shape: ['shape', 'its shape: numbers or config values'],
    init: [['zeros', 'ones', 'normal'], 'its initial values until weights are loaded', 'zeros'],
  },
  apply: (ctx, { shape, init }) => declare(ctx, 'buffer', shape, init),
});

function declare(ctx: OpContext, kind: 'param' | 'buffer', shape: ShapeArg, init: string): Value {
  const name = ctx.bindingName;
  if (name === undefined) {
    ctx.error('TFM2018', `a \`${kind}\` must be bound by a \`let\` of its own: its name is the ${kind === 'param' ? 'parameter' : 'buffer'}'s name`, {
      help: `write \`let table = ${kind}([...])\` and use \`table\``,
    });
    return ERROR;
  }
  const sizes: number[] = [];
  for (const [i, d] of shape.dims.entries()) {
    const r = resolve(d);
    if (r.kind === 'const') {
      sizes.push(r.value);
      continue;
    }
    ctx.error('TFM3011', `a parameter's shape must be known, but \`${renderDim(d)}\` is symbolic`, {
      primary: { ...shape.sources[i], message: 'symbolic' },
      help: 'a parameter has one size for every input: use numbers or config values (a table of `max_len` rows, not `seq`)',
    });
    return ERROR;
  }
  if (!ctx.claimName(name)) {
    ctx.error('TFM2002', `\`${name}\` already names a layer or parameter of this ${ctx.modulePath ? 'block' : 'model'}`, { help: 'give the parameter a name of its own' });
    return ERROR;
  }
  const value = kind === 'param' ? ctx.param(name, sizes, init) : ctx.buffer(name, sizes, init);
  const [out] = ctx.emit('param', [], [{ dtype: 'float32', shape: [...shape.dims] }], {}, { value });
  return { kind: 'tensor', tensor: out };
}

export const kernels: Kernels = {
  param: { tfjs: (k) => k.param('value'), torch: (k) => k.param('value'), stem: 'param' },
};
