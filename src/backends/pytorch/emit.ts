/**
 * The PyTorch backend: a checked {@link ModelIR} → a readable Python module (`model.py`).
 *
 * The IR is a flat graph whose nodes know the module path they belong to
 * (`blocks.1.self_attn.q_proj`). The module tree is rebuilt from those paths: every block
 * instance becomes an `nn.Module` class named after its block (`DecoderLayer`); instances whose
 * code is the same (constants included) share one class, others get `DecoderLayer2`, ...; a
 * `repeat` stack is an `nn.ModuleList` run in a `for` loop; primitive layers are the runtime's
 * (`tfmc_runtime.py`, one per op, numerics of the tfjs backend). Each block's forward is its
 * nodes in graph order, one statement per op with the inferred shape as a comment. Submodule
 * and parameter names are the spec's, so `state_dict()` names are exactly the IR's.
 */
import { basename } from 'node:path';
import { renderShape, resolve } from '../../ir/dims.js';
import type { ModelIR, Node, Param, TensorValue } from '../../ir/types.js';
import { isPlainAttribute, MODULE_ATTRIBUTES, pyFloat, pyIdent, pyLiteral, pyString } from './python-names.js';

/** The IR uses something the PyTorch backend cannot express; the message says what. */
export class PytorchEmitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PytorchEmitError';
  }
}

/** Ops of primitive layers: a node with one of these is a call of the runtime layer at its module path. */
const LAYER_OPS: Record<string, string> = {
  linear: 'Linear', embedding: 'Embedding', position_embedding: 'PositionEmbedding', layer_norm: 'LayerNorm', rms_norm: 'RMSNorm',
  dropout: 'Dropout', conv1d: 'Conv1d', patch_embedding: 'PatchEmbedding', cls_token: 'ClsToken',
  relative_position_bias: 'RelativePositionBias', lstm: 'LSTM', gru: 'GRU', rnn: 'RNN',
};
const LAYER_KINDS = new Set(Object.values(LAYER_OPS));

/** Ops whose result keeps the "rows with a key" record of masked scores (see the runtime). */
const ROW_KEEPING = new Set(['add', 'sub', 'mul', 'div', 'scalar']);

interface Run {
  /** Indices into `ir.nodes`, consecutive. */
  nodes: number[];
}

interface ClassDef {
  name: string;
  key: string;
  text: string[];
}

export interface EmitOptions {
  /** The spec file's name as shown in the generated header (default: the IR file's base name, so no machine path leaks into the output). */
  specName?: string;
}

/** The generated `model.py` for one model. */
export function emitModel(ir: ModelIR, options: EmitOptions = {}): string {
  return new Emitter(ir).emit(options);
}

class Emitter {
  private readonly kinds = new Map<string, string>();
  private readonly children = new Map<string, string[]>();
  private readonly runs = new Map<string, Run[]>();
  private readonly uses = new Map<number, number[]>();
  private readonly classes: ClassDef[] = [];
  private readonly classOf = new Map<string, ClassDef>();
  private readonly paramByName: Map<string, Param>;
  private readonly rowKeeping = new Set<number>();
  private readonly sinks: Set<number>;
  private readonly usedClassNames = new Set<string>();
  /** Each model input and its parameter name in the model's forward (they differ for names like `lambda`). */
  private forwardArgs: Array<[string, string]> = [];

