/**
 * LSTM, GRU and RNN layers (batch-first, PyTorch's weights) as ONNX's LSTM / GRU / RNN ops, one per
 * layer. ONNX orders the gates differently (LSTM i, o, f, c for PyTorch's i, f, g, o; GRU z, r, h
 * for r, z, n), so each weight's gate blocks are reordered in the graph, which keeps the
 * parameters as they are; PyTorch's GRU applies the reset gate after the hidden product
 * (`linear_before_reset`).
 */
import type { LowerSite, Lowerings } from '../site.js';

const CELLS = {
  lstm: { opType: 'LSTM', gates: 4, order: [0, 3, 1, 2], attrs: {} },
  gru: { opType: 'GRU', gates: 3, order: [1, 0, 2], attrs: { linear_before_reset: 1 } },
  rnn: { opType: 'RNN', gates: 1, order: [0], attrs: {} },
} as const;

function recurrent(cell: keyof typeof CELLS) {
  const { opType, gates, order, attrs } = CELLS[cell];
  return (k: LowerSite): string[] => {
    const { g } = k;
    const hidden = k.num('hidden');
    const layers = k.num('layers', 1);
    /** A PyTorch weight's gate blocks (axis 0) in ONNX's order. */
    const reorder = (w: string) => {
      if (gates === 1) return w;
      const blocks = g.node('Split', [w], { axis: 0 }, gates);
      return g.op('Concat', order.map((i) => blocks[i]), { axis: 0 });
    };
    const batchLeading = (t: string) => g.op('Unsqueeze', [t, g.ints([0])]);
    /** Layer l's part of the initial state `[k, layers, B, H]` as `[1, B, H]`. */
    const initial = (part: number, l: number) =>
      k.hasInput(1) ? g.op('Slice', [g.op('Gather', [k.input(1), g.scalar(part, 'int64')], { axis: 0 }), g.ints([l]), g.ints([l + 1]), g.ints([0])]) : '';
    let seq = g.op('Transpose', [k.input(0)], { perm: [1, 0, 2] }); // [T, B, in]
    const finalH: string[] = [];
    const finalC: string[] = [];
    for (let l = 0; l < layers; l++) {
      const w = batchLeading(reorder(k.param(`weight_ih_l${l}`)));
      const r = batchLeading(reorder(k.param(`weight_hh_l${l}`)));
      const bih = k.optionalParam(`bias_ih_l${l}`);
      const bhh = k.optionalParam(`bias_hh_l${l}`);
      const b = bih && bhh ? batchLeading(g.op('Concat', [reorder(bih), reorder(bhh)], { axis: 0 })) : '';
      const inputs = [seq, w, r, b, '', initial(0, l)];
      if (cell === 'lstm') inputs.push(initial(1, l));
      while (inputs[inputs.length - 1] === '') inputs.pop();
      const outs = g.node(opType, inputs, { hidden_size: hidden, ...attrs }, cell === 'lstm' ? 3 : 2);
      seq = g.op('Squeeze', [outs[0], g.ints([1])]); // [T, 1, B, H] → [T, B, H]
      finalH.push(outs[1]);
      if (cell === 'lstm') finalC.push(outs[2]);
    }
    const stack = (parts: string[]) => g.op('Unsqueeze', [parts.length === 1 ? parts[0] : g.op('Concat', parts, { axis: 0 }), g.ints([0])]); // [1, layers, B, H]
    const state = cell === 'lstm' ? g.op('Concat', [stack(finalH), stack(finalC)], { axis: 0 }) : stack(finalH);
    return [g.op('Transpose', [seq], { perm: [1, 0, 2] }), state];
  };
}

export const lowerings: Lowerings = { lstm: recurrent('lstm'), gru: recurrent('gru'), rnn: recurrent('rnn') };
