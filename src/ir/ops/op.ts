/**
 * A primitive operation: its arguments, shape rule, parameters and FLOP count, in one place.
 * Layers (`Linear`, `Embedding`, ...) are constructed with config arguments and then applied to
 * tensors; functions (`softmax`, `split_heads`, ...) are applied directly.
 */
import type { KnownCode, Label } from '../../check/diagnostics.js';
import type { Dim } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { AttrValue, DType, Node, TensorValue } from '../types.js';
import type { Value } from '../values.js';

export type ArgType = 'int' | 'float' | 'bool' | 'enum' | 'tensor' | 'module' | 'string';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Members of an enum argument. */
  members?: readonly string[];
  /** Absent: required. `null`: optional with no value (an omitted tensor input). */
  default?: Value | null;
  doc: string;
}

/** What an op implementation may do while it is being applied. */
export interface OpContext {
  /** The whole call expression. */
  readonly callSite: SourceRef;
  /** Where an argument was written (the call site when it was defaulted). */
  argSource(name: string): SourceRef;
  /** Reports a diagnostic; the primary label defaults to the call site. */
  error(
    code: KnownCode,
    message: string,
    extra?: { primary?: Label; secondary?: Label[]; notes?: string[]; help?: string },
  ): void;
  /** A label "this is `[batch, seq, 512]`" for a tensor's producing expression. */
  shapeLabel(t: TensorValue, prefix?: string): Label;
  /** Adds a node to the graph; returns its output tensors. */
  emit(
    op: string,
    inputs: TensorValue[],
    outputs: Array<{ dtype: DType; shape: Dim[] }>,
    attrs?: Record<string, AttrValue>,
    params?: Record<string, string>,
  ): TensorValue[];
  /** Declares (or, for a shared module, re-uses and checks) a parameter of the current layer. */
  param(role: string, shape: number[], init: string): string;
  /** Upper bound (`where seq <= 512`) on a dim, if the model declared one. */
  upperBound(d: Dim): { max: number; source: SourceRef } | undefined;
  /** The full name of a parameter of another layer module (tied weights). */
  moduleParam(module: Value, role: string): { name: string; shape: number[] } | undefined;
  readonly modulePath: string;
}

export interface FlopsInput {
  node: Node;
  /** Concrete shapes of the node's inputs and outputs (at the summary's batch and seq). */
  inputs: number[][];
  outputs: number[][];
}

interface OpBase {
  name: string;
  doc: string;
  /** Forward FLOPs of one application (multiply-add = 2). */
  flops?: (x: FlopsInput) => number;
}

export interface FunctionOpDef extends OpBase {
  kind: 'function';
  args: readonly ArgSpec[];
  apply(ctx: OpContext, args: Record<string, Value>): Value;
}

export interface LayerOpDef extends OpBase {
  kind: 'layer';
  /** Arguments of the constructor, `Linear(512, bias: false)`. */
  config: readonly ArgSpec[];
  /** Arguments of an application, `layer(x)`. */
  inputs: readonly ArgSpec[];
  apply(ctx: OpContext, config: Record<string, Value>, inputs: Record<string, Value>): Value;
}

export type OpDef = FunctionOpDef | LayerOpDef;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
