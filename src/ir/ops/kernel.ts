/**
 * How an IR node op is computed, written once beside its shape rule and read by every backend.
 *
 * A kernel says which function computes the node and with which arguments, through a
 * {@link KernelSite}: the tfjs executor's site hands over tensors and numbers and *calls* the
 * function; the TypeScript emitter's site hands over variable names and literals and *writes* the
 * call. So the executor and generated code run the same function of `src/runtime/` (or of tfjs)
 * with the same arguments by construction. The PyTorch emitter reads `torch`.
 *
 * Nothing here imports TensorFlow.js: a kernel names functions, the backends resolve them.
 */
import type { Dim } from '../dims.js';
import type { AttrValue, DType } from '../types.js';

/**
 * What a kernel can ask about its node, in the backend's representation `T` (a runtime value for
 * the executor, a code string for the TypeScript emitter).
 */
export interface KernelSite<T> {
  /** Input `i` of the node. */
  input(i: number): T;
  /** Whether optional input `i` was given (a recurrent layer's initial state). */
  hasInput(i: number): boolean;
  /** A parameter by role (`weight`); the node must have it. */
  param(role: string): T;
  /** A parameter by role, or undefined when the node has none (an optional bias). */
  optionalParam(role: string): T | undefined;
  /** Every parameter of the node as one object keyed by role, roles sorted (recurrent weights). */
  params(): T;
  /** An attribute as an argument (`eps`, `heads`). */
  attr(name: string): T;
  /** An attribute's value, for decisions the kernel makes (`kind`, `op`). */
  value(name: string): AttrValue;
  /** A constant argument. */
  literal(v: number | string | boolean): T;
  /** The length of input `i`'s time axis (axis 1), as an argument. */
  length(i: number): T;
  /** Where input `i`'s time axis starts in step-wise decoding; undefined in a full forward. */
  offset(i: number): T | undefined;
  /** Whether the model is training (dropout). */
  training(): T;
  /** The allowed-rows record input `i` carries from `masked` scores, if any (see `masked`). */
  rows(i: number): T | undefined;
  /** Inference-only cache for transposed weights (`linear`); undefined where there is none. */
  weightCache(): T | undefined;
  /** Calls `fn`: a function of the tfmc runtime (`softmax`) or of tfjs (`tf.relu`). Trailing undefined arguments are dropped. */
  call(fn: string, ...args: Array<T | undefined>): T;
  /** Static facts of the node (from the IR), for decisions. */
  readonly inputs: ReadonlyArray<{ dtype: DType; shape: readonly Dim[] }>;
  readonly outputs: ReadonlyArray<{ dtype: DType; shape: readonly Dim[] }>;
  /** Fails with a message naming the node (a compiler bug or a value the checker could not see). */
  fail(message: string): never;
}

/** What the PyTorch emitter can ask about a function node: its inputs' names and attributes, in Python. */
export interface TorchSite {
  input(i: number): string;
  /** How many inputs the node has (ops with a variable number of parts). */
  readonly inputCount: number;
  /** An attribute as a Python literal (an integer for an int attribute, a float with a point for a float one). */
  int(name: string): string;
  float(name: string): string;
  value(name: string): AttrValue;
  /** A free parameter of the node's own module by role, as the module reaches it (`self.table`). */
  param(role: string): string;
  readonly outputs: ReadonlyArray<{ dtype: DType }>;
  fail(message: string): never;
}

/** What the PyTorch emitter can ask about a layer node, to construct its runtime module. */
export interface TorchLayerSite {
  /** A parameter's shape by role (own or tied). */
  shape(role: string): number[];
  /** Whether the module owns this parameter (a tied weight is not owned). */
  owns(role: string): boolean;
  value(name: string): AttrValue | undefined;
  /** The last axis of output 0, when it is a number. */
  outputWidth(): number | undefined;
  /** A Python literal (`True`, `"learned"`, `12`). */
  literal(v: number | boolean | string): string;
  /** A Python float literal (`1e-05`, `0.0`). */
  float(v: number): string;
  fail(message: string): never;
}

export interface Kernel {
  /** The computation, for the tfjs executor and generated TypeScript. */
  tfjs<T>(k: KernelSite<T>): T;
  /**
   * What the call returns: one tensor (default); `tuple`, an array of the node's outputs
   * (recurrent layers); `rows`, `[output, allowedRows]` (`masked`).
   */
  returns?: 'tuple' | 'rows';
  /** Scores' allowed-rows record survives this op (elementwise ops, dropout): see `masked`. */
  keepsRows?: boolean;
  /** A function node's PyTorch expression. */
  torch?(k: TorchSite): string;
  /** A layer node: the runtime module it is in PyTorch (`Linear`) and its constructor call. */
  torchLayer?: { module: string; construct(k: TorchLayerSite): string };
  /** The stem of an unnamed result's local name in generated code (`probs`). */
  stem?: string;
}

/** The kernels of the node ops one op file emits, by `Node.op`. */
export type Kernels = Readonly<Record<string, Kernel>>;
