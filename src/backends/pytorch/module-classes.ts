/**
 * The `nn.Module` classes of `model.py`: every block instance becomes a class named after its
 * block (`DecoderLayer`); instances whose code is the same (constants included) share one class,
 * others get `DecoderLayer2`, ...; a `repeat` stack is an `nn.ModuleList`; primitive layers are
 * the runtime's. The model class holds the top-level modules and the tied weights.
 */
import { PytorchEmitError } from './errors.js';
import { ForwardWriter, type Naming } from './forward-body.js';
import { layerConstructor } from './layer-modules.js';
import { modelForward, type ModelForward } from './model-forward.js';
import type { ModuleTree, Run } from './module-tree.js';
import { access, escapeDoc, pyIdent, pyString, register, registerParam } from './python-names.js';

export interface ClassDef {
  name: string;
  key: string;
  text: string[];
}

export class ModuleClasses {
  /** The block classes in the order they were first needed (the order they are written in). */
  readonly classes: ClassDef[] = [];
  private readonly classOf = new Map<string, ClassDef>();
  private readonly usedClassNames = new Set<string>();
  private readonly writer: ForwardWriter;

  constructor(private readonly tree: ModuleTree) {
    this.writer = new ForwardWriter(tree, this);
  }

  /** A module-level class name for `base`, unique in the file (`DecoderLayer`, `DecoderLayer2`). */
  reserveClassName(base: string): string {
    let name = pyIdent(base);
    for (let k = 2; this.usedClassNames.has(name); k++) name = `${pyIdent(base)}${k}`;
    this.usedClassNames.add(name);
    return name;
  }

  /** The class of a block instance (generated once per distinct body). */
  blockClass(path: string): ClassDef {
    const cached = this.classOf.get(path);
    if (cached) return cached;
    const kind = this.tree.kinds.get(path) ?? 'Block';
    const runs = this.tree.runs.get(path) ?? [];
    const init = this.initLines(path);
    const forwardFor = (run: Run | undefined, naming: Naming) => (run ? this.writer.forwardLines(path, run.nodes, naming) : ['    def forward(self):', '        raise RuntimeError("this block is never applied in the spec")']);
    const keyOf = (run: Run | undefined) => [kind, ...init, ...forwardFor(run, 'generic')].join('\n');
    // The class is written from an application whose arguments are distinct values (`b(x, y)`,
    // not `b(x, x)`), so that each argument has its own name in the body.
    const distinct = runs.filter((r) => new Set(this.tree.boundary(r.nodes, path).ins).size === this.tree.boundary(r.nodes, path).ins.length);
    if (runs.length > 0 && distinct.length === 0) throw new PytorchEmitError(`\`${path}\` (${kind}) is never applied to distinct arguments, which the PyTorch backend does not support`);
    const key = keyOf(distinct[0]);
    for (const r of distinct.slice(1)) {
      if (keyOf(r) !== key) throw new PytorchEmitError(`\`${path}\` (${kind}) is applied more than once with different structure, which the PyTorch backend does not support`);
    }
    let def = this.classes.find((c) => c.key === key);
    if (!def) {
      const name = this.reserveClassName(kind);
      const text = [`class ${name}(nn.Module):`, `    """\`${escapeDoc(kind)}\` of the spec (first instance: \`${escapeDoc(path)}\`)."""`, '', '    def __init__(self):', '        super().__init__()', ...init, '', ...forwardFor(distinct[0], 'caller')];
      def = { name, key, text };
      this.classes.push(def);
    }
    this.classOf.set(path, def);
    return def;
  }

  /** The model class; generating it generates every block class it uses. */
  rootClass(name: string, configClass: string): ModelForward {
    const ir = this.tree.ir;
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
        const owner = this.tree.paramByName.get(n.params.weight)?.module;
        if (owner === undefined) throw new PytorchEmitError(`the tied weight \`${n.params.weight}\` of \`${n.module}\` has no owner`);
        const line = `        ${access('self', n.module, 0, this.tree.renamed)}.tie_to(${access('self', owner, 0, this.tree.renamed)})`;
        if (!out.includes(line)) out.push(line);
      }
    }
    out.push('');
    const forward = modelForward(this.tree, this.writer);
    out.push(...forward.lines);
    return { lines: out, forwardArgs: forward.forwardArgs };
  }

  /** `self.x = ...` for the children of a module. */
  private initLines(path: string): string[] {
    const out: string[] = [];
    for (const p of this.tree.freeParams.get(path) ?? []) {
      const role = this.tree.renamed.get(p.name) ?? p.name.slice(p.name.lastIndexOf('.') + 1);
      out.push(`        ${registerParam(role, p.buffer ? `torch.zeros(${p.shape.join(', ')})` : `nn.Parameter(torch.empty(${p.shape.join(', ')}))`, p.buffer === true)}`);
    }
    for (const child of this.tree.children.get(path) ?? []) {
      out.push(`        ${register(child, this.construct(child), this.tree.renamed)}`);
    }
    const renamed = this.tree.renamedUnder(path);
    if (renamed.length) out.push(`        rt.spec_names(self, {${renamed.map(([py, spec]) => `${pyString(py)}: ${pyString(spec)}`).join(', ')}})`);
    return out;
  }

  private construct(path: string): string {
    const kind = this.tree.kinds.get(path) ?? '';
    if (kind.startsWith('repeat')) {
      const items = this.tree.children.get(path) ?? [];
      const names = items.map((c) => this.construct(c));
      if (names.length > 1 && names.every((n) => n === names[0])) return `nn.ModuleList([${names[0]} for _ in range(${names.length})])`;
      return `nn.ModuleList([${names.join(', ')}])`;
    }
    if (this.tree.primitive.has(path)) return layerConstructor(this.tree, path, kind);
    return `${this.blockClass(path).name}()`;
  }
}
