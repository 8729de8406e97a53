/**
 * Scaled dot-product attention as one kernel in inference. The IR spells multi-head attention as
 * ops (std/attention.tfm):
 *
 *   merge_heads(softmax(masked(split_heads(q) @ transpose(split_heads(k)) / c, mask)) @ split_heads(v))
 *
 * (the scaling and the mask each optional), which on tfjs is ~10 kernels, three head transposes
 * and four `[B, heads, Tq, Tk]` tensors per layer. A backend that has the `TfmcAttention` kernel
 * (the native one) computes the chain in one call from q, k and v as the projections wrote them.
 * The plan finds each chain whose intermediate values nothing else reads; the executor runs the
 * kernel in place of the chain's last node and skips the others, when no gradient tape records
 * (the kernel has no gradient) and the backend has the kernel. Otherwise the ops run as written.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR, Node } from '../../ir/types.js';
import { fusedKernel, maskTerms, RuntimeError, type Mask } from '../../runtime/index.js';
import type { RtValue } from './run-context.js';

/** One attention chain: its inputs (value ids), attributes, and the nodes it replaces. */
export interface AttentionChain {
  q: number;
  k: number;
  v: number;
  /** The `masked` node's mask value, if the chain has one. */
  mask?: number;
  heads: number;
  /** Scores ÷ scale (`divide`) or × scale, as the model's `scalar` op says (1 and × without one). */
  scale: number;
  divide: boolean;
  /** The chain's nodes other than its last (`merge_heads`), which the kernel makes unnecessary. */
  inner: ReadonlySet<number>;
  /** Ids of the nodes splitting the query, key and value heads, and transposing the keys (among `inner`). */
  headNodes: { q: number; k: number; kT: number; v: number };
}

/**
 * The attention chains among `nodes`, by the id of their `merge_heads` node. A chain qualifies
 * when each of its intermediate values is read by the next node of the chain only (not by another
 * node, nor returned as an output): then skipping those nodes changes nothing else.
 */
export function findAttentionChains(ir: ModelIR, nodes: readonly Node[]): Map<number, AttentionChain> {
  const readers = new Map<number, number>();
  for (const n of ir.nodes) for (const id of n.inputs) readers.set(id, (readers.get(id) ?? 0) + 1);
  for (const o of [...ir.outputs, ...ir.losses]) readers.set(o.value, (readers.get(o.value) ?? 0) + 1);
  const producer = new Map<number, Node>();
  for (const n of ir.nodes) for (const id of n.outputs) producer.set(id, n);
  // The node making `value`, if it is `op` and `value` is read once (by the chain's next node).
  const only = (value: number | undefined, op: string): Node | undefined => {
    const n = value === undefined ? undefined : producer.get(value);
    return n && n.op === op && n.outputs.length === 1 && readers.get(value!) === 1 ? n : undefined;
  };
  const chains = new Map<number, AttentionChain>();
  for (const merge of nodes) {
    if (merge.op !== 'merge_heads') continue;
    const weighted = only(merge.inputs[0], 'matmul');
    const probs = only(weighted?.inputs[0], 'softmax');
    const vHeads = only(weighted?.inputs[1], 'split_heads');
    if (!weighted || !probs || !vHeads || probs.attrs.axis !== -1) continue;
    const maskedNode = only(probs.inputs[0], 'masked');
    const scaledValue = maskedNode ? maskedNode.inputs[0] : probs.inputs[0];
    const scaled = only(scaledValue, 'scalar');
    if (scaled && scaled.attrs.op !== 'div' && scaled.attrs.op !== 'mul') continue;
    const scores = only(scaled ? scaled.inputs[0] : scaledValue, 'matmul');
    const qHeads = only(scores?.inputs[0], 'split_heads');
    const kT = only(scores?.inputs[1], 'transpose');
    const kHeads = only(kT?.inputs[0], 'split_heads');
    if (!scores || !qHeads || !kT || !kHeads) continue;
    const heads = Number(qHeads.attrs.heads);
    if (Number(kHeads.attrs.heads) !== heads || Number(vHeads.attrs.heads) !== heads) continue;
    const chainNodes = [qHeads, kHeads, vHeads, kT, scores, scaled, maskedNode, probs, weighted].filter((n): n is Node => n !== undefined);
    chains.set(merge.id, {
      q: qHeads.inputs[0],
      k: kHeads.inputs[0],
      v: vHeads.inputs[0],
      mask: maskedNode?.inputs[1],
      heads,
      scale: scaled ? Number(scaled.attrs.value) : 1,
      divide: scaled?.attrs.op === 'div',
      inner: new Set(chainNodes.map((n) => n.id)),
      headNodes: { q: qHeads.id, k: kHeads.id, kT: kT.id, v: vHeads.id },
    });
  }
  return chains;
}

/** Whether the chains may run fused now: inference with no tape recording, on a backend that has the kernel. */
export function attentionFusable(training: boolean): boolean {
  if (training || tapeRecording()) return false;
  return tf.getKernel('TfmcAttention', tf.getBackend()) !== undefined;
}

/** tfjs records a gradient tape inside tf.grad / variableGrads; the fused kernel has no gradient. */
function tapeRecording(): boolean {
  const state = (tf.engine() as unknown as { state?: { gradientDepth?: number } }).state;
  return (state?.gradientDepth ?? 0) > 0;
}

/**
 * The chain's output `[B, Tq, heads·d]`, or undefined when its values are not what the kernel
 * takes, a mask among them that does not fit the scores (then the caller runs the chain's ops).
 */
export function runAttentionChain(chain: AttentionChain, value: (id: number) => RtValue | undefined): tf.Tensor | undefined {
  const [q, k, v] = [value(chain.q), value(chain.k), value(chain.v)];
  const mask = chain.mask === undefined ? undefined : value(chain.mask);
  if (!isTensor(q) || !isTensor(k) || !isTensor(v) || (chain.mask !== undefined && typeof mask !== 'function')) return undefined;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) return undefined;
  const [b = 0, tq = 0, width = 0] = q.shape;
  const tk = k.shape[1] ?? 0;
  if (width % chain.heads !== 0 || k.shape[0] !== b || v.shape[0] !== b || k.shape[2] !== width || v.shape[1] !== tk || v.shape[2] !== width) return undefined;
  let terms: ReturnType<typeof maskTerms>;
  try {
    terms = mask ? maskTerms(mask as Mask, b, chain.heads, tq, tk) : undefined;
  } catch (e) {
    // A mask that does not fit: the ops as written say so, naming the node.
    if (e instanceof RuntimeError) return undefined;
    throw e;
  }
  return fusedKernel('TfmcAttention', { q, k, v, bias: terms?.bias, rows: terms?.rows }, { heads: chain.heads, scale: chain.scale, divide: chain.divide ? 1 : 0 });
}

const isTensor = (x: RtValue | undefined): x is tf.Tensor => x instanceof tf.Tensor;
