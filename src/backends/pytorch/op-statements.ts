/** The statement of one function op (not a layer) in a forward body: `x = x + y`, `rt.softmax(...)`. */
import type { Node } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { ROW_KEEPING, type ModuleTree } from './module-tree.js';
import { pyFloat, pyLiteral } from './python-names.js';
import type { Scope } from './scope.js';
import { shapeComment } from './shape-comments.js';

/** One function op at the module's own level. */
export function opStatement(tree: ModuleTree, node: Node, index: number, scope: Scope): string {
  const a = node.attrs;
  const x = node.inputs.map((v) => scope.name(v));
  let expr: string;
  switch (node.op) {
    case 'add': expr = `${x[0]} + ${x[1]}`; break;
    case 'sub': expr = `${x[0]} - ${x[1]}`; break;
    case 'mul': expr = `${x[0]} * ${x[1]}`; break;
    case 'div': expr = `${x[0]} / ${x[1]}`; break;
    case 'scalar': {
      const isInt = tree.ir.values[node.outputs[0]].dtype === 'int32';
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
  if (ROW_KEEPING.has(node.op) && node.inputs.some((v) => tree.rowKeeping.has(v))) {
    expr = `rt.keep_rows(${expr}, ${node.inputs.filter((v) => tree.rowKeeping.has(v)).map((v) => scope.name(v)).join(', ')})`;
  }
  const names = node.outputs.map((v) => scope.bind(v, tree.ir.values[v].name ?? node.op, index));
  return `${names.join(', ')} = ${expr}${shapeComment(tree.ir, node.outputs)}`;
}
