/**
 * What an op implementation receives and returns. One file per op family maps IR op names
 * (`Node.op`, as emitted by `src/ir/ops/*.ts`) to functions over tfjs tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import { constValue } from '../../../ir/dims.js';
import type { Node, TensorValue } from '../../../ir/types.js';
import type { TransposedWeights } from './dense.js';

/**
 * A mask at run time. Masks are materialised lazily: `causal` does not know its length until it
 * meets the attention scores it is applied to, so a mask is a function of the query and key
 * lengths that returns a bool tensor `[B | 1, Tq | 1, Tk]`, **true = may attend**.
 */
export interface RuntimeMask {
  kind: 'mask';
  /** What it was built from, for error messages (`causal`, `padding(src)`, `causal & padding(src)`). */
  describe: string;
  build(tq: number, tk: number, ctx: OpRunContext): tf.Tensor;
}

export type RtValue = tf.Tensor | RuntimeMask;

export function isMask(v: RtValue): v is RuntimeMask {
  return (v as RuntimeMask).kind === 'mask';
}

export interface OpRunContext {
  readonly node: Node;
  /** The IR values the node produces (their inferred dtypes and shapes). */
  readonly outputs: readonly TensorValue[];
  readonly training: boolean;
  /** The variable behind one of the node's parameters, by role (`weight`, `bias`, `weight_ih_l0`). */
  param(role: string): tf.Tensor;
  /** Whether the node has a parameter with this role (optional biases). */
  hasParam(role: string): boolean;
  /** Throws a {@link ModelRuntimeError} naming this node's module and op. */
  fail(message: string): never;
  /**
   * Attention scores that went through `masked` carry a float `[B | 1, 1, Tq | 1, 1]` tensor that is
   * 0 for query rows with no key left to attend to; `softmax` multiplies by it so such rows give
   * zeros instead of a uniform distribution (or NaN).
   */
  readonly rowsAllowed: Map<tf.Tensor, tf.Tensor>;
  /** Tensors shared within one forward call (e.g. a causal mask of a given size), keyed by string. */
  readonly cache: Map<string, tf.Tensor>;
  /**
   * Step-wise decoding (`src/ir/incremental.ts`): for each input, the position its sequence axis
   * starts at (the new rows of a step start after the cached ones). Absent or 0 in a full forward.
   */
  readonly offsets?: readonly number[];
  /** Inference only: transposes of weights kept between calls (see `dense.ts`). */
  readonly transposedWeights?: TransposedWeights;
}

/** Where input `i`'s sequence axis starts (see {@link OpRunContext.offsets}). */
export function offsetOf(ctx: OpRunContext, i: number): number {
  return ctx.offsets?.[i] ?? 0;
}

export type OpImpl = (inputs: RtValue[], ctx: OpRunContext) => RtValue[];

/** The tensor inputs of a node; a mask where data was expected is a compiler bug, reported as such. */
export function tensors(inputs: RtValue[], ctx: OpRunContext): tf.Tensor[] {
  return inputs.map((v, i) => {
    if (isMask(v)) ctx.fail(`input ${i} is a mask (${v.describe}) where a tensor was expected`);
    return v;
  });
}

export function numAttr(ctx: OpRunContext, name: string): number {
  const v = ctx.node.attrs[name];
  if (typeof v !== 'number') ctx.fail(`attribute \`${name}\` is missing or not a number`);
  return v;
}

export function boolAttr(ctx: OpRunContext, name: string): boolean {
  return ctx.node.attrs[name] === true;
}

export function stringAttr(ctx: OpRunContext, name: string): string {
  const v = ctx.node.attrs[name];
  if (typeof v !== 'string') ctx.fail(`attribute \`${name}\` is missing or not a string`);
  return v;
}

/** A dimension of an output that the IR knows as a number (a layer's width). */
export function knownOutputDim(ctx: OpRunContext, axis: number, output = 0): number {
  const shape = ctx.outputs[output]?.shape;
  const d = shape ? shape[axis < 0 ? shape.length + axis : axis] : undefined;
  const v = d ? constValue(d) : undefined;
  if (v === undefined) ctx.fail(`the size of axis ${axis} of output ${output} is not known to the compiler`);
  return v;
}
