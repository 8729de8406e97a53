/** LSTM, GRU and RNN layers with PyTorch's weight layout. Part of the tfmc runtime: see `index.ts` for how these files are written. */
import * as tf from '@tensorflow/tfjs';
import { RuntimeError } from './core.js';
import { matMulWeightT } from './dense.js';

/** Weights of a recurrent layer by PyTorch name (`weight_ih_l0`, `bias_hh_l1`, ...). */
export type RecurrentWeights = Record<string, tf.Tensor | undefined>;

/**
 * PyTorch's batch-first `LSTM` / `GRU` / `RNN` (tanh) with its weight layout and gate order.
 * Returns the last layer's h at every step `[B, T, H]` and the final state `[k, layers, B, H]`
 * (k = 2 for LSTM's h and c); `init` is an initial state in that layout (zeros when absent).
 */
export function recurrent(cell: 'lstm' | 'gru' | 'rnn', x: tf.Tensor, init: tf.Tensor | undefined, weights: RecurrentWeights, hidden: number, layers: number): [tf.Tensor, tf.Tensor] {
  const project = (v: tf.Tensor, w: string, bias: string) => {
    const y = matMulWeightT(v, weights[w] as tf.Tensor);
    const b = weights[bias];
    return b ? tf.add(y, b) : y;
  };
  const gates = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
  const [b, t] = x.shape as number[];
  const parts = cell === 'lstm' ? 2 : 1;
  if (init && (init.rank !== 4 || init.shape[0] !== parts || init.shape[1] !== layers || init.shape[2] !== b || init.shape[3] !== hidden)) {
    throw new RuntimeError(`the initial state must be [${parts}, ${layers}, ${b}, ${hidden}], got [${init.shape.join(', ')}]`);
  }
  let seq = x;
  const finalH: tf.Tensor[] = [];
  const finalC: tf.Tensor[] = [];
  for (let l = 0; l < layers; l++) {
    const width = seq.shape[2] as number;
    const xProj = tf.reshape(project(tf.reshape(seq, [b * t, width]), `weight_ih_l${l}`, `bias_ih_l${l}`), [b, t, gates * hidden]);
    let h: tf.Tensor = init ? tf.squeeze(tf.slice(init, [0, l, 0, 0], [1, 1, b, hidden]), [0, 1]) : tf.zeros([b, hidden]);
    let c: tf.Tensor = init && cell === 'lstm' ? tf.squeeze(tf.slice(init, [1, l, 0, 0], [1, 1, b, hidden]), [0, 1]) : tf.zeros([b, hidden]);
    const outs: tf.Tensor[] = [];
    for (const xt of tf.unstack(xProj, 1)) {
      const hp = project(h, `weight_hh_l${l}`, `bias_hh_l${l}`);
      if (cell === 'lstm') {
        const [i, f, g, o] = tf.split(tf.add(xt, hp), 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
        h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      } else if (cell === 'gru') {
        const [xr, xz, xn] = tf.split(xt, 3, 1);
        const [hr, hz, hn] = tf.split(hp, 3, 1);
        const r = tf.sigmoid(tf.add(xr, hr));
        const z = tf.sigmoid(tf.add(xz, hz));
        h = tf.add(tf.mul(tf.sub(1, z), tf.tanh(tf.add(xn, tf.mul(r, hn)))), tf.mul(z, h));
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
}
