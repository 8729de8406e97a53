/**
 * Repeat stacks (`repeat layers { DecoderLayer(...) }`) arrive in the IR unrolled: layer 0, layer
 * 1, ... one after another. To keep generated code short and readable, a stack whose layers are
 * the same computation — same ops, attributes, shapes and wiring, parameters that differ only by
 * the layer prefix (`blocks.0.` / `blocks.1.`) — becomes one function applied in a loop. Anything
 * less regular stays unrolled.
 */
import { renderShape } from '../../ir/dims.js';
import { withinModule } from '../../ir/queries.js';
import type { ModelIR, Node } from '../../ir/types.js';

export interface Fold {
  /** Module path of the stack (`blocks`, `decoder.layers`). */
  stack: string;
  /** Module kind of its layers (`DecoderLayer`). */
  kind: string;
  /** Each layer's nodes, in order; layer j's parameters are under `${stack}.${j}.`. */
  layers: Node[][];
  /** The value layer 0 reads as its running input. */
  carryIn: number;
  /** The value each layer passes on (the last one leaves the stack). */
  outs: number[];
  /** Values every layer reads from outside the stack (masks, an encoder's output, a position bias), in first-use order. */
  externals: number[];
}

/** The foldable stacks among `nodes` (a model part in graph order), outermost first, not nested. */
export function findFolds(ir: ModelIR, nodes: readonly Node[]): Fold[] {
  const kinds = new Map(ir.modules.map((m) => [m.path, m.kind]));
  const folds: Fold[] = [];
  for (const m of ir.modules) {
    if (!kinds.has(`${m.path}.0`) || !kinds.has(`${m.path}.1`)) continue;
    if (folds.some((f) => m.path.startsWith(`${f.stack}.`))) continue;
    const fold = tryFold(ir, nodes, m.path, kinds.get(`${m.path}.0`)!);
    if (fold) folds.push(fold);
  }
  return folds;
}

function tryFold(ir: ModelIR, nodes: readonly Node[], stack: string, kind: string): Fold | undefined {
  const layers: Node[][] = [];
  let at = nodes.findIndex((nd) => withinModule(nd.module, `${stack}.0`));
  if (at < 0) return undefined;
  for (let j = 0; ; j++) {
    const layer: Node[] = [];
    while (at < nodes.length && withinModule(nodes[at].module, `${stack}.${j}`)) layer.push(nodes[at++]);
    if (layer.length === 0) break;
    layers.push(layer);
  }
  if (layers.length < 2) return undefined;
  // Every layer's nodes must be contiguous: none may appear elsewhere in the part.
  const total = layers.reduce((a, l) => a + l.length, 0);
  if (nodes.filter((nd) => withinModule(nd.module, stack)).length !== total) return undefined;

  const producedIn = layers.map((l) => new Map(l.flatMap((nd, k) => nd.outputs.map((v, o) => [v, [k, o] as const]))));
  const stackValues = new Set(producedIn.flatMap((m) => [...m.keys()]));
  const layerOf = new Map<number, number>();
  layers.forEach((l, j) => l.forEach((nd) => layerOf.set(nd.id, j)));

  // What each layer passes on: its only value read outside it.
  const readers = new Map<number, Set<number | 'out'>>();
  for (const nd of ir.nodes) for (const v of nd.inputs) if (stackValues.has(v)) (readers.get(v) ?? readers.set(v, new Set()).get(v)!).add(layerOf.get(nd.id) ?? -1);
  for (const o of [...ir.outputs, ...ir.losses]) if (stackValues.has(o.value)) (readers.get(o.value) ?? readers.set(o.value, new Set()).get(o.value)!).add('out');
  const outs: number[] = [];
  for (let j = 0; j < layers.length; j++) {
    const leaving = [...producedIn[j].keys()].filter((v) => [...(readers.get(v) ?? [])].some((r) => r !== j));
    if (leaving.length !== 1) return undefined;
    const users = [...readers.get(leaving[0])!].filter((r) => r !== j);
    if (j < layers.length - 1 && users.some((r) => r !== j + 1)) return undefined;
    if (j === layers.length - 1 && users.some((r) => typeof r === 'number' && r >= 0 && r < layers.length)) return undefined;
    outs.push(leaving[0]);
  }
  if (ir.values[outs[0]].dtype === 'mask') return undefined;

  // Layer 0 reads, where layer 1 reads outs[0], its own running input.
  let carryIn: number | undefined;
  layers[1].forEach((nd, k) =>
    nd.inputs.forEach((v, i) => {
      if (v !== outs[0]) return;
      const v0 = layers[0][k]?.inputs[i];
      if (v0 === undefined || (carryIn !== undefined && carryIn !== v0)) carryIn = -1;
      else carryIn = v0;
    }),
  );
  if (carryIn === undefined || carryIn < 0 || stackValues.has(carryIn) || ir.values[carryIn].dtype === 'mask') return undefined;

  const externals: number[] = [];
  const signature = (j: number): string | undefined => {
    const prefix = `${stack}.${j}.`;
    const carry = j === 0 ? carryIn! : outs[j - 1];
    const parts: string[] = [];
    for (const [k, nd] of layers[j].entries()) {
      const inputs: string[] = [];
      for (const v of nd.inputs) {
        const local = producedIn[j].get(v);
        if (local) inputs.push(`n${local[0]}.${local[1]}`);
        else if (v === carry) inputs.push('carry');
        else if (stackValues.has(v)) return undefined;
        else {
          if (j === 0 && !externals.includes(v)) externals.push(v);
          inputs.push(`e${v}`);
        }
      }
      const params = Object.entries(nd.params)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([role, name]) => `${role}=${name.startsWith(prefix) ? `~${name.slice(prefix.length)}` : name}`);
      const outputs = nd.outputs.map((v) => `${ir.values[v].dtype}${renderShape(ir.values[v].shape)}`);
      parts.push(JSON.stringify([k, nd.op, nd.module.slice(prefix.length - 1), nd.attrs, params, inputs, outputs]));
    }
    return parts.join('\n');
  };
  const first = signature(0);
  if (first === undefined) return undefined;
  for (let j = 1; j < layers.length; j++) if (signature(j) !== first) return undefined;
  const outKind = (v: number) => `${ir.values[v].dtype}${renderShape(ir.values[v].shape)}`;
  if (outs.some((v) => outKind(v) !== outKind(outs[0])) || outKind(carryIn) !== outKind(outs[0])) return undefined;
  return { stack, kind, layers, carryIn, outs, externals };
}
