/**
 * The self-attentions of a prompt that run as one kernel (`TfmcAttention`, attention-fusion.ts)
 * in the cached stepper's first step. The executor fuses the same chains in a forward pass; the
 * stepper must in addition start the key/value histories, so it still makes the key and value
 * heads (the split, and the keys' transpose) and skips the rest of the chain.
 */
import type { IncrementalPlan } from '../../../ir/incremental.js';
import type { ModelIR } from '../../../ir/types.js';
import { findAttentionChains, type AttentionChain } from '../attention-fusion.js';

/** A self-attention of the prompt run as one kernel: the chain and the plan indices of its nodes. */
export interface PromptAttention {
  chain: AttentionChain;
  /** Its last node (`merge_heads`), whose output the kernel computes. */
  last: number;
  /** The chain's nodes but the last, in plan order. */
  inner: number[];
  qHeads: number;
  kHeads: number;
  kT: number;
  vHeads: number;
  /** The histories the prompt starts: the transposed key heads and the value heads. */
  keys: number;
  vals: number;
}

/** The plan's self-attentions over the growing sequence whose chain the kernel can take. */
export function findPromptAttention(ir: ModelIR, plan: IncrementalPlan): PromptAttention[] {
  const indexOf = new Map(plan.nodes.map((s, i) => [s.node.id, i]));
  const found: PromptAttention[] = [];
  for (const [mergeId, chain] of findAttentionChains(ir, plan.nodes.map((s) => s.node))) {
    const inner = [...chain.inner].map((id) => indexOf.get(id)!).sort((a, b) => a - b);
    const [qHeads, kHeads, kT, vHeads] = [chain.headNodes.q, chain.headNodes.k, chain.headNodes.kT, chain.headNodes.v].map((id) => indexOf.get(id)!);
    const last = indexOf.get(mergeId)!;
    const keys = plan.nodes[kT].node.outputs[0];
    const vals = plan.nodes[vHeads].node.outputs[0];
    // Self-attention over the growing sequence: keys and values become histories, nothing is static.
    if ([last, ...inner].some((i) => plan.nodes[i].static) || !plan.histories.has(keys) || !plan.histories.has(vals)) continue;
    found.push({ chain, last, inner, qHeads, kHeads, kT, vHeads, keys, vals });
  }
  return found;
}
