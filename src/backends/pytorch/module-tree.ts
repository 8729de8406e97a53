/**
 * The module tree of `model.py`, rebuilt from the IR: the IR is a flat graph whose nodes know the
 * module path they belong to (`blocks.1.self_attn.q_proj`). Here are each module's kind and
 * children, each module's applications (runs of consecutive nodes under its path), who reads
 * each value, and which values carry the masked-scores row record. Read-only once built; the
 * class and statement writers all share one.
 */
import type { ModelIR, Param } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { MODULE_ATTRIBUTES } from './python-names.js';
import { KERNELS } from '../../ir/ops/index.js';

/** Ops of primitive layers: a node with one of these is a call of the runtime layer at its module path. */
/** Layer ops by IR name, with the runtime module each becomes (`linear` → `Linear`): from the op kernels. */
export const LAYER_OPS: Record<string, string> = Object.fromEntries(
  [...KERNELS].flatMap(([op, k]) => (k.torchLayer ? [[op, k.torchLayer.module]] : [])),
);
export const LAYER_KINDS = new Set(Object.values(LAYER_OPS));

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

  constructor(readonly ir: ModelIR) {
    this.paramByName = new Map(ir.params.map((p) => [p.name, p]));
    this.sinks = new Set([...ir.outputs, ...ir.losses].map((o) => o.value));
    for (const m of ir.modules) {
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
      if (p.module === '' || !LAYER_KINDS.has(this.kinds.get(p.module)!)) {
        const role = p.name.slice(p.name.lastIndexOf('.') + 1);
        if (MODULE_ATTRIBUTES.has(role) || role.startsWith('__')) {
          throw new PytorchEmitError(`the parameter \`${p.name}\` cannot exist in PyTorch: \`${role}\` is an attribute of torch.nn.Module; rename it in the spec`);
        }
        if (!this.freeParams.has(p.module)) this.freeParams.set(p.module, []);
        this.freeParams.get(p.module)!.push(p);
      }
    }
    for (const path of this.kinds.keys()) {
      for (const seg of path.split('.')) {
        if (MODULE_ATTRIBUTES.has(seg) || seg.startsWith('__')) {
          throw new PytorchEmitError(`the module \`${path}\` cannot exist in PyTorch: \`${seg}\` is an attribute of torch.nn.Module; rename it in the spec`);
        }
      }
      const parent = parentOf(path);
      if (!this.children.has(parent)) this.children.set(parent, []);
      this.children.get(parent)!.push(path);
    }
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
      const kind = this.kinds.get(path) ?? '';
      if (LAYER_KINDS.has(kind) || kind.startsWith('repeat')) continue;
      this.runs.set(path, rs.flatMap((r) => this.splitRepeated(r)));
    }
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

  /** Values a run reads from outside it (first use order) and values it gives back (production order). */
  boundary(nodes: number[]): { ins: number[]; outs: number[] } {
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