  constructor(private readonly ir: ModelIR) {
    this.paramByName = new Map(ir.params.map((p) => [p.name, p]));
    this.sinks = new Set([...ir.outputs, ...ir.losses].map((o) => o.value));
    for (const m of ir.modules) this.kinds.set(m.path, m.kind);
    for (const p of ir.params) if (!this.kinds.has(p.module)) throw new PytorchEmitError(`parameter \`${p.name}\` belongs to no module`);
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

  emit(options: EmitOptions): string {
    const ir = this.ir;
    const modelClass = this.reserveClassName(ir.name);
    const configClass = this.reserveClassName(`${ir.name}Config`);
    const root = this.rootClass(modelClass, configClass);
    const lines: string[] = [];
    const spec = options.specName ?? basename(ir.file);
    lines.push(`"""${ir.name}, generated by tfmc from ${escapeDoc(spec)}. Do not edit: recompile the spec.`);
    lines.push('');
    lines.push(`state_dict() names are the spec's parameter names (${ir.params.length} tensors, ${totalParams(ir).toLocaleString('en-US')} parameters), so`);
    lines.push('safetensors files move between this module and the tfjs model (`tfmc weights export|import`).');
    lines.push('Shapes in comments are the ones tfmc inferred. Ops are in tfmc_runtime.py, next to this file.');
    lines.push('"""');
    lines.push('from dataclasses import dataclass');
    lines.push('');
    lines.push('import torch');
    lines.push('import torch.nn as nn');
    lines.push('');
    lines.push('import tfmc_runtime as rt');
    lines.push('');
    lines.push('');
    lines.push(...this.configClass(configClass));
    for (const c of this.classes) {
      lines.push('');
      lines.push('');
      lines.push(...c.text);
    }
    lines.push('');
    lines.push('');
    lines.push(...root);
    lines.push('');
    lines.push('');
    lines.push(...this.tables(modelClass, configClass));
    return lines.join('\n') + '\n';
  }

  // ------------------------------------------------------------------------------------------
  // Classes

  private configClass(name: string): string[] {
    const out = ['@dataclass(frozen=True)', `class ${name}:`, `    """The spec's config of \`${escapeDoc(this.ir.name)}\`. The modules below are generated for these values; change them in the spec (or with \`--set\`) and recompile."""`];
    const seen = new Set<string>();
    for (const c of this.ir.config) {
      let id = pyIdent(c.name);
      while (seen.has(id)) id += '_';
      seen.add(id);
      const type = c.type === 'int' ? 'int' : c.type === 'float' ? 'float' : c.type === 'bool' ? 'bool' : 'str';
      const value = c.type === 'float' && typeof c.value === 'number' ? pyFloat(c.value) : pyLiteral(c.value);
      out.push(`    ${id}: ${type} = ${value}`);
    }
    if (this.ir.config.length === 0) out.push('    pass');
    return out;
  }

  private tables(modelClass: string, configClass: string): string[] {
    const ir = this.ir;
    const out: string[] = [];
    out.push('# How each parameter is initialised (tfmc\'s initialisers; the hidden size is for recurrent layers).');
    out.push('INITS = {');
    for (const p of ir.params) out.push(`    ${pyString(p.name)}: (${pyString(p.init)}, ${this.hiddenOf(p)}),`);
    out.push('}');
    out.push('');
    out.push('# The model\'s inputs: name -> (dtype, shape); symbolic sizes are names, `where` bounds in BOUNDS.');
    out.push('INPUTS = {');
    for (const i of ir.inputs) {
      const v = ir.values[i.value];
      const dims = v.shape.map((d) => resolve(d)).map((d) => (d.kind === 'const' ? String(d.value) : pyString(renderShape([d]).slice(1, -1))));
      out.push(`    ${pyString(i.name)}: (${pyString(v.dtype === 'int32' ? 'int64' : v.dtype)}, [${dims.join(', ')}]),`);
    }
    out.push('}');
    out.push('# The keyword of each input in forward(): model(**{FORWARD_ARGS[name]: tensor}).');
    out.push(`FORWARD_ARGS = {${this.forwardArgs.map(([n, a]) => `${pyString(n)}: ${pyString(a)}`).join(', ')}}`);
    out.push(`BOUNDS = {${ir.bounds.filter((b) => b.max !== undefined).map((b) => `${pyString(b.dim)}: ${b.max}`).join(', ')}}`);
    out.push(`OUTPUTS = [${ir.outputs.map((o) => pyString(o.name)).join(', ')}]`);
    out.push(`LOSSES = [${ir.losses.map((o) => pyString(o.name)).join(', ')}]`);
    out.push(`PARAMETERS = ${totalParams(ir)}`);
    out.push('');
    out.push('');
    out.push(`Config = ${configClass}`);
    out.push(`Model = ${modelClass}`);
    out.push('');
    out.push('');
    out.push('def build_model(seed=None):');
    out.push('    """A model with tfmc\'s initial values (seeded when `seed` is given)."""');
    out.push(`    model = ${modelClass}()`);
    out.push('    generator = torch.Generator().manual_seed(seed) if seed is not None else None');
    out.push('    rt.initialize(model, INITS, generator)');
    out.push('    return model');
    return out;
  }

  private hiddenOf(p: Param): number {
    for (const n of this.ir.nodes) if (Object.values(n.params).includes(p.name) && typeof n.attrs.hidden === 'number') return n.attrs.hidden;
    return p.shape[p.shape.length - 1] ?? 1;
  }

  private reserveClassName(base: string): string {
    let name = pyIdent(base);
    if (name === 'Model' || name === 'Config') name += '_';
    for (let k = 2; this.usedClassNames.has(name); k++) name = `${pyIdent(base)}${k}`;
    this.usedClassNames.add(name);
    return name;
  }

  /** The class of a block instance (generated once per distinct body). */
  private blockClass(path: string): ClassDef {
    const cached = this.classOf.get(path);
    if (cached) return cached;
    const kind = this.kinds.get(path) ?? 'Block';
    const runs = this.runs.get(path) ?? [];
    const init = this.initLines(path);
    const forwardFor = (run: Run | undefined, naming: Naming) => (run ? this.forwardLines(path, run.nodes, naming) : ['    def forward(self):', '        raise RuntimeError("this block is never applied in the spec")']);
    const keyOf = (run: Run | undefined) => [kind, ...init, ...forwardFor(run, 'generic')].join('\n');
    const key = keyOf(runs[0]);
    for (const r of runs.slice(1)) {
      if (keyOf(r) !== key) throw new PytorchEmitError(`\`${path}\` (${kind}) is applied more than once with different structure, which the PyTorch backend does not support`);
    }
    let def = this.classes.find((c) => c.key === key);
    if (!def) {
      const name = this.reserveClassName(kind);
      const text = [`class ${name}(nn.Module):`, `    """\`${escapeDoc(kind)}\` of the spec (first instance: \`${escapeDoc(path)}\`)."""`, '', '    def __init__(self):', '        super().__init__()', ...init, '', ...forwardFor(runs[0], 'caller')];
      def = { name, key, text };
      this.classes.push(def);
    }
    this.classOf.set(path, def);
    return def;
  }

  private rootClass(name: string, configClass: string): string[] {
    const ir = this.ir;
    const out = [`class ${name}(nn.Module):`, `    """\`${escapeDoc(ir.name)}\`: forward(${ir.inputs.map((i) => i.name).join(', ')}) returns a dict of outputs (${ir.outputs.map((o) => o.name).join(', ') || 'none'}) and the losses (${ir.losses.map((o) => o.name).join(', ') || 'none'}) whose inputs are given."""`];
    out.push('');
    out.push(`    config = ${configClass}()`);
    out.push('');
    out.push('    def __init__(self):');
    out.push('        super().__init__()');
    out.push(...this.initLines(''));
    // Tied weights: the projection reads its owner's table, stored once under the owner's name.
    for (const n of ir.nodes) {
      if (n.op === 'linear' && n.attrs.tied === true) {
        const owner = this.paramByName.get(n.params.weight)?.module;
        if (owner === undefined) throw new PytorchEmitError(`the tied weight \`${n.params.weight}\` of \`${n.module}\` has no owner`);
        const line = `        ${access('self', n.module)}.tie_to(${access('self', owner)})`;
        if (!out.includes(line)) out.push(line);
      }
    }
    out.push('');
    out.push(...this.rootForward());
    return out;
  }

  /** `self.x = ...` for the children of a module. */
  private initLines(path: string): string[] {
    const out: string[] = [];
    for (const child of this.children.get(path) ?? []) {
      out.push(`        ${register(child, this.construct(child))}`);
    }
    return out;
  }

  private construct(path: string): string {
    const kind = this.kinds.get(path) ?? '';
    if (kind.startsWith('repeat')) {
      const items = this.children.get(path) ?? [];
      const names = items.map((c) => this.construct(c));
      if (names.length > 1 && names.every((n) => n === names[0])) return `nn.ModuleList([${names[0]} for _ in range(${names.length})])`;
      return `nn.ModuleList([${names.join(', ')}])`;
    }
    if (LAYER_KINDS.has(kind)) return this.layer(path, kind);
    return `${this.blockClass(path).name}()`;
  }

  /** The runtime layer for a primitive module, from its parameters and its node's attributes. */
  private layer(path: string, kind: string): string {
    const node = this.ir.nodes.find((n) => n.module === path && LAYER_OPS[n.op] === kind);
    const own = (role: string) => this.paramByName.get(`${path}.${role}`);
    const shape = (role: string) => {
      const p = own(role) ?? (node?.params[role] ? this.paramByName.get(node.params[role]) : undefined);
      if (!p) throw new PytorchEmitError(`\`${path}\` (${kind}) has no parameter \`${role}\``);
      return p.shape;
    };
    const attr = (name: string) => node?.attrs[name];
    const has = (role: string) => own(role) !== undefined;
    switch (kind) {
      case 'Linear': {
        const [out, inDim] = shape('weight');
        const tied = !has('weight');
        return `rt.Linear(${inDim}, ${out}, bias=${pyLiteral(has('bias'))}${tied ? ', tied=True' : ''})`;
      }
      case 'Embedding': {
        const [num, dim] = shape('weight');
        return `rt.Embedding(${num}, ${dim})`;
      }
      case 'PositionEmbedding': {
        const k = String(attr('kind') ?? 'learned');
        const dim = has('weight') ? shape('weight')[1] : node ? constLast(this.ir.values[node.outputs[0]]) : undefined;
        if (dim === undefined) throw new PytorchEmitError(`\`${path}\` (PositionEmbedding) has no known width`);
        return `rt.PositionEmbedding(${pyLiteral(attr('max_len') as number)}, ${dim}, kind=${pyString(k)})`;
      }
      case 'LayerNorm':
        return `rt.LayerNorm(${shape('weight')[0]}, eps=${pyFloat(Number(attr('eps') ?? 1e-5))}, bias=${pyLiteral(has('bias'))})`;
      case 'RMSNorm':
        return `rt.RMSNorm(${shape('weight')[0]}, eps=${pyFloat(Number(attr('eps') ?? 1e-6))})`;
      case 'Dropout':
        return `rt.Dropout(${pyFloat(Number(attr('p') ?? 0))})`;
      case 'Conv1d': {
        const [out, cin, k] = shape('weight');
        return `rt.Conv1d(${cin}, ${out}, ${k}, stride=${pyLiteral(Number(attr('stride') ?? 1))}, padding=${pyLiteral(Number(attr('padding') ?? 0))}, bias=${pyLiteral(has('bias'))})`;
      }
      case 'PatchEmbedding': {
        const [dim, c, p] = shape('weight');
        return `rt.PatchEmbedding(${c}, ${dim}, ${p})`;
      }
      case 'ClsToken':
        return `rt.ClsToken(${shape('weight')[2]})`;
      case 'RelativePositionBias': {
        const [buckets, heads] = shape('weight');
        return `rt.RelativePositionBias(${heads}, buckets=${buckets}, max_distance=${pyLiteral(Number(attr('max_distance') ?? 128))}, bidirectional=${pyLiteral(attr('bidirectional') === true)})`;
      }
      case 'LSTM':
      case 'GRU':
      case 'RNN': {
        const layers = Number(attr('layers') ?? 1);
        const hidden = Number(attr('hidden') ?? shape('weight_hh_l0')[1]);
        return `rt.${kind}(${shape('weight_ih_l0')[1]}, ${hidden}, layers=${layers}, bias=${pyLiteral(has('bias_ih_l0'))})`;
      }
    }
    throw new PytorchEmitError(`no PyTorch layer for \`${kind}\``);
  }

  // ------------------------------------------------------------------------------------------
  // Forward bodies

  /** Values a run reads from outside it (first use order) and values it gives back (production order). */
  private boundary(nodes: number[]): { ins: number[]; outs: number[] } {
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

  private forwardLines(path: string, nodes: number[], naming: Naming): string[] {
    const { ins, outs } = this.boundary(nodes);
    // What a block returns is named `out`: the value's own name may come from its caller (`x = blocks(x)`).
    const scope = new Scope(this.ir, this.uses, nodes, new Set(outs), new Map(outs.map((v) => [v, 'out'])));
    const args = ins.map((v) => scope.bind(v, naming === 'caller' ? this.ir.values[v].name ?? genericName(this.ir.values[v]) : genericName(this.ir.values[v]), -1));
    const body = this.statements(path, nodes, scope, naming);
    const out = [`    def forward(self, ${args.join(', ')}):`];
    for (const s of body) out.push(`        ${naming === 'generic' ? stripComment(s) : s}`);
    const ret = outs.map((v) => scope.name(v));
    out.push(`        return ${ret.length === 0 ? 'None' : ret.join(', ')}`);
    return out;
  }

  /** The statements of one application of `path`: its own ops, and calls of its children. */
  private statements(path: string, nodes: number[], scope: Scope, naming: Naming): string[] {
    const out: string[] = [];
    const depth = path === '' ? 0 : path.split('.').length;
    let k = 0;
    while (k < nodes.length) {
      const node = this.ir.nodes[nodes[k]];
      const segs = node.module === '' ? [] : node.module.split('.');
      if (node.module === path) {
        if (LAYER_OPS[node.op]) throw new PytorchEmitError(`the layer op \`${node.op}\` at \`${path || 'model level'}\` has no module of its own`);
        out.push(this.opStatement(node, nodes[k], scope));
        k++;
        continue;
      }
      const child = segs.slice(0, depth + 1).join('.');
      let end = k;
      while (end < nodes.length && within(this.ir.nodes[nodes[end]].module, child)) end++;
      const sub = nodes.slice(k, end);
      const kind = this.kinds.get(child) ?? '';
      if (LAYER_KINDS.has(kind)) {
        for (const i of sub) out.push(this.layerCall(child, this.ir.nodes[i], i, scope));
      } else if (kind.startsWith('repeat')) {
        out.push(...this.repeatCall(child, sub, scope, naming));
      } else {
        // One call per application (`block(block(x))` is two).
        const inSub = new Set(sub);
        for (const r of this.runs.get(child) ?? []) {
          if (inSub.has(r.nodes[0])) out.push(this.blockCall(access('self', child, depth), child, r.nodes, scope));
        }
      }
      k = end;
    }
    return out;
  }

  private layerCall(child: string, node: Node, index: number, scope: Scope): string {
    const depth = parentOf(child) === '' ? 0 : parentOf(child).split('.').length;
    const args = node.inputs.map((v) => scope.name(v));
    const call = `${access('self', child, depth)}(${args.join(', ')})`;
    const names = node.outputs.map((v) => scope.bind(v, this.ir.values[v].name ?? lastSegment(child), index));
    return `${names.join(', ')} = ${call}${shapeComment(this.ir, node.outputs)}`;
  }

  private blockCall(callee: string, child: string, sub: number[], scope: Scope): string {
    this.blockClass(child);
    const { ins, outs } = this.boundary(sub);
    const args = ins.map((v) => scope.name(v));
    const last = sub[sub.length - 1];
    const names = outs.map((v) => scope.bind(v, this.ir.values[v].name ?? lastSegment(child), last));
    return `${names.length ? names.join(', ') : '_'} = ${callee}(${args.join(', ')})${shapeComment(this.ir, outs)}`;
  }

  /** A repeat stack: a `for` loop when each layer feeds the next, else one call per layer. */
  private repeatCall(stack: string, sub: number[], scope: Scope, naming: Naming): string[] {
    const depth = parentOf(stack) === '' ? 0 : parentOf(stack).split('.').length;
    const layers = this.children.get(stack) ?? [];
    const parts = layers.map((layer) => sub.filter((i) => within(this.ir.nodes[i].module, layer)));
    if (parts.some((p) => p.length === 0) || parts.reduce((a, p) => a + p.length, 0) !== sub.length) {
      throw new PytorchEmitError(`the layers of \`${stack}\` are not applied one after another`);
    }
    const bounds = parts.map((p) => this.boundary(p));
    const classes = layers.map((l) => this.blockClass(l));
    const feedsOnlyNext = (j: number) => {
      const v = bounds[j].outs[0];
      return !this.sinks.has(v) && (this.uses.get(v) ?? []).every((u) => parts[j + 1].includes(u));
    };
    const chained =
      classes.every((c) => c === classes[0]) &&
      bounds.slice(0, -1).every((_, j) => feedsOnlyNext(j)) &&
      bounds.every((b) => b.outs.length === 1 && b.ins.length === bounds[0].ins.length) &&
      bounds.every((b, j) => j === 0 || (b.ins[0] === bounds[j - 1].outs[0] && b.ins.slice(1).every((v, q) => v === bounds[0].ins[q + 1])));
    const self = access('self', stack, depth);
    if (!chained) {
      const out: string[] = [];
      layers.forEach((layer, j) => out.push(this.blockCall(`${self}[${j}]`, layer, parts[j], scope)));
      return out;
    }
    const first = bounds[0].ins[0];
    const final = bounds[bounds.length - 1].outs[0];
    const inName = scope.name(first);
    const last = sub[sub.length - 1];
    // `x = layer(x, ...)` in place when the stack's input is not needed afterwards.
    const inputDead = !scope.liveAfter(first, last);
    const outName = scope.bind(final, this.ir.values[final].name ?? (inputDead ? inName : lastSegment(stack)), last, inputDead ? inName : undefined);
    const others = bounds[0].ins.slice(1).map((v) => scope.name(v));
    const out: string[] = [];
    if (outName !== inName) out.push(`${outName} = ${inName}`);
    out.push(`for layer in ${self}:`);
    out.push(`    ${outName} = layer(${[outName, ...others].join(', ')})${naming === 'generic' ? '' : shapeComment(this.ir, [final])}`);
    return out;
  }

  /** One function op at the module's own level. */
  private opStatement(node: Node, index: number, scope: Scope): string {
    const a = node.attrs;
    const x = node.inputs.map((v) => scope.name(v));
    let expr: string;
    switch (node.op) {
      case 'add': expr = `${x[0]} + ${x[1]}`; break;
      case 'sub': expr = `${x[0]} - ${x[1]}`; break;
      case 'mul': expr = `${x[0]} * ${x[1]}`; break;
      case 'div': expr = `${x[0]} / ${x[1]}`; break;
      case 'scalar': {
        const isInt = this.ir.values[node.outputs[0]].dtype === 'int32';
        const v = isInt ? pyLiteral(Number(a.value)) : pyFloat(Number(a.value));
        const forms: Record<string, string> = { add: `${x[0]} + ${v}`, sub: `${x[0]} - ${v}`, rsub: `${v} - ${x[0]}`, mul: `${x[0]} * ${v}`, div: `${x[0]} / ${v}`, rdiv: `${v} / ${x[0]}` };
        const f = forms[String(a.op)];
        if (!f) throw new PytorchEmitError(`unknown scalar operation \`${String(a.op)}\``);
        expr = f;
        break;
      }
      case 'matmul': expr = `${x[0]} @ ${x[1]}`; break;
      case 'transpose': expr = `${x[0]}.transpose(-2, -1)`; break;
      case 'split_heads': expr = `rt.split_heads(${x[0]}, ${a.heads})`; break;
      case 'merge_heads': expr = `rt.merge_heads(${x[0]})`; break;
      case 'repeat_heads': expr = `rt.repeat_heads(${x[0]}, ${a.times})`; break;
      case 'softmax':
      case 'log_softmax': expr = `rt.${node.op}(${x[0]}, ${a.axis})`; break;
      case 'relu': case 'gelu': case 'silu': case 'tanh': case 'sigmoid': expr = `rt.${node.op}(${x[0]})`; break;
      case 'masked': expr = `rt.masked(${x[0]}, ${x[1]})`; break;
      case 'causal_mask': expr = 'rt.causal_mask()'; break;
      case 'padding_mask': expr = `rt.padding_mask(${x[0]}, pad=${a.pad})`; break;
      case 'mask_and': expr = `${x[0]} & ${x[1]}`; break;
      case 'take': expr = `${x[0]}.select(${a.axis}, ${a.index})`; break;
      case 'mean': expr = `${x[0]}.mean(dim=${a.axis})`; break;
      case 'rope': expr = `rt.rope(${x[0]}, base=${pyFloat(Number(a.base))})`; break;
      case 'shift_left': expr = `rt.shift_left(${x[0]}, fill=${a.fill})`; break;
      case 'cross_entropy': expr = `rt.cross_entropy(${x[0]}, ${x[1]}, label_smoothing=${pyFloat(Number(a.label_smoothing))}, ignore_index=${a.ignore_index})`; break;
      case 'mse': expr = `rt.mse(${x[0]}, ${x[1]})`; break;
      default:
        throw new PytorchEmitError(`the PyTorch backend has no implementation of the IR op \`${node.op}\` (used by \`${node.module || 'the model'}\`)`);
    }
    if (ROW_KEEPING.has(node.op) && node.inputs.some((v) => this.rowKeeping.has(v))) {
      expr = `rt.keep_rows(${expr}, ${node.inputs.filter((v) => this.rowKeeping.has(v)).map((v) => scope.name(v)).join(', ')})`;
    }
    const names = node.outputs.map((v) => scope.bind(v, this.ir.values[v].name ?? node.op, index));
    return `${names.join(', ')} = ${expr}${shapeComment(this.ir, node.outputs)}`;
  }

  /** The model's forward: inputs needed only by losses are optional, and their losses computed when given. */
  private rootForward(): string[] {
    const ir = this.ir;
    const nodes = ir.nodes.map((_, i) => i);
    const deps = this.inputDependencies();
    const needed = new Set<number>();
    for (const o of ir.outputs) for (const i of deps.get(o.value) ?? []) needed.add(i);
    const optional = ir.inputs.filter((i) => !needed.has(i.value));
    const scope = new Scope(ir, this.uses, nodes, this.sinks, new Map([...ir.outputs, ...ir.losses].map((o) => [o.value, o.name])));
    this.forwardArgs = ir.inputs.map((i) => [i.name, scope.bind(i.value, i.name, -1)]);
    const ordered = [...ir.inputs.filter((i) => needed.has(i.value)), ...optional];
    const sig = ordered.map((i) => (optional.includes(i) ? `${scope.name(i.value)}=None` : scope.name(i.value)));
    const out = [`    def forward(self, ${sig.join(', ')}):`];
    for (const i of ir.inputs) out.push(`        # ${i.name}: ${ir.values[i.value].dtype === 'int32' ? 'int64' : ir.values[i.value].dtype} ${renderShape(ir.values[i.value].shape)}`);
    // Group the top-level statements by the optional inputs they need.
    const guardOf = (valueIds: number[]) => {
      const g = new Set<string>();
      for (const v of valueIds) for (const i of deps.get(v) ?? []) if (optional.some((o) => o.value === i)) g.add(scope.name(i));
      return [...g].sort();
    };
    let k = 0;
    let current = '';
    while (k < nodes.length) {
      // One top-level item: a node of the model itself, or one application of a child.
      const node = ir.nodes[k];
      let end = k + 1;
      if (node.module !== '') {
        const child = node.module.split('.')[0];
        while (end < nodes.length && within(ir.nodes[end].module, child)) end++;
      }
      const item = nodes.slice(k, end);
      const guard = guardOf(item.flatMap((i) => ir.nodes[i].outputs));
      const text = this.statements('', item, scope, 'caller');
      const cond = guard.map((g) => `${g} is not None`).join(' and ');
      if (cond !== current && cond) out.push(`        if ${cond}:`);
      current = cond;
      for (const s of text) out.push(`${cond ? '            ' : '        '}${s}`);
      k = end;
    }
    out.push(`        result = {${ir.outputs.map((o) => `${pyString(o.name)}: ${scope.name(o.value)}`).join(', ')}}`);
    for (const l of ir.losses) {
      const guard = guardOf([l.value]);
      const set = `result[${pyString(l.name)}] = ${scope.name(l.value)}`;
      out.push(guard.length ? `        if ${guard.map((g) => `${g} is not None`).join(' and ')}:` : '');
      out.push(`${guard.length ? '            ' : '        '}${set}`);
    }
    out.push('        return result');
    return out.filter((l) => l !== '');
  }

  /** For every value, the model inputs it depends on (value ids of the inputs). */
  private inputDependencies(): Map<number, Set<number>> {
    const deps = new Map<number, Set<number>>();
    for (const i of this.ir.inputs) deps.set(i.value, new Set([i.value]));
    for (const n of this.ir.nodes) {
      const d = new Set<number>();
      for (const v of n.inputs) for (const x of deps.get(v) ?? []) d.add(x);
      for (const v of n.outputs) deps.set(v, d);
    }
    return deps;
  }
}

type Naming = 'caller' | 'generic';

/**
 * Local variable names of one forward body. A name is reused when the value it holds is dead
 * (no later use in the body, not returned), so `x = x + ...` reads like hand-written code, and
 * gets a numeric suffix otherwise.
 */
class Scope {
  private readonly names = new Map<number, string>();
  private readonly holder = new Map<string, number>();
  private readonly position: Map<number, number>;

  constructor(
    private readonly ir: ModelIR,
    private readonly uses: Map<number, number[]>,
    nodes: number[],
    private readonly returned: Set<number>,
    private readonly preferred: Map<number, string> = new Map(),
  ) {
    this.position = new Map(nodes.map((n, i) => [n, i]));
  }

  name(v: number): string {
    const n = this.names.get(v);
    if (n === undefined) throw new PytorchEmitError(`value ${v} is used before it is computed`);
    return n;
  }

  /** Binds `v`, produced at node index `at` (−1 for arguments); `free` is a name being released by the same statement. */
  bind(v: number, preferred: string, at: number, free?: string): string {
    const base = pyIdent(this.preferred.get(v) ?? preferred);
    const here = at < 0 ? -1 : (this.position.get(at) ?? -1);
    for (let k = 1; ; k++) {
      const name = k === 1 ? base : `${base}_${k}`;
      const held = this.holder.get(name);
      if (held === undefined || name === free || !this.live(held, here)) {
        this.holder.set(name, v);
        this.names.set(v, name);
        return name;
      }
    }
  }

  /** Whether `v` is still needed after node `at` of this body. */
  liveAfter(v: number, at: number): boolean {
    return this.live(v, this.position.get(at) ?? -1);
  }

  private live(v: number, here: number): boolean {
    if (this.returned.has(v) && here >= 0) return true;
    if (here < 0) return true;
    return (this.uses.get(v) ?? []).some((u) => (this.position.get(u) ?? -1) > here);
  }
}

function genericName(v: TensorValue): string {
  return v.dtype === 'mask' ? 'mask' : v.dtype === 'int32' ? 'ids' : v.dtype === 'bool' ? 'flags' : 'x';
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('.');
  return i < 0 ? '' : path.slice(0, i);
}

function lastSegment(path: string): string {
  const s = path.slice(path.lastIndexOf('.') + 1);
  return /^\d+$/.test(s) ? `layer${s}` : s;
}

function within(module: string, path: string): boolean {
  return module === path || module.startsWith(`${path}.`);
}

/** Python that reaches the submodule at `path` from `self`, relative to a class at depth `from`. */
function access(self: string, path: string, from = 0): string {
  let out = self;
  for (const seg of path.split('.').slice(from)) {
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (isPlainAttribute(seg)) out += `.${seg}`;
    else out = `getattr(${out}, ${pyString(seg)})`;
  }
  return out;
}

/** The statement that registers a child module: `self.x = ...`, or `add_module` for names like `lambda`. */
function register(path: string, value: string): string {
  const seg = path.slice(path.lastIndexOf('.') + 1);
  return isPlainAttribute(seg) ? `self.${seg} = ${value}` : `self.add_module(${pyString(seg)}, ${value})`;
}

function shapeComment(ir: ModelIR, values: number[]): string {
  const shapes = values.map((v) => ir.values[v]).filter((t) => t.dtype !== 'mask').map((t) => renderShape(t.shape));
  return shapes.length ? `  # ${shapes.join(', ')}` : '';
}

function stripComment(line: string): string {
  const i = line.indexOf('  # ');
  return i < 0 ? line : line.slice(0, i);
}

function constLast(v: TensorValue): number | undefined {
  const last = v.shape[v.shape.length - 1];
  const d = last && resolve(last);
  return d && d.kind === 'const' ? d.value : undefined;
}

function escapeDoc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"""/g, '\\"\\"\\"');
}

function totalParams(ir: ModelIR): number {
  return ir.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
}
