/** Builds one model's graph: values, nodes, parameters and module records. */
import type { Dim } from '../dims.js';
import { freeze } from '../dims.js';
import type { AttrValue, DType, ModuleInfo, Node, Param, SourceRef, TensorValue } from '../types.js';

export class GraphBuilder {
  readonly values: TensorValue[] = [];
  readonly nodes: Node[] = [];
  readonly params = new Map<string, Param>();
  readonly modules = new Map<string, ModuleInfo>();

  input(name: string, dtype: DType, shape: Dim[], source: SourceRef): TensorValue {
    const v: TensorValue = { id: this.values.length, dtype, shape, producer: -1, outputIndex: 0, source, name };
    this.values.push(v);
    return v;
  }

  emit(
    op: string,
    inputs: TensorValue[],
    outputs: Array<{ dtype: DType; shape: Dim[] }>,
    attrs: Record<string, AttrValue>,
    params: Record<string, string>,
    module: string,
    source: SourceRef,
  ): TensorValue[] {
    const node: Node = { id: this.nodes.length, op, inputs: inputs.map((i) => i.id), outputs: [], attrs, module, params, source };
    const outs = outputs.map((o, i) => {
      const v: TensorValue = { id: this.values.length, dtype: o.dtype, shape: o.shape, producer: node.id, outputIndex: i, source };
      this.values.push(v);
      node.outputs.push(v.id);
      return v;
    });
    this.nodes.push(node);
    return outs;
  }

  module(info: ModuleInfo): void {
    if (!this.modules.has(info.path)) this.modules.set(info.path, info);
  }

  /** Replaces every unification variable by its binding, so the IR is plain data. */
  freeze(): void {
    for (const v of this.values) v.shape = v.shape.map(freeze);
    for (const m of this.modules.values()) if (m.outputShape) m.outputShape = m.outputShape.map(freeze);
  }
}
