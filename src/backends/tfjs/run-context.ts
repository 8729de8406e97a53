/**
 * What running one IR node sees (`kernels.ts`): the node, the model's state for this forward call
 * (training, the allowed-rows records of masked scores, step offsets, the weight cache) and a way
 * to fail that names the node.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Node, TensorValue } from '../../ir/types.js';
import type { Mask, TransposedWeights } from '../../runtime/index.js';

/** A value while the model runs: a tensor, or a mask (built when it meets the scores it masks). */
export type RtValue = tf.Tensor | Mask;

export function isMask(v: RtValue): v is Mask {
  return typeof v === 'function';
}

export interface OpRunContext {
  readonly node: Node;
  /** The IR values the node reads and produces (their inferred dtypes and shapes). */
  readonly inputs: readonly TensorValue[];
  readonly outputs: readonly TensorValue[];
  readonly training: boolean;
  /** The variable behind one of the node's parameters, by role (`weight`, `bias`, `weight_ih_l0`). */
  param(role: string): tf.Tensor;
  /** Whether the node has a parameter with this role (optional biases). */
  hasParam(role: string): boolean;
  /** Throws a `ModelRuntimeError` naming this node's module and op. */
  fail(message: string): never;
  /**
   * Attention scores that went through `masked` carry a float `[B | 1, 1, Tq | 1, 1]` tensor that is
   * 0 for query rows with no key left to attend to; `softmax` multiplies by it so such rows give
   * zeros instead of a uniform distribution (or NaN).
   */
  readonly rowsAllowed: Map<tf.Tensor, tf.Tensor>;
  /**
   * Step-wise decoding (`src/ir/incremental.ts`): for each input, the position its sequence axis
   * starts at (the new rows of a step start after the cached ones). Absent in a full forward.
   */
  readonly offsets?: readonly number[];
  /** Inference only: transposes of weights kept between calls (see `matMulWeightT` in the runtime). */
  readonly transposedWeights?: TransposedWeights;
}

/** Where input `i`'s sequence axis starts (see {@link OpRunContext.offsets}). */
export function offsetOf(ctx: OpRunContext, i: number): number {
  return ctx.offsets?.[i] ?? 0;
}
