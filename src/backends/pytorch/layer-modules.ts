/** The runtime layer (`rt.Linear(...)`, `rt.LSTM(...)`) that a primitive module of the spec becomes in `__init__`. */
import { resolve } from '../../ir/dims.js';
import type { TensorValue } from '../../ir/types.js';
import { PytorchEmitError } from './errors.js';
import { LAYER_OPS, type ModuleTree } from './module-tree.js';
import { pyFloat, pyLiteral, pyString } from './python-names.js';

/** The runtime layer for a primitive module, from its parameters and its node's attributes. */
export function layerConstructor(tree: ModuleTree, path: string, kind: string): string {
  const node = tree.ir.nodes.find((n) => n.module === path && LAYER_OPS[n.op] === kind);
  const own = (role: string) => tree.paramByName.get(`${path}.${role}`);
  const shape = (role: string) => {
    const p = own(role) ?? (node?.params[role] ? tree.paramByName.get(node.params[role]) : undefined);
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
      const dim = has('weight') ? shape('weight')[1] : node ? constLast(tree.ir.values[node.outputs[0]]) : undefined;
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

function constLast(v: TensorValue): number | undefined {
  const last = v.shape[v.shape.length - 1];
  const d = last && resolve(last);
  return d && d.kind === 'const' ? d.value : undefined;
}
