/**
 * Initial parameter values, by `Param.init`:
 * - `uniform_fan_in`: U(−1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = product of all axes but the
 *   first (PyTorch's default for Linear and Conv weights: kaiming_uniform with a = sqrt(5)).
 * - `uniform_hidden`: U(−1/sqrt(hidden), 1/sqrt(hidden)) (PyTorch's RNN/LSTM/GRU init).
 * - `zeros`, `ones`.
 * - `normal`: N(0, 0.02²) (learned positions, `[CLS]`, relative position buckets; GPT-2/BERT/ViT).
 * - `embedding`: N(0, 1/dim) for a `[rows, dim]` table, so token vectors have unit norm on
 *   average: unit variance after the paper's ×sqrt(d_model) scaling, and unit-scale logits when
 *   the table is tied to the output projection (fairseq's choice; PyTorch's bare default, N(0, 1),
 *   gives logits of size sqrt(dim) through a tied head).
 */
import * as tf from '@tensorflow/tfjs';
import { hiddenSizeOf } from '../../ir/queries.js';
import type { ModelIR, Param } from '../../ir/types.js';

export const NORMAL_STD = 0.02;

export class UnknownInitError extends Error {
  constructor(readonly param: string, readonly init: string) {
    super(`parameter \`${param}\` has an initialiser \`${init}\` that the tfjs backend does not know`);
    this.name = 'UnknownInitError';
  }
}

/** A small deterministic seed sequence: each parameter gets its own seed from the model seed. */
function paramSeed(base: number | undefined, index: number): number | undefined {
  return base === undefined ? undefined : (base * 1_000_003 + index * 7919 + 17) % 2_147_483_647;
}

export function initialValue(ir: ModelIR, param: Param, index: number, seed?: number): tf.Tensor {
  const s = paramSeed(seed, index);
  const shape = param.shape;
  switch (param.init) {
    case 'zeros':
      return tf.zeros(shape);
    case 'ones':
      return tf.ones(shape);
    case 'normal':
      return tf.randomNormal(shape, 0, NORMAL_STD, 'float32', s);
    case 'embedding':
      return tf.randomNormal(shape, 0, 1 / Math.sqrt(shape[shape.length - 1]), 'float32', s);
    case 'uniform_fan_in': {
      const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : shape[0];
      const bound = 1 / Math.sqrt(fanIn);
      return tf.randomUniform(shape, -bound, bound, 'float32', s);
    }
    case 'uniform_hidden': {
      const bound = 1 / Math.sqrt(hiddenSizeOf(ir, param));
      return tf.randomUniform(shape, -bound, bound, 'float32', s);
    }
    default:
      throw new UnknownInitError(param.name, param.init);
  }
}
