/**
 * A backend-neutral picture of one model, from its IR alone: boxes (ops, or whole modules
 * collapsed into one), nested clusters (modules shown open), and edges labelled with the
 * tensor shapes the checker inferred. The DOT and Mermaid emitters draw it; nothing here knows
 * either syntax.
 *
 * Depth: modules nested fewer than `depth` levels deep are drawn open (a cluster around their
 * contents); a module at level `depth` is one box. So depth 0 shows the model's top-level
 * modules as boxes, depth 1 opens them (a `repeat` stack shows its layers), and so on. A module
 * with no sub-modules (a `Linear`, a `LayerNorm`) is always one box: its ops are an
 * implementation detail.
 */
import { renderShape } from '../../ir/dims.js';
import { DEFAULT_DEPTH } from './constants.js';
import { paramsByModulePath, type ModelIR, type TensorValue } from '../../ir/types.js';

export type GraphNodeKind = 'input' | 'output' | 'loss' | 'op' | 'module';

export interface GraphNode {
  /** A generated id (`n0`, `n1`, ...): never a user's name, so emitters can use it unquoted. */
  id: string;
  kind: GraphNodeKind;
  /** First line: the op, the module's path or the input/output name. */
  label: string;
  /** Second line, if any: the block a module instantiates, an input's type. */
  detail?: string;
  /** A module box's parameters (as `tfmc summary` counts them: the parameters under its path), when there are any. */
  params?: number;
  /** The cluster drawn around it, if any. */
  cluster?: string;
}

export interface GraphCluster {
  id: string;
  label: string;
  parent?: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The tensor's shape, e.g. `[batch, seq, 768]` (dtype first unless float32). */
  label: string;
  /** `tied`: a parameter shared with another module (drawn dashed). */
  kind: 'data' | 'tied';
}

export interface ModelGraph {
  name: string;
  nodes: GraphNode[];
  clusters: GraphCluster[];
  edges: GraphEdge[];
}

export interface GraphOptions {
  /** Levels of modules drawn open (default 1). */
  depth?: number;
}

/** The lines of a box: its label, its detail, and a module's parameter count (`12.6K params`). */
export function nodeLabel(n: GraphNode): string {
  const lines = [n.label];
  if (n.detail !== undefined) lines.push(n.detail);
  if (n.params !== undefined) lines.push(`${compactCount(n.params)} param${n.params === 1 ? '' : 's'}`);
  return lines.join('\n');
}

