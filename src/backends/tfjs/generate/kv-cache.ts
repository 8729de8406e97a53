/**
 * A key/value cache written in place, for the native backend's decode steps.
 *
 * The cached stepper (`steppers.ts`) keeps each history as a tensor and grows it by a concat at
 * every step: a copy of every layer's keys and values per token, and then five or six kernels of
 * attention. Where a step's self-attention is the plain chain
 *
 *     matmul(q, Kᵀ history) → [one scalar · or ÷] → [masked] → softmax(last axis) → matmul(·, V history)
 *
 * and its intermediate values feed nothing else, the native backend (`TfmcDecodeAttention`)
 * computes it for one new query per row in one kernel, with the histories kept in tensors with
 * room for more positions (`capacity`, doubled when full) into which the kernel writes each new
 * key and value. Anything else (other backends, several new positions, a mask that blocks some
 * cached key, a bias added to the scores) takes the general path, which gets the histories back
 * as plain tensors.
 */
import * as tf from '@tensorflow/tfjs';
import type { IncrementalPlan } from '../../../ir/incremental.js';
import { DECODE_ATTENTION, type DecodeScale } from '../native/decode.js';
import { isMask, type RtValue } from '../run-context.js';

/** One self-attention the decode kernel can compute. Indices are into the plan's nodes. */
export interface AttentionChain {
  /** The chain's nodes but the last, in order: deferred to the last, and skipped when the kernel runs. */
  deferred: number[];
  /** The last matmul (probabilities · values), where the kernel runs. */
  last: number;
  q: number;
  /** History ids: keys transposed `[B, H, d, T]` (time axis 3) and values `[B, H, T, d]` (axis 2). */
  k: number;
  v: number;
  mask?: number;
  scaleOp: DecodeScale;
  scale: number;
  out: number;
  /**
   * When the chain's query, key and value heads are split from projections nothing else reads,
   * and its output only merged back: the values before the split (`[B, 1, H·d]` at a step, the
   * same floats as the heads of one position) and the head count. The kernel then reads those and
   * writes the merged output (`out` is then the merge's), and the split, transpose and merge
   * nodes are deferred with the rest: five fewer nodes per layer and step.
   */
  wide?: { q: number; k: number; v: number; heads: number };
}

/** The attention chains of `plan` (see the file comment); `outputs` are the values the caller reads. */
export function findAttentionChains(plan: IncrementalPlan, outputs: readonly number[]): AttentionChain[] {
  const uses = new Map<number, number[]>();
  plan.nodes.forEach((s, i) => s.node.inputs.forEach((id) => uses.set(id, [...(uses.get(id) ?? []), i])));
  for (const id of outputs) uses.set(id, [...(uses.get(id) ?? []), -1]);
  /** The one node that reads `id` (as its first input), else undefined. */
  const soleReader = (id: number): number | undefined => {
    const readers = uses.get(id) ?? [];
    return readers.length === 1 && readers[0] >= 0 && plan.nodes[readers[0]].node.inputs[0] === id ? readers[0] : undefined;
  };
  const readOnceBy = (id: number, i: number) => (uses.get(id) ?? []).every((r) => r === i);
  const producer = new Map<number, number>();
  plan.nodes.forEach((s, i) => s.node.outputs.forEach((id) => producer.set(id, i)));
  const chains: AttentionChain[] = [];
  plan.nodes.forEach((first, i) => {
    const { node } = first;
    if (first.static || node.op !== 'matmul' || first.needs[0] === 'full' || first.needs[1] !== 'full') return;
    const [q, k] = node.inputs;
    if (plan.histories.get(k) !== 3 || !readOnceBy(k, i)) return;
    const deferred = [i];
    let scaleOp: DecodeScale = 'none';
    let scale = 1;
    let mask: number | undefined;
    let at = soleReader(node.outputs[0]);
    const next = () => {
      deferred.push(at!);
      at = soleReader(plan.nodes[at!].node.outputs[0]);
    };
    const op = () => (at === undefined ? undefined : plan.nodes[at].node);
    const scalarOp = op()?.op === 'scalar' ? String(op()!.attrs.op) : undefined;
    if (scalarOp === 'mul' || scalarOp === 'div') {
      scaleOp = scalarOp;
      scale = Number(op()!.attrs.value);
      next();
    }
    if (op()?.op === 'masked') {
      mask = op()!.inputs[1];
      next();
    }
    const axis = Number(op()?.attrs.axis);
    if (op()?.op !== 'softmax' || (axis !== -1 && axis !== 3)) return;
    next();
    const lastStep = at === undefined ? undefined : plan.nodes[at];
    if (!lastStep || lastStep.node.op !== 'matmul' || lastStep.needs[1] !== 'full') return;
    const v = lastStep.node.inputs[1];
    if (plan.histories.get(v) !== 2 || !readOnceBy(v, at!)) return;
    const chain: AttentionChain = { deferred, last: at!, q, k, v, mask, scaleOp, scale, out: lastStep.node.outputs[0] };
    chains.push(widen(chain, plan, producer, soleReader, readOnceBy) ?? chain);
  });
  return chains;
}

