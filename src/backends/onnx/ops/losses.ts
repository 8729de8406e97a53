/**
 * The losses a model may also return as outputs, as the runtime computes them. CTC has no ONNX
 * operator (its forward recursion would be a Loop over time): it is reported as TFM7001.
 */
import { constValue } from '../../../ir/dims.js';
import type { Lowerings } from '../site.js';

export const lowerings: Lowerings = {
  ctc_loss: (k) => k.unsupported('ONNX has no operator for a CTC loss'),
  mse: (k) => {
    const diff = k.g.op('Sub', [k.input(0), k.input(1)]);
    return k.g.op('ReduceMean', [k.g.op('Mul', [diff, diff])], { keepdims: 0 });
  },
  // PyTorch's F.cross_entropy(logits, targets, label_smoothing, ignore_index) averaged over the counted targets (none counted: 0).
  cross_entropy: (k) => {
    const { g } = k;
    const shape = k.inValue(0).shape;
    const classes = constValue(shape[shape.length - 1]) ?? k.unsupported('the number of classes is not known');
    const logp = g.op('LogSoftmax', [g.op('Reshape', [k.input(0), g.ints([-1, classes])])], { axis: -1 }); // [N, V]
    const targets = g.op('Reshape', [k.input(1), g.ints([-1])]);
    const counted = g.op('Not', [g.op('Equal', [targets, g.scalar(k.num('ignore_index', -100), 'int32')])]);
    const safe = g.op('Where', [counted, targets, g.scalar(0, 'int32')]);
    const picked = g.op('GatherElements', [logp, g.op('Unsqueeze', [safe, g.ints([1])])], { axis: 1 }); // [N, 1]
    const nll = g.op('Neg', [g.op('Squeeze', [picked, g.ints([1])])]);
    const eps = k.num('label_smoothing', 0);
    const perTarget =
      eps > 0 ? g.op('Add', [g.op('Mul', [nll, g.scalar(1 - eps)]), g.op('Mul', [g.op('Neg', [g.op('ReduceMean', [logp], { axes: [-1], keepdims: 0 })]), g.scalar(eps)])]) : nll;
    const weights = g.op('Cast', [counted], { to: 1 });
    const total = g.op('ReduceSum', [g.op('Mul', [perTarget, weights])], { keepdims: 0 });
    return g.op('Div', [total, g.op('Max', [g.op('ReduceSum', [weights], { keepdims: 0 }), g.scalar(1)])]);
  },
};
