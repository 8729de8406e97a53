/** The runtime layer (`rt.Linear(...)`, `rt.LSTM(...)`) that a primitive module of the spec becomes in `__init__`. */
import { resolve } from '../../ir/dims.js';
import { KERNELS } from '../../ir/ops/index.js';
import type { TensorValue } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { LAYER_OPS, type ModuleTree } from './module-tree.js';
import { pyFloat, pyLiteral } from './python-names.js';

/** The runtime layer for a primitive module, from its parameters and its node's attributes. */
export function layerConstructor(tree: ModuleTree, path: string, kind: string): string {
  const node = tree.ir.nodes.find((n) => n.module === path && LAYER_OPS[n.op] === kind);
  const own = (role: string) => tree.paramByName.get(`${path}.${role}`);
  const shape = (role: string) => {
    const p = own(role) ?? (node?.params[role] ? tree.paramByName.get(node.params[role]) : undefined);
    if (!p) throw new PytorchEmitError(`\`${path}\` (${kind}) has no parameter \`${role}\``);
    return p.shape;
  };
  // A module never applied has no node: its kind still names its kernel.
  const kernel = node ? KERNELS.get(node.op) : [...KERNELS.values()].find((k) => k.torchLayer?.module === kind);
  if (!kernel?.torchLayer) throw new PytorchEmitError(`no PyTorch layer for \`${kind}\``);
  return kernel.torchLayer.construct({
    shape,
    owns: (role) => own(role) !== undefined,
    value: (name) => node?.attrs[name],
    outputWidth: () => (node ? constLast(tree.ir.values[node.outputs[0]]) : undefined),
    literal: (v) => pyLiteral(v),
    float: (v) => pyFloat(v),
    fail: (message) => {
      throw new PytorchEmitError(`\`${path}\` (${kind}) ${message}`);
    },
  });
}

function constLast(v: TensorValue): number | undefined {
  const last = v.shape[v.shape.length - 1];
  const d = last && resolve(last);
  return d && d.kind === 'const' ? d.value : undefined;
}