/** The chain with its head splits and merge (see {@link AttentionChain.wide}), or undefined when they are not there alone. */
function widen(
  chain: AttentionChain,
  plan: IncrementalPlan,
  producer: ReadonlyMap<number, number>,
  soleReader: (id: number) => number | undefined,
  readOnceBy: (id: number, i: number) => boolean,
): AttentionChain | undefined {
  /** The plan index of the node making `id` if it is `op`, not static, and `id` is read by `reader` only. */
  const made = (id: number, op: string, reader: number): number | undefined => {
    const i = producer.get(id);
    return i !== undefined && plan.nodes[i].node.op === op && !plan.nodes[i].static && readOnceBy(id, reader) ? i : undefined;
  };
  const first = chain.deferred[0];
  const qSplit = made(chain.q, 'split_heads', first);
  const kT = made(chain.k, 'transpose', first);
  const kSplit = kT === undefined ? undefined : made(plan.nodes[kT].node.inputs[0], 'split_heads', kT);
  const vSplit = made(chain.v, 'split_heads', chain.last);
  const merge = soleReader(chain.out);
  if (qSplit === undefined || kSplit === undefined || vSplit === undefined || merge === undefined || plan.nodes[merge].node.op !== 'merge_heads') return undefined;
  const splits = [qSplit, kSplit, vSplit].map((i) => plan.nodes[i].node);
  const heads = Number(splits[0].attrs.heads);
  if (splits.some((n) => Number(n.attrs.heads) !== heads)) return undefined;
  return {
    ...chain,
    deferred: [qSplit, kSplit, vSplit, kT!, ...chain.deferred, chain.last].sort((a, b) => a - b),
    last: merge,
    out: plan.nodes[merge].node.outputs[0],
    wide: { q: splits[0].inputs[0], k: splits[1].inputs[0], v: splits[2].inputs[0], heads },
  };
}

interface Cache {
  k: tf.Tensor4D;
  v: tf.Tensor4D;
}

/** The in-place caches of a stepper's attention chains, by chain (its keys' history id). */
export class KvCaches {
  private readonly caches = new Map<number, Cache>();
  /** Changes whenever a cache tensor is replaced (made, grown, reordered, released): a replayed step (step-replay.ts) holds the old ones. */
  version = 0;

  /** Whether the caches of `chains` all exist and have room for position `length`. */
  haveRoom(chains: Iterable<AttentionChain>, length: number): boolean {
    for (const chain of chains) {
      const cache = this.caches.get(chain.k);
      if (!cache || length >= cache.k.shape[3]) return false;
    }
    return true;
  }

  /** Whether the decode kernel exists on the current backend (the native backend registers it). */
  static available(): boolean {
    return tf.getKernel(DECODE_ATTENTION, tf.getBackend()) !== undefined;
  }

