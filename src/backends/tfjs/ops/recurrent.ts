/**
 * `lstm`, `gru`, `rnn`: PyTorch's batch-first recurrent layers, with its parameter layout
 * (`weight_ih_l{l}` `[G·H, in]`, `weight_hh_l{l}` `[G·H, H]`, `bias_ih_l{l}`, `bias_hh_l{l}`), its gate
 * order and equations:
 * - LSTM, gates i, f, g, o: c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c')
 * - GRU, gates r, z, n: r = σ(·), z = σ(·), n = tanh(W_in x + b_in + r·(W_hn h + b_hn)); h' = (1 − z)·n + z·h
 * - RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
 * Output 0 is the last layer's h at every step `[B, T, H]`; output 1 the final state
 * `[k, layers, B, H]` (k = 2 for LSTM's h and c); input 1 (`init:`), when given, is the initial
 * state in that layout (zeros otherwise). Layers are stacked: layer l reads layer l−1's outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { matMulWeightT } from './dense.js';
import { numAttr, tensors, type OpImpl, type OpRunContext } from './types.js';

type Cell = 'lstm' | 'gru' | 'rnn';
const GATES: Record<Cell, number> = { lstm: 4, gru: 3, rnn: 1 };

function project(ctx: OpRunContext, x: tf.Tensor, weight: string, bias: string): tf.Tensor {
  const y = matMulWeightT(x, ctx.param(weight));
  return ctx.hasParam(bias) ? tf.add(y, ctx.param(bias)) : y;
}

function recurrent(cell: Cell): OpImpl {
  return (inputs, ctx) => {
    const [x, init] = tensors(inputs, ctx);
    const hidden = numAttr(ctx, 'hidden');
    const layers = numAttr(ctx, 'layers');
    const [b, t] = x.shape as number[];
    const parts = cell === 'lstm' ? 2 : 1;
    if (init && (init.rank !== 4 || init.shape[0] !== parts || init.shape[1] !== layers || init.shape[2] !== b || init.shape[3] !== hidden)) {
      ctx.fail(`the initial state must be [${parts}, ${layers}, ${b}, ${hidden}], got [${init.shape.join(', ')}]`);
    }
    const gates = GATES[cell];
    let seq = x;
    const finalH: tf.Tensor[] = [];
    const finalC: tf.Tensor[] = [];
    for (let l = 0; l < layers; l++) {
      const width = seq.shape[2] as number;
      // All input projections of the layer in one matmul: [B·T, width] → [B, T, G·H].
      const xProj = tf.reshape(project(ctx, tf.reshape(seq, [b * t, width]), `weight_ih_l${l}`, `bias_ih_l${l}`), [b, t, gates * hidden]);
      const steps = tf.unstack(xProj, 1);
      let h: tf.Tensor = init ? tf.squeeze(tf.slice(init, [0, l, 0, 0], [1, 1, b, hidden]), [0, 1]) : tf.zeros([b, hidden]);
      let c: tf.Tensor = init && cell === 'lstm' ? tf.squeeze(tf.slice(init, [1, l, 0, 0], [1, 1, b, hidden]), [0, 1]) : tf.zeros([b, hidden]);
      const outs: tf.Tensor[] = [];
      for (const xt of steps) {
        const hp = project(ctx, h, `weight_hh_l${l}`, `bias_hh_l${l}`);
        if (cell === 'lstm') {
          const [i, f, g, o] = tf.split(tf.add(xt, hp), 4, 1);
          c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
          h = tf.mul(tf.sigmoid(o), tf.tanh(c));
        } else if (cell === 'gru') {
          const [xr, xz, xn] = tf.split(xt, 3, 1);
          const [hr, hz, hn] = tf.split(hp, 3, 1);
          const r = tf.sigmoid(tf.add(xr, hr));
          const z = tf.sigmoid(tf.add(xz, hz));
          const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
          h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
        } else {
          h = tf.tanh(tf.add(xt, hp));
        }
        outs.push(h);
      }
      seq = tf.stack(outs, 1);
      finalH.push(h);
      finalC.push(c);
    }
    const state = cell === 'lstm' ? tf.stack([tf.stack(finalH), tf.stack(finalC)]) : tf.expandDims(tf.stack(finalH), 0);
    return [seq, state];
  };
}

export const ops: Record<string, OpImpl> = { lstm: recurrent('lstm'), gru: recurrent('gru'), rnn: recurrent('rnn') };
