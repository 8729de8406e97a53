/** The `forward` of the model class: inputs needed only by losses are optional (`labels=None`), and the statements that need them guarded. */
import { renderShape } from '../../ir/dims.js';
import { withinModule } from '../../ir/queries.js';
import type { ModelIR } from '../../ir/types.js';
import type { ForwardWriter } from './forward-body.js';
import type { ModuleTree } from './module-tree.js';
import { pyString } from './python-names.js';
import { Scope } from './scope.js';

export interface ModelForward {
  lines: string[];
  /** Each model input and its parameter name in the model's forward (they differ for names like `lambda`). */
  forwardArgs: Array<[string, string]>;
}

/** The model's forward: inputs needed only by losses are optional, and their losses computed when given. */
export function modelForward(tree: ModuleTree, writer: ForwardWriter): ModelForward {
  const ir = tree.ir;
  const nodes = ir.nodes.map((_, i) => i);
  const deps = inputDependencies(ir);
  const needed = new Set<number>();
  for (const o of ir.outputs) for (const i of deps.get(o.value) ?? []) needed.add(i);
  const optional = ir.inputs.filter((i) => !needed.has(i.value));
  const scope = new Scope(ir, tree.uses, nodes, tree.sinks, new Map([...ir.outputs, ...ir.losses].map((o) => [o.value, o.name])));
  const forwardArgs: Array<[string, string]> = ir.inputs.map((i) => [i.name, scope.bind(i.value, i.name, -1)]);
  const ordered = [...ir.inputs.filter((i) => needed.has(i.value)), ...optional];
  const sig = ordered.map((i) => (optional.includes(i) ? `${scope.name(i.value)}=None` : scope.name(i.value)));
  const out = [`    def forward(self, ${sig.join(', ')}):`];
  for (const i of ir.inputs) {
    const v = ir.values[i.value];
    const polarity = v.dtype === 'mask' ? ' (bool, or 0 and 1; True = may attend)' : '';
    out.push(`        # ${i.name}: ${v.dtype === 'int32' ? 'int64' : v.dtype} ${renderShape(v.shape)}${polarity}`);
  }
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
      while (end < nodes.length && withinModule(ir.nodes[end].module, child)) end++;
    }
    const item = nodes.slice(k, end);
    const guard = guardOf(item.flatMap((i) => ir.nodes[i].outputs));
    const text = writer.statements('', item, scope, 'caller');
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
  return { lines: out.filter((l) => l !== ''), forwardArgs };
}

/** For every value, the model inputs it depends on (value ids of the inputs). */
function inputDependencies(ir: ModelIR): Map<number, Set<number>> {
  const deps = new Map<number, Set<number>>();
  for (const i of ir.inputs) deps.set(i.value, new Set([i.value]));
  for (const n of ir.nodes) {
    const d = new Set<number>();
    for (const v of n.inputs) for (const x of deps.get(v) ?? []) d.add(x);
    for (const v of n.outputs) deps.set(v, d);
  }
  return deps;
}
