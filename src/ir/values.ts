/**
 * Values of the lowering evaluator. Config arithmetic, block parameters and module construction
 * happen at compile time; only `tensor` values become part of the IR graph.
 *
 * The contract of a primitive op (which ops/*.ts implement) is here too: an op is a value (`softmax`,
 * `Linear`) and takes and returns values. The two sets of types refer to each other, so they share
 * one module rather than import each other.
 */
import type { Help, KnownCode, Label } from '../diagnostics/diagnostic.js';
import type { BlockDecl, Expr } from '../syntax/ast.js';
import type { Dim } from './dims.js';
import type { SourceRef } from './source-ref.js';
import type { AttrValue, DType, Node, TensorValue } from './types.js';

export type Value =
  /** `origin`: where a config value was set, for labels like "`heads` = 6 is set here". */
  | { kind: 'int'; value: number; origin?: ValueOrigin }
  /** `division`: the inexact integer division that made this a float (`image / patch` = 222 / 16). */
  | { kind: 'float'; value: number; origin?: ValueOrigin; division?: InexactDivision }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'enum'; name: string }
  | { kind: 'none' }
  | { kind: 'tensor'; tensor: TensorValue; fields?: Record<string, TensorValue> }
  | { kind: 'module'; module: ModuleValue }
  | { kind: 'op'; op: OpDef }
  | { kind: 'block'; block: BlockDef }
  /** `[a, b, c]`: the items and where each was written. */
  | { kind: 'list'; items: Value[]; sources: SourceRef[] }
  /** A list read as a shape (`reshape(x, [batch, seq, heads, d_k])`): names are dims there. */
  | { kind: 'shape'; dims: Dim[]; sources: SourceRef[] }
  /** Poison: the error was already reported; anything built from it is silently poison too. */
  | { kind: 'error' };

/** Where a config value was set: its entry, an `extends` override, or `--set key=value`. */
export type ConstDimOrigin = NonNullable<import('./dims.js').ConstDim['origin']>;

export interface ValueOrigin extends SourceRef {
  name: string;
  /** The `--set` text when the value came from the command line. */
  cli?: string;
}

/** `x / y` of two integers that does not divide: each side as written, its value and origin. */
export interface InexactDivision {
  x: { name: string; value: number; origin?: ValueOrigin };
  y: { name: string; value: number; origin?: ValueOrigin };
  at: SourceRef;
}

export const ERROR: Value = { kind: 'error' };
export const NONE: Value = { kind: 'none' };

/** A block declaration together with the file it lives in. */
export interface BlockDef {
  decl: BlockDecl;
  file: string;
}

export type ModuleValue = LayerModule | BlockModule | RepeatModule;

interface ModuleBase {
  path: string;
  source: SourceRef;
  /** Applications so far: a second one shares parameters (and is checked against the first). */
  applied: number;
}

export interface LayerModule extends ModuleBase {
  kind: 'layer';
  op: LayerOpDef;
  args: Record<string, Value>;
  argSources: Record<string, SourceRef>;
}

export interface BlockModule extends ModuleBase {
  kind: 'block';
  block: BlockDef;
  params: Map<string, Value>;
}

export interface RepeatModule extends ModuleBase {
  kind: 'repeat';
  count: number;
  shared: boolean;
  body: Expr;
  /** Builds the i-th layer's module (closure over the defining scope). */
  build: (index: number, path: string) => ModuleValue | undefined;
  layers: ModuleValue[];
}

/*
 * A primitive operation: its arguments, shape rule, parameters and FLOP count, in one place.
 * Layers (`Linear`, `Embedding`, ...) are constructed with config arguments and then applied to
 * tensors; functions (`softmax`, `split_heads`, ...) are applied directly.
 */

/**
 * `shape`: a list of dimensions (`[batch, seq, 4, 16]`); `ints`: a list of integers (an axis
 * order); `tensors`: a list of tensors; `parts`: a tensor or a list of tensors (`concat`);
 * `operand`: a tensor or a number (`select(c, x, 0.0)`).
 */
