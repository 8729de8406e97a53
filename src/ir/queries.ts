/**
 * Questions about a model's graph that several backends ask (the TypeScript and PyTorch
 * emitters, the tfjs executor). Each reads only the IR, so every backend gets the same answer.
 */
import type { ModelIR, Node, Param } from './types.js';

/** Whether a node of module `module` is inside the module at `path` (the module itself or a descendant). */
export function withinModule(module: string, path: string): boolean {
  return module === path || module.startsWith(`${path}.`);
}

/**
 * The values that computing `valueIds` reads, themselves included, back to the model inputs.
 * `producers`: the nodes by id.
 */
export function upstreamValues(ir: ModelIR, valueIds: readonly number[], producers: ReadonlyMap<number, Node>): Set<number> {
  const needed = new Set<number>();
  const stack = [...valueIds];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    const producer = producers.get(ir.values[id].producer);
    if (producer) stack.push(...producer.inputs);
  }
  return needed;
}

/**
 * The hidden size of the recurrent layer that reads `param` (its node's `hidden` attribute),
 * else the parameter's last axis: the `uniform_hidden` initialiser's bound is 1/sqrt of it.
 */
export function hiddenSizeOf(ir: ModelIR, param: Pick<Param, 'name' | 'shape'>): number {
  for (const node of ir.nodes) {
    if (Object.values(node.params).includes(param.name) && typeof node.attrs.hidden === 'number') return node.attrs.hidden;
  }
  return param.shape[param.shape.length - 1];
}
