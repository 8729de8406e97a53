/**
 * Targets and losses. `shift_left(ids, pad)` gives next-token targets (the last position gets
 * `pad`, ignored by the loss); `cross_entropy(logits [..., V], targets [...])` with label
 * smoothing and an ignore index; `mse(pred, target)`. Losses are scalars.
 */
import { renderShape, unify } from '../dims.js';
import { functionOp } from './declare.js';
import { one, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';
import { lintNextTokenLoss } from './next-token-lints.js';
import { checkTargetRange } from './target-range.js';

export const shiftLeft = functionOp('shift_left', 'Next-token targets: `[B, T]` → `[B, T]`, position t holds token t+1.', {
  args: {
    ids: ['tensor', 'int32 `[B, T]`', { dtype: 'int32' }],
    fill: ['int', 'value for the last position (ignored by cross_entropy by default)', -100],
  },
  apply: (ctx, { ids, fill }) => one(ctx, 'shift_left', [ids], 'int32', ids.shape, { fill }),
});

export const crossEntropy = functionOp('cross_entropy', 'Mean cross-entropy of logits `[..., V]` against int32 targets `[...]`.', {
  args: {
    logits: ['tensor', 'float32 `[..., classes]`', { dtype: 'float32' }],
    targets: ['tensor', 'int32 `[...]`', { dtype: 'int32' }],
    label_smoothing: ['float', 'mass spread uniformly over the classes', 0],
    ignore_index: ['int', 'targets with this value do not count', -100],
  },
  apply(ctx, { logits, targets, label_smoothing: ls, ignore_index }) {
    if (!(ls >= 0 && ls < 1)) {
      ctx.error('TFM4008', `label smoothing must be in [0, 1), got ${ls}`, { primary: ctx.argSource('label_smoothing') });
      return ERROR;
    }
    const lead = logits.shape.slice(0, -1);
    if (lead.length !== targets.shape.length || !lead.every((d, i) => unify(d, targets.shape[i]))) {
      ctx.error('TFM3001', `logits \`${renderShape(logits.shape)}\` do not match targets \`${renderShape(targets.shape)}\``, {
        secondary: [ctx.shapeLabel(logits), ctx.shapeLabel(targets)],
        notes: ['the targets must have the logits\' shape without the last (class) axis'],
      });
      return ERROR;
    }
    checkTargetRange(ctx, logits, targets);
    lintNextTokenLoss(ctx, logits, targets);
    return one(ctx, 'cross_entropy', [logits, targets], 'float32', [], { label_smoothing: ls, ignore_index });
  },
});

export const mse = functionOp('mse', 'Mean squared error between two float32 tensors of the same shape.', {
  args: {
    pred: ['tensor', 'predictions', { dtype: 'float32' }],
    target: ['tensor', 'targets', { dtype: 'float32' }],
  },
  apply(ctx, { pred: p, target: t }) {
    if (p.shape.length !== t.shape.length || !p.shape.every((d, i) => unify(d, t.shape[i]))) {
      ctx.error('TFM3001', `cannot compare \`${renderShape(p.shape)}\` with \`${renderShape(t.shape)}\``, { secondary: [ctx.shapeLabel(p), ctx.shapeLabel(t)] });
      return ERROR;
    }
    return one(ctx, 'mse', [p, t], 'float32', []);
  },
});

export const kernels: Kernels = {
  shift_left: {
    tfjs: (k) => k.call('shiftLeft', k.input(0), k.attr('fill')),
    torch: (k) => `rt.shift_left(${k.input(0)}, fill=${k.int('fill')})`,
    stem: 'shifted',
  },
  cross_entropy: {
    tfjs: (k) => k.call('crossEntropy', k.input(0), k.input(1), k.attr('label_smoothing'), k.attr('ignore_index')),
    torch: (k) => `rt.cross_entropy(${k.input(0)}, ${k.input(1)}, label_smoothing=${k.float('label_smoothing')}, ignore_index=${k.int('ignore_index')})`,
    stem: 'loss',
  },
  mse: {
    tfjs: (k) => k.call('mse', k.input(0), k.input(1)),
    torch: (k) => `rt.mse(${k.input(0)}, ${k.input(1)})`,
    stem: 'loss',
  },
};