export type ArgType = 'int' | 'float' | 'bool' | 'enum' | 'tensor' | 'module' | 'string' | 'shape' | 'ints' | 'tensors' | 'parts' | 'operand';

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
  /** Where item `i` of a list argument was written (the whole argument when it is not a written list). */
  itemSource(name: string, i: number): SourceRef;
  /** Reports a diagnostic; the primary label defaults to the call site. */
  error(
    code: KnownCode,
    message: string,
    extra?: { primary?: Label; secondary?: Label[]; notes?: string[]; help?: string | Help },
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
  /** Declares a buffer of the current layer: state it updates itself, saved but not trained (see `Param.buffer`). */
  buffer(role: string, shape: number[], init: string): string;
  /** Upper bound (`where seq <= 512`) on a dim, if the model declared one. */
  upperBound(d: Dim): { max: number; source: SourceRef } | undefined;
  /**
   * The fix "bound symbol `sym` by `max`": the input that declares it (the label's place), the bound
   * (`max` spelled as its config key when it has one) and the edit appending `where <bound>` to it. Undefined when no input of the user's spec declares it.
   */
  /**
   * The fix "make dim `d` equal `needed`": where its size was written in the user's spec (spelled
   * as `spelled`, else as the config key holding `needed` when there is one), else the config line it was set on.
   * Undefined for a size that is not a constant or was written only in the standard library.
   */
  dimFix(d: Dim, needed: number, spelled?: string): { at: SourceRef; edits: Array<{ file: string; span: SourceRef['span']; text: string }> } | undefined;
  /**
   * The origin of a size computed from argument `name`: where it is written, and (`set`) the config
   * line or call argument that set its value, so a shape error can point at what the user chose.
   */
  argDimOrigin(name: string, what: string): ConstDimOrigin;
  /** Whether `file` is the user's (not the standard library): a place a fix may edit. */
  isUserFile(file: string): boolean;
  boundFix(sym: string, max: number): { declared: SourceRef; bound: string; edits: Array<{ file: string; span: SourceRef['span']; text: string }> } | undefined;
  /** The full name of a parameter of another layer module (tied weights). */
  moduleParam(module: Value, role: string): { name: string; shape: number[] } | undefined;
  readonly modulePath: string;
  /**
   * `let table = param(...)`: the name the call's value is bound to, when the call is the whole
   * right-hand side of a `let` (a free parameter takes it); undefined otherwise.
   */
  readonly bindingName: string | undefined;
  /** Reserves a free parameter's name among the module names of the current body; false when taken. */
  claimName(name: string): boolean;
  /** The node that produced a tensor (its op, attributes and inputs); undefined for a model input. */
  producer(t: TensorValue): { op: string; attrs: Record<string, AttrValue>; inputs: TensorValue[]; site?: SourceRef } | undefined;
  /**
   * The fix "write `needed` for argument `name`": an edit of the argument as the user wrote it,
   * spelled as the config key holding that value when there is exactly one (`ctx`), else as the
   * written text plus the difference (`(image / patch) ^ 2 + 1`), else the number. Undefined when
   * the argument was defaulted or lives in the standard library.
   */
  sizeFix(name: string, needed: number, had: number): { message: string; edits: Array<{ file: string; span: SourceRef['span']; text: string }> } | undefined;
  /**
   * Where a layer argument's value was set: the config line or block argument in the user's spec
   * it came from, else where the argument is written. The label for "this value is wrong".
   */
  valueSite(name: string, message?: string): Label;
  /** The source text at `ref`, when its file is loaded (fixes that rewrite what the user wrote). */
  textAt(ref: SourceRef): string | undefined;
  /** Where argument `name` was written by the user (not a default, not inside the standard library). */
  userArg(name: string): SourceRef | undefined;
  /** Where a layer's config argument was set, when it is a config value (`patch` = 16 set here). */
  argOrigin(name: string): ValueOrigin | undefined;
  /** Reports `x` not divisible by `y` where the value to change was set (see lower/divisibility.ts). */
  notDivisible(x: { name: string; value: number; origin?: ValueOrigin }, y: { name: string; value: number; origin?: ValueOrigin }, requirement: Label): void;
  /** The integer a name is bound to where the op is called (`heads` in a pattern), if any. */
  intNamed(name: string): number | undefined;
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
  /** Behind an operator or a built-in value (`+`, `@`, `&`, `causal`), not a name a spec calls. */
  operator?: boolean;
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

export function describeValue(v: Value): string {
  switch (v.kind) {
    case 'int':
      return 'an integer';
    case 'float':
      return 'a number';
    case 'bool':
      return 'a boolean';
    case 'string':
      return 'a string';
    case 'enum':
      return `the enum value \`${v.name}\``;
    case 'none':
      return 'nothing (an optional input that was not given)';
    case 'tensor':
      return v.tensor.dtype === 'mask' ? 'a mask' : 'a tensor';
    case 'module':
      return v.module.kind === 'repeat' ? 'a stack of layers' : `a \`${moduleKindName(v.module)}\` layer`;
    case 'op':
      return v.op.kind === 'layer' ? `the layer \`${v.op.name}\`` : `the function \`${v.op.name}\``;
    case 'block':
      return `the block \`${v.block.decl.name.name}\``;
    case 'list':
      return 'a list';
    case 'shape':
      return 'a shape';
    case 'error':
      return 'an invalid value';
  }
}

export function moduleKindName(m: ModuleValue): string {
  switch (m.kind) {
    case 'layer':
      return m.op.name;
    case 'block':
      return m.block.decl.name.name;
    case 'repeat':
      return 'repeat';
  }
}

export function isNumber(v: Value): v is { kind: 'int' | 'float'; value: number } {
  return v.kind === 'int' || v.kind === 'float';
}
