/**
 * The typed IR: one graph per model, consumed by every backend. Backends never see syntax; every
 * node keeps the span it came from so a later error still points at the spec.
 */
import type { Dim } from './dims.js';
import type { SourceRef } from './source-ref.js';

export type DType = 'int32' | 'float32' | 'bool' | 'mask';
export const DTYPES: readonly DType[] = ['int32', 'float32', 'bool', 'mask'];

/** A tensor in the graph: produced by exactly one node (or a model input). */
export interface TensorValue {
  id: number;
  dtype: DType;
  shape: Dim[];
  /** The node that produced it (-1 for model inputs). */
  producer: number;
  /** Which output of the producer (multi-output ops such as LSTM). */
  outputIndex: number;
  /** The expression that produced it, for "this is `[batch, seq, 512]`" labels. */
  source: SourceRef;
  /** The binding name, when the value was bound with `let`, an input or a port. */
  name?: string;
  /** A model input: where its dtype is written (`float32` in `input ids: float32[...]`), the fix for a wrong one. */
  declaredDtype?: SourceRef;
  /** A model input: its whole declared type (`float32[batch, 3, 224, 224]`), for fixes of its layout. */
  declaredType?: SourceRef;
  /** A model input's declared value range `in [min, max)` (max exclusive), checked against the tables it indexes and on real data. */
  range?: ValueRangeIR;
  /** For masks: what they were built from (`causal`, `padding`), for the empty-row warning. */
  maskKinds?: string[];
}

export interface ValueRangeIR {
  min: number;
  /** Exclusive: `in [0, vocab)` and `in [0, vocab - 1]` both give `vocab`. */
  max: number;
  source: SourceRef;
}

export type AttrValue = number | boolean | string | null | number[] | string[];

/** One primitive operation applied once. */
export interface Node {
  id: number;
  op: string;
  inputs: number[];
  outputs: number[];
  attrs: Record<string, AttrValue>;
  /** Path of the module this node belongs to (`decoder.layers.3.self_attn.q_proj`), or '' at model level. */
  module: string;
  /** Parameters this node reads, by local role (`weight`, `bias`) → full parameter name. */
  params: Record<string, string>;
  source: SourceRef;
}

/**
 * A tensor of the model's state with a PyTorch-style `state_dict` name: a trainable parameter, or
 * a buffer (`buffer: true`, BatchNorm's running statistics) that the model updates itself and that
 * checkpoints and weight files carry like a parameter, but that no optimizer trains and no
 * parameter count includes (PyTorch's `register_buffer`).
 */
export interface Param {
  name: string;
  shape: number[];
  /** How the backends initialise it: `normal`, `zeros`, `ones`, `uniform_fan_in`, `embedding`, ... */
  init: string;
  /** Owning module path. */
  module: string;
  source: SourceRef;
  /** State, not a trained parameter (see above). */
  buffer?: true;
}

/** A module instance: a block instance, a layer, or a repeat stack (for summaries and naming). */
export interface ModuleInfo {
  path: string;
  kind: string;
  depth: number;
  source: SourceRef;
  /** Output shape of its (last) application, when it was applied. */
  outputShape?: Dim[];
  outputDType?: DType;
  /**
   * A `repeat N shared` stack (kind `repeat N shared`): the kind of its one layer (`EncoderLayer`,
   * `Linear`), whose modules and parameters are under the stack's own path, without an index.
   */
  layer?: string;
  /**
   * A primitive layer (`Linear`, `LSTM`), or a shared stack of one. The kind alone cannot tell:
   * a spec may declare a block of the same name (`block LayerNorm`).
   */
  primitive?: true;
}

export type ConfigValue = number | boolean | string;

export interface ConfigEntryInfo {
  name: string;
  value: ConfigValue;
  type: 'int' | 'float' | 'bool' | 'enum' | 'string';
  source: SourceRef;
}

export interface ModelInput {
  name: string;
  value: number;
  source: SourceRef;
}

export interface ModelOutput {
  name: string;
  value: number;
  source: SourceRef;
}

/** Upper bounds on symbolic dims from `where seq <= ctx`. */
export interface DimBound {
  dim: string;
  max?: number;
  min?: number;
  source: SourceRef;
}

export interface ModelIR {
  name: string;
  file: string;
  source: SourceRef;
  base?: string;
  config: ConfigEntryInfo[];
  inputs: ModelInput[];
  outputs: ModelOutput[];
  losses: ModelOutput[];
  values: TensorValue[];
  nodes: Node[];
  params: Param[];
  modules: ModuleInfo[];
  bounds: DimBound[];
}

/** The trained numbers `p` holds: its size, or 0 for a buffer (state is not a parameter). */
export function paramCount(p: Param): number {
  return p.buffer ? 0 : p.shape.reduce((a, b) => a * b, 1);
}

/**
 * The parameters under each module path (those named `path.…`), for every path at once: one pass
 * over the parameters instead of one per module, which made a summary or a graph of n layers cost n².
 */
export function paramsByModulePath(params: readonly Param[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of params) {
    const n = paramCount(p);
    for (let dot = p.name.indexOf('.'); dot > 0; dot = p.name.indexOf('.', dot + 1)) {
      const prefix = p.name.slice(0, dot);
      out.set(prefix, (out.get(prefix) ?? 0) + n);
    }
  }
  return out;
}

export function totalParams(model: ModelIR): number {
  return model.params.reduce((a, p) => a + paramCount(p), 0);
}
