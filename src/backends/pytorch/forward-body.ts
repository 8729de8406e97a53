/**
 * The statements of forward bodies: a block's `forward` is its nodes in graph order, one
 * statement per op with the inferred shape as a comment; a child block is one call per
 * application, a primitive layer one call per node, and a `repeat` stack a `for` loop when each
 * layer feeds the next.
 */
import { withinModule } from '../../ir/queries.js';
import type { Node } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { LAYER_OPS, lastSegment, parentOf, type ModuleTree } from './module-tree.js';
import { layerConstructor } from './layer-modules.js';
import { opStatement } from './op-statements.js';
import { access } from './python-names.js';
import { genericName, Scope } from './scope.js';
import { shapeComment, stripComment } from './shape-comments.js';

/**
 * `caller`: argument names from the values passed in, shape comments (the text written out);
 * `generic`: names that do not depend on the caller, no comments (the key that tells whether two
 * instances can share one class).
 */
export type Naming = 'caller' | 'generic';

/** The block classes (`module-classes.ts`): calling makes sure a child's class exists; classes compare by identity. */
export interface BlockClasses {
  blockClass(path: string): unknown;
}

export class ForwardWriter {
  constructor(
    private readonly tree: ModuleTree,
    private readonly classes: BlockClasses,
  ) {}

  forwardLines(path: string, nodes: number[], naming: Naming): string[] {
    const { ins, outs } = this.tree.boundary(nodes, path);
    // What a block returns is named `out`: the value's own name may come from its caller (`x = blocks(x)`).
    const scope = new Scope(this.tree.ir, this.tree.uses, nodes, new Set(outs), new Map(outs.map((v) => [v, 'out'])));
    const args = ins.map((v) => scope.bind(v, naming === 'caller' ? this.tree.ir.values[v].name ?? genericName(this.tree.ir.values[v]) : genericName(this.tree.ir.values[v]), -1));
    const body = this.statements(path, nodes, scope, naming);
    const out = [`    def forward(self, ${args.join(', ')}):`];
    for (const s of body) out.push(`        ${naming === 'generic' ? stripComment(s) : s}`);
    const ret = outs.map((v) => scope.name(v));
    out.push(`        return ${ret.length === 0 ? 'None' : ret.join(', ')}`);
    return out;
  }

  /** The statements of one application of `path`: its own ops, and calls of its children. */
  statements(path: string, nodes: number[], scope: Scope, naming: Naming): string[] {
    const ir = this.tree.ir;
    const out: string[] = [];
    const depth = path === '' ? 0 : path.split('.').length;
    let k = 0;
    while (k < nodes.length) {
      const node = ir.nodes[nodes[k]];
      const segs = node.module === '' ? [] : node.module.split('.');
      if (node.module === path) {
        if (LAYER_OPS[node.op]) throw new PytorchEmitError(`the layer op \`${node.op}\` at \`${path || 'model level'}\` has no module of its own`);
        out.push(opStatement(this.tree, node, nodes[k], scope));
        k++;
        continue;
      }
      const child = segs.slice(0, depth + 1).join('.');
      let end = k;
      while (end < nodes.length && withinModule(ir.nodes[nodes[end]].module, child)) end++;
      const sub = nodes.slice(k, end);
      const kind = this.tree.kinds.get(child) ?? '';
      if (this.tree.primitive.has(child)) {
        const loop = this.tree.sharedStacks.has(child) ? this.sharedLoop(child, sub.map((i) => ({ nodes: [i] })), scope, naming) : undefined;
        if (loop) out.push(...loop);
        else for (const i of sub) out.push(this.layerCall(child, ir.nodes[i], i, scope));
      } else if (kind.startsWith('repeat')) {
        for (const application of this.stackApplications(child, sub)) out.push(...this.repeatCall(child, application, scope, naming));
      } else {
        // One call per application (`block(block(x))` is two); a shared stack's chain is a loop.
        const inSub = new Set(sub);
        const apps = (this.tree.runs.get(child) ?? []).filter((r) => inSub.has(r.nodes[0]));
        const loop = this.tree.sharedStacks.has(child) ? this.sharedLoop(child, apps, scope, naming) : undefined;
        if (loop) out.push(...loop);
        else for (const r of apps) out.push(this.blockCall(access('self', child, depth, this.tree.renamed), child, r.nodes, scope));
      }
      k = end;
    }
    return out;
  }

