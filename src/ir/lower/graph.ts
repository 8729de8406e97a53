/** Builds one model's graph: values, nodes, parameters and module records. */
import type { Dim } from '../dims.js';
import { freeze } from '../dims.js';
import type { SourceRef } from '../source-ref.js';
import type { AttrValue, DType, ModuleInfo, Node, Param, TensorValue } from '../types.js';
import { GraphTooLarge, maxGraphNodes } from '../limits.js';

/** Sizes of the graph's tables at one moment. */
export interface GraphMark {
  values: number;
  nodes: number;
  params: number;
  modules: number;
  /** Cached by `cloneRange`: the parameters and modules between this mark and `layerEnd`. */
  layer?: { params: Param[]; modules: ModuleInfo[] };
  layerEnd?: GraphMark;
}

export class GraphBuilder {
  readonly values: TensorValue[] = [];
  readonly nodes: Node[] = [];
  readonly params = new Map<string, Param>();
  readonly modules = new Map<string, ModuleInfo>();
  /**
   * For a node emitted inside a block: the outermost call in the user's spec that expanded it
   * (`blocks(x, self_mask: m)`), where a lint about the node points. Not part of the IR.
   */
  readonly sites: Array<SourceRef | undefined> = [];
  /** Past this many nodes, building stops with `GraphTooLarge` (TFM4010) rather than exhausting memory. */
  private readonly nodeLimit = maxGraphNodes();

  private reserve(nodes: number): void {
    if (this.nodes.length + nodes > this.nodeLimit) throw new GraphTooLarge(this.nodes.length + nodes, this.nodeLimit);
  }

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
    this.reserve(1);
    const ids: number[] = [];
    for (let i = 0; i < inputs.length; i++) ids.push(inputs[i].id);
    const node: Node = { id: this.nodes.length, op, inputs: ids, outputs: [], attrs, module, params, source };
    const outs: TensorValue[] = [];
    for (let i = 0; i < outputs.length; i++) {
      const v: TensorValue = { id: this.values.length, dtype: outputs[i].dtype, shape: outputs[i].shape, producer: node.id, outputIndex: i, source };
      this.values.push(v);
      node.outputs.push(v.id);
      outs.push(v);
    }
    this.nodes.push(node);
    return outs;
  }

  /** A position in the graph, to copy what was built after it. */
  mark(): GraphMark {
    return { values: this.values.length, nodes: this.nodes.length, params: this.params.size, modules: this.modules.size };
  }

  /**
   * Appends a copy of the part of the graph built between `from` and `to` (one layer of a stack,
   * fed by the value `input`), fed by `feed` instead, with every module and parameter path under
   * `oldPrefix` moved to `newPrefix`. Returns the copy of `output`.
   */
  cloneRange(
    from: GraphMark,
    to: GraphMark,
    input: number,
    feed: TensorValue,
    output: TensorValue,
    oldPrefix: string,
    newPrefix: string,
  ): TensorValue {
    // A layer's nodes name few module paths, each many times: each is renamed once.
    const renamed = new Map<string, string>();
    const under = oldPrefix + '.';
    const rename = (path: string) => {
      let r = renamed.get(path);
      if (r === undefined) renamed.set(path, (r = path === oldPrefix ? newPrefix : path.startsWith(under) ? newPrefix + path.slice(oldPrefix.length) : path));
      return r;
    };
    this.reserve(to.nodes - from.nodes);
    const shiftV = this.values.length - from.values;
    const shiftN = this.nodes.length - from.nodes;
    const mapValue = (v: number) => (v === input ? feed.id : v >= from.values && v < to.values ? v + shiftV : v);
    for (let v = from.values; v < to.values; v++) {
      const src = this.values[v];
      this.values.push({ ...src, id: v + shiftV, producer: src.producer >= from.nodes ? src.producer + shiftN : src.producer });
    }
    for (let n = from.nodes; n < to.nodes; n++) {
      const src = this.nodes[n];
      const params: Record<string, string> = {};
      for (const k in src.params) params[k] = rename(src.params[k]);
      this.nodes.push({ ...src, id: n + shiftN, inputs: src.inputs.map(mapValue), outputs: src.outputs.map(mapValue), module: rename(src.module), params });
      const site = this.sites[n];
      if (site) this.sites[n + shiftN] = site;
    }
    // The layer's parameters and modules, listed once per range (not once per copy: a deep stack
    // would otherwise cost time quadratic in its depth).
    if (!from.layer || from.layerEnd !== to) {
      from.layerEnd = to;
      from.layer = { params: [...this.params.values()].slice(from.params, to.params), modules: [...this.modules.values()].slice(from.modules, to.modules) };
    }
    for (const p of from.layer.params) {
      const name = rename(p.name);
      if (!this.params.has(name)) this.params.set(name, { ...p, name, module: rename(p.module) });
    }
    for (const m of from.layer.modules) this.module({ ...m, path: rename(m.path) });
    return this.values[mapValue(output.id)];
  }

  module(info: ModuleInfo): void {
    if (!this.modules.has(info.path)) this.modules.set(info.path, info);
  }

  /**
   * Replaces every unification variable by its binding, so the IR is plain data. Values share
   * shape arrays (a stack's copied layers share their first layer's), so each is frozen once.
   */
  freeze(): void {
    const shapes = new Map<Dim[], Dim[]>();
    const once = (shape: Dim[]): Dim[] => {
      let f = shapes.get(shape);
      if (!f) shapes.set(shape, (f = frozen(shape)));
      return f;
    };
    for (const v of this.values) v.shape = once(v.shape);
    for (const m of this.modules.values()) if (m.outputShape) m.outputShape = once(m.outputShape);
  }
}

/** `shape` with every dim frozen; the same array when no dim changes (most shapes, in a stack's copies). */
function frozen(shape: Dim[]): Dim[] {
  let out: Dim[] | undefined;
  for (let i = 0; i < shape.length; i++) {
    const f = freeze(shape[i]);
    if (!out && f !== shape[i]) out = shape.slice(0, i);
    out?.push(f);
  }
  return out ?? shape;
}