  /**
   * The chain's output for one new position per row, computed by the decode kernel, or undefined
   * when the kernel cannot (the caller then runs the chain's nodes). `histories` are the stepper's
   * concatenated histories: the chain's are moved into the cache here. `length`: positions cached.
   */
  step(chain: AttentionChain, values: ReadonlyMap<number, RtValue>, histories: Map<number, tf.Tensor>, length: number): tf.Tensor | undefined {
    const { wide } = chain;
    const q = values.get(wide ? wide.q : chain.q);
    const k = values.get(wide ? wide.k : chain.k);
    const v = values.get(wide ? wide.v : chain.v);
    if (!(q instanceof tf.Tensor) || !(k instanceof tf.Tensor) || !(v instanceof tf.Tensor)) return undefined;
    if (q.dtype !== 'float32' || k.dtype !== 'float32' || v.dtype !== 'float32') return undefined;
    let b: number, h: number, d: number;
    if (wide) {
      // One position's projections `[B, 1, H·d]` hold its heads `[B, H, 1, d]` float for float.
      const [qb = 0, qt = 0, width = 0] = q.shape;
      if (q.rank !== 3 || qt !== 1 || width % wide.heads !== 0 || !sameShape(k.shape, q.shape) || !sameShape(v.shape, q.shape)) return undefined;
      [b, h, d] = [qb, wide.heads, width / wide.heads];
    } else {
      const [qb = 0, qh = 0, qt = 0, qd = 0] = q.shape;
      [b, h, d] = [qb, qh, qd];
      if (q.rank !== 4 || qt !== 1 || !sameShape(k.shape, [b, h, d, 1]) || !sameShape(v.shape, [b, h, 1, d])) return undefined;
    }
    if (chain.mask !== undefined) {
      const m = values.get(chain.mask);
      if (!m || !isMask(m) || !m.allowsAll?.(1, length + 1)) return undefined;
    }
    const cache = this.reserve(chain, histories, length, [b, h, d]);
    if (!cache) return undefined;
    const attrs = { length, scaleOp: chain.scaleOp, scale: chain.scale, heads: h };
    return tf.engine().runKernel(DECODE_ATTENTION, { q, k, v, kCache: cache.k, vCache: cache.v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }

  /** Gives the chain's history back to `histories` (the general path is about to read it): the first `length` positions. */
  release(chain: AttentionChain, histories: Map<number, tf.Tensor>, length: number): void {
    const cache = this.caches.get(chain.k);
    if (!cache) return;
    this.version++;
    this.caches.delete(chain.k);
    const [b, h, d] = [cache.k.shape[0], cache.k.shape[1], cache.k.shape[2]];
    histories.set(chain.k, tf.keep(tf.slice(cache.k, [0, 0, 0, 0], [b, h, d, length])));
    histories.set(chain.v, tf.keep(tf.slice(cache.v, [0, 0, 0, 0], [b, h, length, d])));
    tf.dispose([cache.k, cache.v]);
  }

  /** Row i continues old row `order[i]` (beam search). */
  reorder(order: readonly number[]): void {
    if (this.caches.size === 0) return;
    this.version++;
    const idx = tf.tensor1d(order as number[], 'int32');
    for (const [id, c] of this.caches) {
      this.caches.set(id, { k: tf.keep(tf.gather(c.k, idx, 0)), v: tf.keep(tf.gather(c.v, idx, 0)) });
      tf.dispose([c.k, c.v]);
    }
    idx.dispose();
  }

  dispose(): void {
    this.version++;
    for (const c of this.caches.values()) tf.dispose([c.k, c.v]);
    this.caches.clear();
  }

  /** The chain's cache with room for position `length`, made from its history (or grown) when needed; undefined if it does not fit. */
  private reserve(chain: AttentionChain, histories: Map<number, tf.Tensor>, length: number, [b, h, d]: number[]): Cache | undefined {
    let cache = this.caches.get(chain.k);
    if (cache && (cache.k.shape[0] !== b || cache.k.shape[1] !== h || cache.k.shape[2] !== d)) return undefined;
    if (cache && length < cache.k.shape[3]) return cache;
    if (!cache) {
      const kh = histories.get(chain.k);
      const vh = histories.get(chain.v);
      const empty = !kh && !vh && length === 0;
      if (!empty && !(kh && vh && sameShape(kh.shape, [b, h, d, length]) && sameShape(vh.shape, [b, h, length, d]))) return undefined;
      cache = { k: kh ? (kh as tf.Tensor4D) : tf.zeros([b, h, d, 0]), v: vh ? (vh as tf.Tensor4D) : tf.zeros([b, h, 0, d]) };
      histories.delete(chain.k);
      histories.delete(chain.v);
    }
    // Doubling keeps the copies O(T) in all; the unused room is never read.
    const capacity = Math.max(64, 2 ** Math.ceil(Math.log2(length + 1)));
    const grown: Cache = tf.tidy(() => ({
      k: tf.keep(tf.pad(tf.slice(cache.k, [0, 0, 0, 0], [b, h, d, length]), [[0, 0], [0, 0], [0, 0], [0, capacity - length]])),
      v: tf.keep(tf.pad(tf.slice(cache.v, [0, 0, 0, 0], [b, h, length, d]), [[0, 0], [0, 0], [0, capacity - length], [0, 0]])),
    }));
    tf.dispose([cache.k, cache.v]);
    this.version++;
    this.caches.set(chain.k, grown);
    return grown;
  }
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