  private layerCall(child: string, node: Node, index: number, scope: Scope): string {
    const depth = parentOf(child) === '' ? 0 : parentOf(child).split('.').length;
    return this.primitiveCall(access('self', child, depth, this.tree.renamed), child, node, index, scope);
  }

  /** One application (one node) of the primitive layer at `child`, reached by `callee`. */
  private primitiveCall(callee: string, child: string, node: Node, index: number, scope: Scope): string {
    const args = node.inputs.map((v) => scope.name(v));
    const names = node.outputs.map((v) => scope.bind(v, this.tree.ir.values[v].name ?? lastSegment(child), index));
    return `${names.join(', ')} = ${callee}(${args.join(', ')})${shapeComment(this.tree.ir, node.outputs)}`;
  }

  private blockCall(callee: string, child: string, sub: number[], scope: Scope): string {
    this.classes.blockClass(child);
    const { ins, outs } = this.tree.boundary(sub, child);
    const args = ins.map((v) => scope.name(v));
    const last = sub[sub.length - 1];
    // A result only another application reads (a named `out`) is received as `_`.
    const names = outs.map((v) => (scope.liveAfter(v, last) || this.tree.sinks.has(v) ? scope.bind(v, this.tree.ir.values[v].name ?? lastSegment(child), last) : '_'));
    const shown = outs.filter((_, k) => names[k] !== '_');
    return `${names.length ? names.join(', ') : '_'} = ${callee}(${args.join(', ')})${shapeComment(this.tree.ir, shown)}`;
  }

  /**
   * The applications of a `repeat N shared` stack (one module applied N times) as
   * `for _ in range(N): x = self.stack(x, ...)`, when each application feeds the next and the
   * other arguments are the same; undefined otherwise (the caller then writes one call each).
   */
  private sharedLoop(stack: string, apps: Array<{ nodes: number[] }>, scope: Scope, naming: Naming): string[] | undefined {
    const { ir, uses, sinks } = this.tree;
    if (apps.length < 2) return undefined;
    if (!this.tree.primitive.has(stack)) this.classes.blockClass(stack);
    const bounds = apps.map((a) => this.tree.boundary(a.nodes, stack));
    const chained =
      bounds.every((b) => b.outs.length === 1 && b.ins.length === bounds[0].ins.length && b.ins.length > 0) &&
      bounds.slice(0, -1).every((b, j) => !sinks.has(b.outs[0]) && (uses.get(b.outs[0]) ?? []).every((u) => apps[j + 1].nodes.includes(u))) &&
      bounds.every((b, j) => j === 0 || (b.ins[0] === bounds[j - 1].outs[0] && b.ins.slice(1).every((v, q) => v === bounds[0].ins[q + 1])));
    if (!chained) return undefined;
    const depth = parentOf(stack) === '' ? 0 : parentOf(stack).split('.').length;
    const first = bounds[0].ins[0];
    const final = bounds[bounds.length - 1].outs[0];
    const last = apps[apps.length - 1].nodes[apps[apps.length - 1].nodes.length - 1];
    const inName = scope.name(first);
    const inputDead = !scope.liveAfter(first, last);
    const outName = scope.bind(final, ir.values[final].name ?? (inputDead ? inName : lastSegment(stack)), last, inputDead ? inName : undefined);
    const others = bounds[0].ins.slice(1).map((v) => scope.name(v));
    const out: string[] = [];
    if (outName !== inName) out.push(`${outName} = ${inName}`);
    out.push(`for _ in range(${apps.length}):  # repeat ${apps.length} shared: one layer, applied ${apps.length} times`);
    out.push(`    ${outName} = ${access('self', stack, depth, this.tree.renamed)}(${[outName, ...others].join(', ')})${naming === 'generic' ? '' : shapeComment(ir, [final])}`);
    return out;
  }

