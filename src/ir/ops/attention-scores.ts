/**
 * Recognising attention scores in the graph, for the lints that know which axis of a score tensor
 * is the key axis (TFM5001) and whether a causal mask was applied (TFM5002).
 */
import type { TensorValue } from '../types.js';
import type { OpContext } from '../values.js';

/** Ops between `q @ transpose(k)` and the softmax that keep the scores' axes where they are. */
const KEEPS_AXES = new Set(['scalar', 'add', 'sub', 'mul', 'div', 'masked', 'dropout']);

/**
 * When `x` comes from a product with a transposed right side, `q @ transpose(k)`, through ops that
 * keep its axes (scaling, biases, masking, dropout): the masks applied on the way. Undefined when
 * `x` is not attention scores.
 */
export function attentionScores(ctx: OpContext, x: TensorValue): { masks: TensorValue[] } | undefined {
  const rank = x.shape.length;
  const masks: TensorValue[] = [];
  let t: TensorValue | undefined = x;
  for (let hops = 0; t && hops < 12; hops++) {
    const p = ctx.producer(t);
    if (!p) return undefined;
    if (p.op === 'matmul') return ctx.producer(p.inputs[1])?.op === 'transpose' ? { masks } : undefined;
    if (!KEEPS_AXES.has(p.op)) return undefined;
    if (p.op === 'masked' && p.inputs[1]) masks.push(p.inputs[1]);
    t = p.inputs.find((i) => i.shape.length === rank && i.dtype === 'float32');
  }
  return undefined;
}
