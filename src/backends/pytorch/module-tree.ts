/**
 * The module tree of `model.py`, rebuilt from the IR: the IR is a flat graph whose nodes know the
 * module path they belong to (`blocks.1.self_attn.q_proj`). Here are each module's kind and
 * children, each module's applications (runs of consecutive nodes under its path), who reads
 * each value, and which values carry the masked-scores row record. Read-only once built; the
 * class and statement writers all share one.
 */
import type { ModelIR, Param } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { STATE_ATTRIBUTES } from './python-names.js';
import { KERNELS } from '../../ir/ops/index.js';

/** Layer ops by IR name, with the runtime module each becomes (`linear` → `Linear`): from the op kernels. */
export const LAYER_OPS: Record<string, string> = Object.fromEntries(
  [...KERNELS].flatMap(([op, k]) => (k.torchLayer ? [[op, k.torchLayer.module]] : [])),
);

/** Function ops whose result keeps the "rows with a key" record of masked scores (see the runtime). */
export const ROW_KEEPING = new Set([...KERNELS].flatMap(([op, k]) => (k.keepsRows && k.torch ? [op] : [])));

/** One application of a module. */
export interface Run {
  /** Indices into `ir.nodes`, consecutive. */
  nodes: number[];
}

export class ModuleTree {
  /** Module kind by path (`DecoderLayer`, `Linear`, `repeat...`). */
  readonly kinds = new Map<string, string>();
  /** Child module paths by parent path (`''` for the model). */
  readonly children = new Map<string, string[]>();
  /** The applications of each module, by path. */
  readonly runs = new Map<string, Run[]>();
  /** The node indices that read each value. */
  readonly uses = new Map<number, number[]>();
  readonly paramByName: Map<string, Param>;
  /** Values holding masked scores (or results of elementwise ops on them): see `rt.keep_rows`. */
  readonly rowKeeping = new Set<number>();
  /** The model's outputs and losses. */
  readonly sinks: Set<number>;
  /**
   * `repeat N shared` stacks: N by path. Such a stack is its one layer (its kind in `kinds` is the
   * layer's, its runs are the layer's applications), so the `state_dict` names are the IR's.
   */
  readonly sharedStacks = new Map<string, number>();
  /** Parameters a block or the model holds itself (`let table = param(...)`), by module path. */
  readonly freeParams = new Map<string, Param[]>();
  /** Paths of the primitive layers (and shared stacks of one): runtime layers, not block classes. */
  readonly primitive = new Set<string>();
  /**
   * The Python attribute of each module (by path) and free parameter (by name) whose spec name
   * `nn.Module` cannot hold (`training` → `training_`, a name no sibling has); see `rt.spec_names`.
   */
  readonly renamed = new Map<string, string>();

  constructor(readonly ir: ModelIR) {
    this.paramByName = new Map(ir.params.map((p) => [p.name, p]));
    this.sinks = new Set([...ir.outputs, ...ir.losses].map((o) => o.value));
    // A module never applied has neither nodes nor parameters (a layer's shapes come from its
    // input): it computes nothing and holds nothing, so model.py leaves it out.
    const used = new Set<string>();
    for (const path of [...ir.nodes.map((n) => n.module), ...ir.params.map((p) => p.module)]) {
      for (let at = path.length; at > 0; at = path.lastIndexOf('.', at - 1)) used.add(path.slice(0, at));
    }
    for (const m of ir.modules) {
      if (!used.has(m.path)) continue;
      if (m.primitive) this.primitive.add(m.path);
      const shared = /^repeat (\d+) shared$/.exec(m.kind);
      if (!shared) {
        this.kinds.set(m.path, m.kind);
        continue;
      }
      if (m.layer === undefined || m.layer.startsWith('repeat')) {
        throw new PytorchEmitError(`the shared stack \`${m.path}\` must build a layer or block (a stack of stacks is not supported by the PyTorch backend)`);
      }
      this.sharedStacks.set(m.path, Number(shared[1]));
      this.kinds.set(m.path, m.layer);
    }
    for (const p of ir.params) {
      if (p.module !== '' && !this.kinds.has(p.module)) throw new PytorchEmitError(`parameter \`${p.name}\` belongs to no module`);
      // A parameter held by a block (or the model) itself, not by one of its layers: `param(...)`.
      if (!this.primitive.has(p.module)) {
        if (!this.freeParams.has(p.module)) this.freeParams.set(p.module, []);
        this.freeParams.get(p.module)!.push(p);
      }
    }
    for (const path of this.kinds.keys()) {
      const parent = parentOf(path);
      if (!this.children.has(parent)) this.children.set(parent, []);
      this.children.get(parent)!.push(path);
    }
    this.renameStateAttributes();
    ir.nodes.forEach((n, i) => {
      for (const v of n.inputs) {
        if (!this.uses.has(v)) this.uses.set(v, []);
        this.uses.get(v)!.push(i);
      }
      if (n.op === 'masked' || (ROW_KEEPING.has(n.op) && n.inputs.some((v) => this.rowKeeping.has(v)))) this.rowKeeping.add(n.outputs[0]);
      // Every ancestor module path of the node: consecutive nodes form one application.
      const segs = n.module === '' ? [] : n.module.split('.');
      for (let d = 1; d <= segs.length; d++) {
        const p = segs.slice(0, d).join('.');
        if (!this.runs.has(p)) this.runs.set(p, []);
        const rs = this.runs.get(p)!;
        const last = rs[rs.length - 1];
        if (last && last.nodes[last.nodes.length - 1] === i - 1) last.nodes.push(i);
        else rs.push({ nodes: [i] });
      }
    });
    // `block(block(x))` leaves one run of two applications: split runs of blocks that are the
    // same nodes repeated (the class is then checked to be the same for every part).
    for (const [path, rs] of this.runs) {
      if (this.primitive.has(path) || (this.kinds.get(path) ?? '').startsWith('repeat')) continue;
      this.runs.set(path, rs.flatMap((r) => this.splitRepeated(r)));
    }
  }

