/** Builds one model's graph: values, nodes, parameters and module records. */
import type { Dim } from '../dims.js';
import { freeze, settled } from '../dims.js';
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
  /**
   * By value id: its shape as the IR will hold it (origins dropped, variables replaced), made
   * when the value is, or undefined while a dim still has an unbound variable. Freezing the graph
   * then reads this instead of walking every dim again after lowering, when they are long out of
   * the cache (that walk was a tenth of a Swin check).
   */
  private readonly settledShapes: Array<Dim[] | undefined> = [];
  /** The value whose shape is a module's output shape (the last one applied). */
  private readonly outputOf = new Map<ModuleInfo, number>();
  /** Past this many nodes, building stops with `GraphTooLarge` (TFM4010) rather than exhausting memory. */
  private readonly nodeLimit = maxGraphNodes();

  private reserve(nodes: number): void {
    if (this.nodes.length + nodes > this.nodeLimit) throw new GraphTooLarge(this.nodes.length + nodes, this.nodeLimit);
  }

  input(name: string, dtype: DType, shape: Dim[], source: SourceRef): TensorValue {
    const v: TensorValue = { id: this.values.length, dtype, shape, producer: -1, outputIndex: 0, source, name };
    this.values.push(v);
    this.settledShapes.push(settledShape(shape));
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
    // Arrays made at their length: they are kept in the IR, and one grown by `push` from empty
    // reserves 17 slots for the one or two ids most nodes have.
    const ids = inputs.map(idOf);
    const outs = new Array<TensorValue>(outputs.length);
    const outIds = new Array<number>(outputs.length);
    const node: Node = { id: this.nodes.length, op, inputs: ids, outputs: outIds, attrs, module, params, source };
    for (let i = 0; i < outputs.length; i++) {
      const shape = outputs[i].shape;
      const v: TensorValue = { id: this.values.length, dtype: outputs[i].dtype, shape, producer: node.id, outputIndex: i, source };
      this.values.push(v);
      // An elementwise op's output shares its input's shape array, and so its settled shape.
      let same = -1;
      for (let j = 0; j < inputs.length && same < 0; j++) if (inputs[j].shape === shape) same = inputs[j].id;
      this.settledShapes.push(same >= 0 ? this.settledShapes[same] : settledShape(shape));
      outIds[i] = v.id;
      outs[i] = v;
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
      this.settledShapes.push(this.settledShapes[v]);
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
    for (const m of from.layer.modules) {
      const path = rename(m.path);
      if (this.modules.has(path)) continue;
      const copy = { ...m, path };
      this.modules.set(path, copy);
      // Its output shape is that of the copy of its output value (the same array).
      const out = this.outputOf.get(m);
      if (out !== undefined && out >= from.values && out < to.values) this.outputOf.set(copy, out + shiftV);
    }
    return this.values[mapValue(output.id)];
  }

  module(info: ModuleInfo): void {
    if (!this.modules.has(info.path)) this.modules.set(info.path, info);
  }

  /** Records `value`'s shape and dtype as the output of a module. */
  moduleOutput(info: ModuleInfo, value: TensorValue): void {
    info.outputShape = value.shape;
    info.outputDType = value.dtype;
    this.outputOf.set(info, value.id);
  }

  /**
   * Replaces every unification variable by its binding and drops the origins of sizes, so the IR
   * is plain data. Values share shape arrays (a stack's copied layers share their first layer's),
   * so each is frozen once.
   */
  freeze(): void {
    const shapes = new Map<Dim[], Dim[]>();
    const once = (shape: Dim[]): Dim[] => {
      let f = shapes.get(shape);
      if (!f) shapes.set(shape, (f = frozen(shape)));
      return f;
    };
    for (const v of this.values) v.shape = this.settledShapes[v.id] ?? once(v.shape);
    for (const [info, value] of this.outputOf) info.outputShape = this.values[value].shape;
    for (const m of this.modules.values()) if (m.outputShape && !this.outputOf.has(m)) m.outputShape = once(m.outputShape);
  }
}

const idOf = (t: TensorValue): number => t.id;

/** `shape` with every dim settled (the same array when no dim changes), or undefined when one has an unbound variable. */
function settledShape(shape: Dim[]): Dim[] | undefined {
  let out: Dim[] | undefined;
  for (let i = 0; i < shape.length; i++) {
    const d = settled(shape[i]);
    if (!d) return undefined;
    if (!out && d !== shape[i]) out = copyStart(shape, i);
    if (out) out[i] = d;
  }
  return out ?? shape;
}

/** A new array of `shape`'s length (it is kept in the IR: not grown by `push`) holding its first `n` dims. */
function copyStart(shape: Dim[], n: number): Dim[] {
  const out = new Array<Dim>(shape.length);
  for (let j = 0; j < n; j++) out[j] = shape[j];
  return out;
}

/** `shape` with every dim frozen; the same array when no dim changes. */
function frozen(shape: Dim[]): Dim[] {
  let out: Dim[] | undefined;
  for (let i = 0; i < shape.length; i++) {
    const f = freeze(shape[i]);
    if (!out && f !== shape[i]) out = copyStart(shape, i);
    if (out) out[i] = f;
  }
  return out ?? shape;
}
