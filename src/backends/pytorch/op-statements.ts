/** The statement of one function op (not a layer) in a forward body: its kernel's PyTorch expression (`x + y`, `rt.softmax(...)`). */
import { KERNELS } from '../../ir/ops/index.js';
import type { Node } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { ROW_KEEPING, type ModuleTree } from './module-tree.js';
import { accessParam, pyFloat, pyLiteral } from './python-names.js';
import type { Scope } from './scope.js';
import { shapeComment } from './shape-comments.js';

/** One function op at the module's own level. */
export function opStatement(tree: ModuleTree, node: Node, index: number, scope: Scope): string {
  const kernel = KERNELS.get(node.op);
  if (!kernel?.torch) {
    throw new PytorchEmitError(`the PyTorch backend has no implementation of the IR op \`${node.op}\` (used by \`${node.module || 'the model'}\`)`);
  }
  const fail = (message: string): never => {
    throw new PytorchEmitError(`\`${node.module || 'the model'}\` (${node.op}) ${message}`);
  };
  let expr = kernel.torch({
    input: (i) => scope.name(node.inputs[i]),
    inputCount: node.inputs.length,
    int: (name) => pyLiteral(Number(node.attrs[name])),
    float: (name) => pyFloat(Number(node.attrs[name])),
    value: (name) => node.attrs[name],
    param: (role) => {
      const p = tree.paramByName.get(node.params[role]);
      if (!p || p.module !== node.module) return fail(`reads the parameter \`${node.params[role]}\` of another module`);
      return accessParam('self', tree.renamed.get(p.name) ?? p.name.slice(p.name.lastIndexOf('.') + 1), p.buffer === true);
    },
    outputs: node.outputs.map((v) => tree.ir.values[v]),
    fail,
  });
  if (ROW_KEEPING.has(node.op) && node.inputs.some((v) => tree.rowKeeping.has(v))) {
    expr = `rt.keep_rows(${expr}, ${node.inputs.filter((v) => tree.rowKeeping.has(v)).map((v) => scope.name(v)).join(', ')})`;
  }
  const names = node.outputs.map((v) => scope.bind(v, tree.ir.values[v].name ?? node.op, index));
  return `${names.join(', ')} = ${expr}${shapeComment(tree.ir, node.outputs)}`;
}