  /** Consecutive nodes of a stack split into its applications (`s(s(x))` is two): a new one starts where the layers start over. */
  private stackApplications(stack: string, sub: number[]): number[][] {
    const layers = this.tree.children.get(stack) ?? [];
    const layerOf = (i: number) => layers.findIndex((l) => withinModule(this.tree.ir.nodes[i].module, l));
    // With one layer, an application starts where that layer's does (a primitive: at each node).
    const starts = (i: number) => this.tree.primitive.has(layers[0]) || (this.tree.runs.get(layers[0]) ?? []).some((r) => r.nodes[0] === i);
    const out: number[][] = [];
    let previous = Infinity;
    for (const i of sub) {
      const layer = layerOf(i);
      if (layer < previous || (layers.length === 1 && starts(i))) out.push([]);
      out[out.length - 1].push(i);
      previous = layer;
    }
    return out;
  }

  /** A repeat stack: a `for` loop when each layer feeds the next, else one call per layer. */
  private repeatCall(stack: string, sub: number[], scope: Scope, naming: Naming): string[] {
    const { ir, uses, sinks } = this.tree;
    const depth = parentOf(stack) === '' ? 0 : parentOf(stack).split('.').length;
    const layers = this.tree.children.get(stack) ?? [];
    const parts = layers.map((layer) => sub.filter((i) => withinModule(ir.nodes[i].module, layer)));
    if (parts.some((p) => p.length === 0) || parts.reduce((a, p) => a + p.length, 0) !== sub.length) {
      throw new PytorchEmitError(`the layers of \`${stack}\` are not applied one after another`);
    }
    const bounds = parts.map((p, j) => this.tree.boundary(p, layers[j]));
    // What each layer is: its class, or for a primitive layer its constructor (`rt.Linear(4, 4, ...)`).
    const classes = layers.map((l) => (this.tree.primitive.has(l) ? layerConstructor(this.tree, l, this.tree.kinds.get(l)!) : this.classes.blockClass(l)));
    const feedsOnlyNext = (j: number) => {
      const v = bounds[j].outs[0];
      return !sinks.has(v) && (uses.get(v) ?? []).every((u) => parts[j + 1].includes(u));
    };
    const chained =
      classes.every((c) => c === classes[0]) &&
      bounds.slice(0, -1).every((_, j) => feedsOnlyNext(j)) &&
      bounds.every((b) => b.outs.length === 1 && b.ins.length === bounds[0].ins.length) &&
      bounds.every((b, j) => j === 0 || (b.ins[0] === bounds[j - 1].outs[0] && b.ins.slice(1).every((v, q) => v === bounds[0].ins[q + 1])));
    const self = access('self', stack, depth, this.tree.renamed);
    if (!chained) {
      const out: string[] = [];
      layers.forEach((layer, j) => {
        if (!this.tree.primitive.has(layer)) out.push(this.blockCall(`${self}[${j}]`, layer, parts[j], scope));
        else for (const i of parts[j]) out.push(this.primitiveCall(`${self}[${j}]`, layer, ir.nodes[i], i, scope));
      });
      return out;
    }
    const first = bounds[0].ins[0];
    const final = bounds[bounds.length - 1].outs[0];
    const inName = scope.name(first);
    const last = sub[sub.length - 1];
    // `x = layer(x, ...)` in place when the stack's input is not needed afterwards.
    const inputDead = !scope.liveAfter(first, last);
    const outName = scope.bind(final, ir.values[final].name ?? (inputDead ? inName : lastSegment(stack)), last, inputDead ? inName : undefined);
    const others = bounds[0].ins.slice(1).map((v) => scope.name(v));
    const out: string[] = [];
    if (outName !== inName) out.push(`${outName} = ${inName}`);
    out.push(`for layer in ${self}:`);
    out.push(`    ${outName} = layer(${[outName, ...others].join(', ')})${naming === 'generic' ? '' : shapeComment(ir, [final])}`);
    return out;
  }
}
