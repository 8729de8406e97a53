/** Layer norm (ONNX's LayerNormalization, opset 17), RMS norm and batch norm at inference. */
import type { Lowerings } from '../site.js';

export const lowerings: Lowerings = {
  layer_norm: (k) => {
    const bias = k.optionalParam('bias');
    return k.g.op('LayerNormalization', bias ? [k.input(0), k.param('weight'), bias] : [k.input(0), k.param('weight')], { axis: -1, epsilon: { float: k.num('eps') } });
  },
  // x / sqrt(mean(x²) + eps) · weight
  rms_norm: (k) => {
    const { g } = k;
    const x = k.input(0);
    const meanSquare = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
    const scale = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSquare, g.scalar(k.num('eps'))])])]);
    return g.op('Mul', [g.op('Mul', [x, scale]), k.param('weight')]);
  },
  // Inference normalises by the running statistics (the runtime's formula, over the last axis).
  batch_norm: (k) => {
    const { g } = k;
    const scale = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [k.param('running_var'), g.scalar(k.num('eps'))])])]);
    const centred = g.op('Sub', [k.input(0), k.param('running_mean')]);
    return g.op('Add', [g.op('Mul', [g.op('Mul', [centred, scale]), k.param('weight')]), k.param('bias')]);
  },
};