/** A count in three significant digits: `768`, `3.2K`, `12.6K`, `124M`, `1.5B`. */
export function compactCount(n: number): string {
  const units = ['', 'K', 'M', 'B', 'T'];
  let i = 0;
  let v = n;
  while (i < units.length - 1 && Math.abs(Number(v.toPrecision(3))) >= 1000) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : Number(v.toPrecision(3))}${units[i]}`;
}

/** How a tensor is labelled on an edge. */
export function tensorLabel(v: TensorValue): string {
  const shape = renderShape(v.shape);
  return v.dtype === 'float32' ? shape : `${v.dtype}${shape}`;
}

export function buildModelGraph(model: ModelIR, options: GraphOptions = {}): ModelGraph {
  const depth = options.depth ?? DEFAULT_DEPTH;
  const modules = new Map(model.modules.map((m) => [m.path, m]));
  const hasChildren = new Set<string>();
  for (const m of model.modules) {
    const dot = m.path.lastIndexOf('.');
    if (dot > 0) hasChildren.add(m.path.slice(0, dot));
  }

  const nodes: GraphNode[] = [];
  const clusters = new Map<string, GraphCluster>();
  const edges: GraphEdge[] = [];
  const edgeKeys = new Set<string>();
  const boxes = new Map<string, GraphNode>(); // collapsed module path → its box

  /** The modules enclosing `path`, outermost first (prefixes of the path that are modules). */
  const chain = (path: string): string[] => {
    if (path === '') return [];
    const parts = path.split('.');
    const out: string[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (modules.has(prefix)) out.push(prefix);
    }
    return out;
  };

  const clusterFor = (path: string | undefined): string | undefined => {
    if (path === undefined) return undefined;
    let c = clusters.get(path);
    if (!c) {
      const enclosing = chain(path).slice(0, -1);
      const parent = clusterFor(enclosing[enclosing.length - 1]);
      const info = modules.get(path)!;
      c = { id: `c${clusters.size}`, label: `${path}: ${info.kind}`, parent };
      clusters.set(path, c);
    }
    return c.id;
  };

  const add = (node: Omit<GraphNode, 'id'>): GraphNode => {
    const n = { id: `n${nodes.length}`, ...node };
    if (n.cluster === undefined) delete n.cluster;
    if (n.detail === undefined) delete n.detail;
    if (!n.params) delete n.params;
    nodes.push(n);
    return n;
  };

  /**
   * The box an op of module `path` is drawn in: a collapsed module's, or undefined (the op's
   * own). `leaf`: the box is a module without sub-modules, drawn once per application (a
   * `Dropout` used after attention and after the feed-forward is two boxes, not a loop).
   */
  const collapsedAt = (path: string): { box?: string; open: string[]; leaf?: boolean } => {
    const c = chain(path);
    if (c.length > depth) return { box: c[depth], open: c.slice(0, depth), leaf: !hasChildren.has(c[depth]) };
    const leaf = c[c.length - 1];
    if (leaf !== undefined && !hasChildren.has(leaf)) return { box: leaf, open: c.slice(0, -1), leaf: true };
    return { open: c };
  };

  /** A module's parameters, counted as `summarize` (src/ir/summary.ts) counts them: those named under its path. */
  const byPath = paramsByModulePath(model.params);
  const paramsUnder = (path: string): number => byPath.get(path) ?? 0;

  /** The (first) box of module `path`; a fresh one with `fresh`. */
  const boxOf = (path: string, open: string[], fresh = false): GraphNode => {
    let box = boxes.get(path);
    if (!box || fresh) {
      box = add({ kind: 'module', label: path, detail: modules.get(path)!.kind, params: paramsUnder(path), cluster: clusterFor(open[open.length - 1]) });
      if (!boxes.has(path)) boxes.set(path, box);
    }
    return box;
  };

  const connect = (from: string, to: string, label: string, kind: GraphEdge['kind']) => {
    if (from === to) return; // inside one collapsed box
    const key = `${from}\0${to}\0${label}\0${kind}`;
    if (edgeKeys.has(key)) return;
    edgeKeys.add(key);
    edges.push({ from, to, label, kind });
  };

  // Inputs first, so they head the drawing.
  const producerOf = new Map<number, string>(); // value id → drawn node id
  for (const input of model.inputs) {
    const v = model.values[input.value];
    const n = add({ kind: 'input', label: input.name, detail: tensorLabel(v) });
    producerOf.set(v.id, n.id);
  }

  const nodeOf = new Map<number, string>(); // IR node id → drawn node id
  // The current application of each leaf module: its box and the values it produced so far.
  const applications = new Map<string, { box: GraphNode; produced: Set<number> }>();
  for (const irNode of model.nodes) {
    const { box, open, leaf } = collapsedAt(irNode.module);
    let drawn: GraphNode;
    if (box === undefined) {
      drawn = add({ kind: 'op', label: irNode.op, cluster: clusterFor(open[open.length - 1]) });
    } else if (leaf) {
      // A new application starts with a node that reads nothing the current one produced.
      let app = applications.get(box);
      if (!app || !irNode.inputs.some((i) => app!.produced.has(i))) {
        app = { box: boxOf(box, open, applications.has(box)), produced: new Set() };
        applications.set(box, app);
      }
      for (const out of irNode.outputs) app.produced.add(out);
      drawn = app.box;
    } else {
      drawn = boxOf(box, open);
    }
    nodeOf.set(irNode.id, drawn.id);
    for (const out of irNode.outputs) producerOf.set(out, drawn.id);
  }

  const paramOwner = new Map(model.params.map((p) => [p.name, p.module]));
  for (const irNode of model.nodes) {
    const to = nodeOf.get(irNode.id)!;
    for (const input of irNode.inputs) {
      const from = producerOf.get(input);
      if (from !== undefined) connect(from, to, tensorLabel(model.values[input]), 'data');
    }
    // A parameter owned by another module (`tied: wte`) links the two boxes.
    for (const param of Object.values(irNode.params)) {
      const owner = paramOwner.get(param);
      if (owner === undefined) continue;
      const { box } = collapsedAt(owner);
      const ownerBox = box === undefined ? undefined : boxes.get(box);
      if (ownerBox) connect(ownerBox.id, to, 'tied', 'tied');
    }
  }

  for (const [kind, list] of [['output', model.outputs], ['loss', model.losses]] as const) {
    for (const o of list) {
      const v = model.values[o.value];
      const n = add({ kind, label: o.name });
      const from = producerOf.get(v.id);
      if (from !== undefined) connect(from, n.id, tensorLabel(v), 'data');
    }
  }

  return { name: model.name, nodes, clusters: [...clusters.values()], edges };
}
