/**
 * `ctc_loss(log_probs, targets, input_lengths, target_lengths, blank)`: connectionist temporal
 * classification (Graves et al. 2006), the loss of a speech recogniser's frame-wise classifier.
 * Batch-first log-probabilities `[B, T, C]` (a `log_softmax` over C; PyTorch's `F.ctc_loss` wants
 * `[T, B, C]`), int32 targets `[B, S]` (no blanks; row b uses its first `target_lengths[b]`),
 * int32 lengths `[B]`. The result is PyTorch's `reduction='mean'`: the mean over the batch of each
 * sequence's loss divided by its target length. Gradients equal PyTorch's upstream of the
 * `log_softmax` (PyTorch's own CTC backward is the gradient with respect to the logits, so only the
 * composition through `log_softmax` is comparable).
 */
import { renderShape, unify } from '../dims.js';
import { functionOp } from './declare.js';
import { known, one, shapeLabels, ERROR } from './helpers.js';
import type { Kernels } from './kernel.js';

export const ctcLoss = functionOp('ctc_loss', 'Mean CTC loss of batch-first log-probabilities `[B, T, C]` against int32 targets `[B, S]`.', {
  args: {
    log_probs: ['tensor', 'float32 `[B, T, C]`, a `log_softmax` over the classes', { dtype: 'float32', rank: 3, shape: '`[batch, time, classes]`' }],
    targets: ['tensor', 'int32 `[B, S]`, class ids without blanks', { dtype: 'int32', rank: 2, shape: '`[batch, target_len]`' }],
    input_lengths: ['tensor', 'int32 `[B]`, frames used per sequence', { dtype: 'int32', rank: 1, shape: '`[batch]`' }],
    target_lengths: ['tensor', 'int32 `[B]`, targets used per sequence', { dtype: 'int32', rank: 1, shape: '`[batch]`' }],
    blank: ['int', 'the blank class', 0],
  },
  apply(ctx, { log_probs: lp, targets, input_lengths, target_lengths, blank }) {
    for (const [arg, t] of [['targets', targets], ['input_lengths', input_lengths], ['target_lengths', target_lengths]] as const) {
      if (unify(t.shape[0], lp.shape[0])) continue;
      const labels = shapeLabels(ctx, t, arg);
      ctx.error('TFM3001', `\`ctc_loss\`: the batch of \`${arg}\` (${renderShape(t.shape)}) differs from the log-probabilities' (${renderShape(lp.shape)})`, {
        primary: labels.primary,
        secondary: [...labels.secondary, ctx.shapeLabel(lp, `the log-probabilities are \`${renderShape(lp.shape)}\``)],
      });
      return ERROR;
    }
    const classes = known(lp.shape[2]);
    if (blank < 0 || (classes !== undefined && blank >= classes)) {
      ctx.error('TFM4008', `the blank class ${blank} is not one of the ${classes ?? 'C'} classes`, {
        primary: ctx.argSource('blank'),
        secondary: [ctx.shapeLabel(lp)],
        help: classes !== undefined ? `use 0 … ${classes - 1} (0 is the usual blank)` : undefined,
      });
      return ERROR;
    }
    return one(ctx, 'ctc_loss', [lp, targets, input_lengths, target_lengths], 'float32', [], { blank });
  },
});

export const kernels: Kernels = {
  ctc_loss: {
    tfjs: (k) => k.call('ctcLoss', k.input(0), k.input(1), k.input(2), k.input(3), k.attr('blank')),
    torch: (k) => `rt.ctc_loss(${k.input(0)}, ${k.input(1)}, ${k.input(2)}, ${k.input(3)}, blank=${k.int('blank')})`,
    stem: 'loss',
  },
};
