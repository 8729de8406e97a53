/**
 * What a lowering sees of the IR node it turns into ONNX nodes, and what it returns. Lowerings are
 * written once per IR op in the family files of `ops/`, the way `src/ir/ops/` kernels are.
 */
import type { AttrValue, Node, TensorValue } from '../../ir/types.js';
import type { OnnxGraph } from './graph.js';

/**
 * A mask is built where it meets the scores it masks, as in the runtime: from the int64 `[1]`
 * sizes of the queries and keys, a bool `[B | 1, Tq | 1, Tk]` (true = may attend). The queries
 * are the last `tq` positions of the keys.
 */
export type MaskBuilder = (tq: string, tk: string) => string;

/** What a lowering returns: one tensor, several (multi-output ops), a mask, or scores with their rows-with-a-key record. */
export type Lowered = string | string[] | { mask: MaskBuilder } | { tensor: string; rows: string };

/** The op cannot be expressed in ONNX here (reported as TFM7001 naming the op and its span). */
export class NoLowering extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NoLowering';
  }
}

export interface LowerSite {
  readonly g: OnnxGraph;
  readonly node: Node;
  /** The ONNX tensor of input `i`. */
  input(i: number): string;
  /** Input `i` as a mask (a mask value, or a bool tensor taken as one). */
  mask(i: number): MaskBuilder;
  hasInput(i: number): boolean;
  /** The IR value of input / output `i` (dtype and shape). */
  inValue(i: number): TensorValue;
  outValue(i: number): TensorValue;
  /** The initializer of a parameter by role. */
  param(role: string): string;
  optionalParam(role: string): string | undefined;
  paramShape(role: string): number[];
  attr(name: string): AttrValue | undefined;
  num(name: string, fallback?: number): number;
  /** The rows-with-a-key record input `i` carries from `masked`, if any. */
  rows(i: number): string | undefined;
  /** Stops: this node cannot be lowered (a TFM7001 diagnostic). */
  unsupported(reason: string): never;
}

export type Lowering = (k: LowerSite) => Lowered;
export type Lowerings = Readonly<Record<string, Lowering>>;