  private renameStateAttributes(): void {
    for (const parent of new Set(['', ...this.kinds.keys()])) {
      const entries = [...(this.children.get(parent) ?? []), ...(this.freeParams.get(parent) ?? []).map((p) => p.name)];
      const taken = new Set(entries.map((e) => e.slice(e.lastIndexOf('.') + 1)));
      for (const e of entries) {
        const seg = e.slice(e.lastIndexOf('.') + 1);
        if (!STATE_ATTRIBUTES.has(seg)) continue;
        let name = `${seg}_`;
        for (let k = 2; taken.has(name); k++) name = `${seg}_${k}`;
        taken.add(name);
        this.renamed.set(e, name);
      }
    }
  }

  /** The `rt.spec_names` table of a module: Python name → spec name of its renamed children and parameters. */
  renamedUnder(parent: string): Array<[string, string]> {
    const entries = [...(this.children.get(parent) ?? []), ...(this.freeParams.get(parent) ?? []).map((p) => p.name)];
    return entries.flatMap((e) => (this.renamed.has(e) ? [[this.renamed.get(e)!, e.slice(e.lastIndexOf('.') + 1)] as [string, string]] : []));
  }

  private splitRepeated(run: Run): Run[] {
    const sig = run.nodes.map((i) => {
      const n = this.ir.nodes[i];
      return `${n.op}|${n.module}|${JSON.stringify(n.attrs)}`;
    });
    const len = sig.length;
    for (let p = 1; p < len; p++) {
      if (len % p !== 0 || !sig.every((s, i) => s === sig[i % p])) continue;
      const parts: Run[] = [];
      for (let k = 0; k < len; k += p) parts.push({ nodes: run.nodes.slice(k, k + p) });
      return parts;
    }
    return [run];
  }

  /**
   * Values a run reads from outside it (first use order) and values it gives back (production
   * order). With `path`, the run is one application of that block, and the answer has the same
   * form for every application, so one class serves them all: an argument per group of reads
   * that see the same value in every application (`b(x, x)` and `b(x, y)` both pass two), a
   * result for each value some application needs (a named `out` one call reads).
   */
  boundary(nodes: number[], path?: string): { ins: number[]; outs: number[] } {
    const runs = path === undefined ? [] : (this.runs.get(path) ?? []).map((r) => r.nodes);
    const at = runs.findIndex((r) => r[0] === nodes[0] && r.length === nodes.length);
    if (runs.length < 2 || at < 0 || !runs.every((r) => this.sameOps(r, nodes))) return this.ownBoundary(nodes);
    const slots = runs.map((r) => this.readSlots(r));
    const groups: number[][] = []; // slot indices, by argument
    slots[0].forEach((_, s) => {
      const same = groups.find((g) => slots.every((sl) => sl[g[0]].value === sl[s].value));
      if (same) same.push(s);
      else groups.push([s]);
    });
    const ins = groups.map((g) => slots[at][g[0]].value);
    const needed = new Set<string>();
    for (const r of runs) {
      const own = new Set(this.ownBoundary(r).outs);
      r.forEach((i, j) => this.ir.nodes[i].outputs.forEach((v, k) => own.has(v) && needed.add(`${j}:${k}`)));
    }
    const outs = nodes.flatMap((i, j) => this.ir.nodes[i].outputs.filter((_, k) => needed.has(`${j}:${k}`)));
    return { ins, outs };
  }

  /** Whether two runs are the same ops in the same order (two applications of one block). */
  private sameOps(a: number[], b: number[]): boolean {
    return a.length === b.length && a.every((i, j) => this.ir.nodes[i].op === this.ir.nodes[b[j]].op && this.ir.nodes[i].inputs.length === this.ir.nodes[b[j]].inputs.length);
  }

  /** Every read of an outside value in a run, in order: the value read. */
  private readSlots(nodes: number[]): Array<{ value: number }> {
    const produced = new Set<number>();
    const out: Array<{ value: number }> = [];
    for (const i of nodes) {
      for (const v of this.ir.nodes[i].inputs) if (!produced.has(v)) out.push({ value: v });
      for (const v of this.ir.nodes[i].outputs) produced.add(v);
    }
    return out;
  }

  private ownBoundary(nodes: number[]): { ins: number[]; outs: number[] } {
    const inside = new Set(nodes);
    const produced = new Set<number>();
    const ins: number[] = [];
    const outs: number[] = [];
    for (const i of nodes) {
      for (const v of this.ir.nodes[i].inputs) if (!produced.has(v) && !ins.includes(v)) ins.push(v);
      for (const v of this.ir.nodes[i].outputs) produced.add(v);
    }
    for (const i of nodes) {
      for (const v of this.ir.nodes[i].outputs) {
        if (this.sinks.has(v) || (this.uses.get(v) ?? []).some((u) => !inside.has(u))) outs.push(v);
      }
    }
    return { ins, outs };
  }
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? '' : path.slice(0, i);
}

export function lastSegment(path: string): string {
  const s = path.slice(path.lastIndexOf('.') + 1);
  return /^\d+$/.test(s) ? `layer${s}` : s;
}
