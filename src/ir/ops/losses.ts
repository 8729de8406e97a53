/**
 * Targets and losses. `shift_left(ids, pad)` gives next-token targets (the last position gets
 * `pad`, ignored by the loss); `cross_entropy(logits [..., V], targets [...])` with label
 * smoothing and an ignore index; `mse(pred, target)`. Losses are scalars.
 */
import { renderShape, unify } from '../dims.js';
import { num, one, requireFloat, requireInt, tensor, ERROR } from './helpers.js';
import type { FunctionOpDef } from '../values.js';
import type { Kernels } from './kernel.js';

export const shiftLeft: FunctionOpDef = {
  kind: 'function',
  name: 'shift_left',
  doc: 'Next-token targets: `[B, T]` → `[B, T]`, position t holds token t+1.',
  args: [
    { name: 'ids', type: 'tensor', doc: 'int32 `[B, T]`' },
    { name: 'fill', type: 'int', default: { kind: 'int', value: -100 }, doc: 'value for the last position (ignored by cross_entropy by default)' },
  ],
  apply(ctx, args) {
    const ids = tensor(args.ids);
    if (!ids || !requireInt(ctx, ids, 'ids', 'shift_left')) return ERROR;
    return one(ctx, 'shift_left', [ids], 'int32', ids.shape, { fill: num(args.fill) });
  },
};

export const crossEntropy: FunctionOpDef = {
  kind: 'function',
  name: 'cross_entropy',
  doc: 'Mean cross-entropy of logits `[..., V]` against int32 targets `[...]`.',
  args: [
    { name: 'logits', type: 'tensor', doc: 'float32 `[..., classes]`' },
    { name: 'targets', type: 'tensor', doc: 'int32 `[...]`' },
    { name: 'label_smoothing', type: 'float', default: { kind: 'float', value: 0 }, doc: 'mass spread uniformly over the classes' },
    { name: 'ignore_index', type: 'int', default: { kind: 'int', value: -100 }, doc: 'targets with this value do not count' },
  ],
  apply(ctx, args) {
    const logits = tensor(args.logits);
    const targets = tensor(args.targets);
    if (!logits || !targets) return ERROR;
    if (!requireFloat(ctx, logits, 'logits', 'cross_entropy') || !requireInt(ctx, targets, 'targets', 'cross_entropy')) return ERROR;
    const ls = num(args.label_smoothing);
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
    return one(ctx, 'cross_entropy', [logits, targets], 'float32', [], { label_smoothing: ls, ignore_index: num(args.ignore_index) });
  },
};

export const mse: FunctionOpDef = {
  kind: 'function',
  name: 'mse',
  doc: 'Mean squared error between two float32 tensors of the same shape.',
  args: [
    { name: 'pred', type: 'tensor', doc: 'predictions' },
    { name: 'target', type: 'tensor', doc: 'targets' },
  ],
  apply(ctx, args) {
    const p = tensor(args.pred);
    const t = tensor(args.target);
    if (!p || !t || !requireFloat(ctx, p, 'pred', 'mse') || !requireFloat(ctx, t, 'target', 'mse')) return ERROR;
    if (p.shape.length !== t.shape.length || !p.shape.every((d, i) => unify(d, t.shape[i]))) {
      ctx.error('TFM3001', `cannot compare \`${renderShape(p.shape)}\` with \`${renderShape(t.shape)}\``, { secondary: [ctx.shapeLabel(p), ctx.shapeLabel(t)] });
      return ERROR;
    }
    return one(ctx, 'mse', [p, t], 'float32', []);
  },
};

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
