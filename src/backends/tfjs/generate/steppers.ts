/**
 * Steppers feed a growing token sequence to a model and return the logits of the next token.
 *
 * - {@link CachedStepper} evaluates only the new positions at each step, with the key/value
 *   histories and the static values (an encoder's output) planned by `src/ir/incremental.ts`.
 * - {@link FullStepper} reruns the model on the whole sequence: exact for any model, and the
 *   fallback when the plan refuses (its reason is reported to the user).
 *
 * Both keep `rows` sequences side by side (prompts × beams) and can reorder them (beam search).
 */
import * as tf from '@tensorflow/tfjs';
import { planIncremental, stepOffsets, type IncrementalPlan, type StepNode } from '../../../ir/incremental.js';
import type { ModelOutput } from '../../../ir/types.js';
import type { TfjsModel } from '../executor.js';
import { runNode } from '../kernels.js';
import { isMask, type RtValue } from '../run-context.js';
import { attentionFusable, runAttentionChain } from '../attention-fusion.js';
import { findAttentionChains, KvCaches, type AttentionChain } from './kv-cache.js';
import { findPromptAttention, type PromptAttention } from './prompt-attention.js';
import { StepReplay } from './step-replay.js';

export interface Stepper {
  /** Whether a key/value cache is used. */
  readonly cached: boolean;
  /** Why there is no cache (when `cached` is false and a cache was asked for). */
  readonly reason?: string;
  /** Tokens fed so far per row. */
  readonly length: number;
  /**
   * Appends `tokens` (rows × n: the prompt first, then one token per step) and returns the logits
   * of the position after the last one, `[rows, vocab]` (the caller disposes it).
   */
  next(tokens: readonly (readonly number[])[]): tf.Tensor2D;
  /** Row i continues old row `order[i]` (beam search). */
  reorder(order: readonly number[]): void;
  dispose(): void;
}

export interface StepperSetup {
  model: TfjsModel;
  /** The input that grows (`ids`, `tgt`). */
  timeInput: string;
  /** The output holding the logits `[batch, seq, vocab]`. */
  output: ModelOutput;
  /** The other inputs the output needs (already one row per sequence). */
  sources: Record<string, tf.Tensor>;
}

/** A cached stepper when the model allows it (and `useCache`), else a full one. */
export function createStepper(setup: StepperSetup, useCache: boolean): Stepper {
  if (!useCache) return new FullStepper(setup);
  const plan = setup.model.planFor([setup.output]);
  const inc = planIncremental(setup.model.ir, plan.nodes, setup.timeInput, [setup.output.value]);
  if (!inc.ok) return new FullStepper(setup, inc.reason);
  return new CachedStepper(setup, inc);
}

/** Reruns the whole sequence at every step. */
export class FullStepper implements Stepper {
  readonly cached = false;
  private rows: number[][] | undefined;

  constructor(
    private readonly setup: StepperSetup,
    readonly reason?: string,
  ) {}

  get length(): number {
    return this.rows?.[0]?.length ?? 0;
  }

  next(tokens: readonly (readonly number[])[]): tf.Tensor2D {
    this.rows = this.rows ? this.rows.map((r, i) => [...r, ...tokens[i]]) : tokens.map((r) => [...r]);
    const { model, timeInput, output, sources } = this.setup;
    const ids = tf.tensor2d(this.rows, [this.rows.length, this.length], 'int32');
    try {
      const out = model.forward({ ...sources, [timeInput]: ids }, { outputs: [output.name] })[output.name];
      return tf.tidy(() => lastPosition(out, 1));
    } finally {
      ids.dispose();
    }
  }

  reorder(order: readonly number[]): void {
    const rows = this.rows;
    if (rows) this.rows = order.map((i) => [...rows[i]]);
  }

  dispose(): void {
    this.rows = undefined;
  }
}

/** Evaluates only the new positions, with key/value histories and reused static values. */
export class CachedStepper implements Stepper {
  readonly cached = true;
  readonly reason = undefined;
  private fed = 0;
  /** The tokens fed so far, kept while a prefix mask may still make a step rerun them (see `restartBelow`). */
  private rows: number[][] = [];
  private readonly histories = new Map<number, tf.Tensor>();
  private readonly statics = new Map<number, tf.Tensor>();
  private staticsReady = false;
  /** Self-attentions the native backend's decode kernel can compute, by the plan index of their last node. */
  private readonly chains = new Map<number, AttentionChain>();
  /** The plan indices of the chains' other nodes: run at their chain's last node, if at all. */
  private readonly deferred = new Set<number>();
  private readonly caches = new KvCaches();

  /** Decode steps replayed from a recorded one on the native backend (step-replay.ts). */
  readonly replay: StepReplay;
  /** Self-attentions a prompt can run as one kernel (attention-fusion.ts), by the plan index of their last node. */
  private readonly prompts = new Map<number, PromptAttention>();
  /** The plan indices of those chains' other nodes. */
  private readonly promptInner = new Set<number>();

  constructor(
    private readonly setup: StepperSetup,
    private readonly plan: IncrementalPlan,
  ) {
    for (const chain of findAttentionChains(plan, [setup.output.value])) {
      this.chains.set(chain.last, chain);
      for (const i of chain.deferred) this.deferred.add(i);
    }
    this.replay = new StepReplay(setup.model, plan, [...this.chains.values()]);
    for (const p of findPromptAttention(setup.model.ir, plan)) {
      this.prompts.set(p.last, p);
      for (const i of p.inner) this.promptInner.add(i);
    }
  }

  /**
   * Runs one self-attention of the prompt as one kernel: its key and value heads are made (they
   * start the histories), the rest of the chain is skipped. False when the kernel does not take it
   * (the caller runs the chain's ops) or something is cached already.
   */
  private promptAttention(
    p: PromptAttention,
    values: Map<number, RtValue>,
    input: (step: StepNode, i: number) => RtValue,
    run: (index: number) => void,
    whole: (id: number) => tf.Tensor,
  ): boolean {
    if (this.histories.has(p.keys) || this.histories.has(p.vals)) return false;
    const step = (i: number) => this.plan.nodes[i];
    const [q, k, v] = [input(step(p.qHeads), 0), input(step(p.kHeads), 0), input(step(p.vHeads), 0)];
    const chain = p.chain;
    const out = runAttentionChain(chain, (id) => (id === chain.q ? q : id === chain.k ? k : id === chain.v ? v : values.get(id) ?? this.statics.get(id)));
    if (!out) return false;
    for (const i of [p.kHeads, p.kT, p.vHeads]) run(i);
    whole(p.keys);
    whole(p.vals);
    values.set(this.plan.nodes[p.last].node.outputs[0], out);
    return true;
  }

  get length(): number {
    return this.fed;
  }

  next(given: readonly (readonly number[])[]): tf.Tensor2D {
    // Inside a prefix, earlier positions see the new keys: rerun the whole sequence (the cache
    // restarts) until the prefix is full, so the step equals full recomputation.
    const restart = this.fed > 0 && this.fed < this.plan.restartBelow;
    const tokens = restart ? given.map((r, i) => [...this.rows[i], ...r]) : given;
    if (restart) this.clearHistories();
    const n = tokens[0]?.length ?? 0;
    const rows = tokens.length;
    const start = this.fed;
    // One new position per row on the native backend: self-attention in one kernel over caches
    // written in place (kv-cache.ts); otherwise its nodes run as the others do.
    const fused = n === 1 && !restart && this.chains.size > 0 && KvCaches.available();
    if (fused && this.staticsReady && this.replay.ready(this.caches, start)) {
      // The recorded step again, for these tokens (step-replay.ts).
      const logits = this.replay.replay(tokens, start);
      if (logits) {
        this.fed += n;
        return logits;
      }
    }
    const record = fused && this.staticsReady && this.replay.wantsRecording(this.caches, start);
    const { model, timeInput, output, sources } = this.setup;
    const grown = new Map<number, tf.Tensor>();
    const ids = tf.tensor2d(tokens as number[][], [rows, n], 'int32');
    if (record) this.replay.startRecording(start);
    try {
      // The first step is a forward over the prompt: validate it like one.
      if (start === 0) model.validateInputs({ ...sources, [timeInput]: ids }, [output.name]);
      const logits = tf.tidy(() => {
        const values = new Map<number, RtValue>();
        for (const input of model.ir.inputs) {
          const given = input.name === timeInput ? ids : sources[input.name];
          if (given) values.set(input.value, given);
        }
        const rowsAllowed = new Map<tf.Tensor, tf.Tensor>();
        const whole = (id: number): tf.Tensor => {
          const done = grown.get(id);
          if (done) return done;
          const fresh = values.get(id) as tf.Tensor;
          const before = this.histories.get(id);
          const all = tf.keep(before ? tf.concat([before, fresh], this.plan.histories.get(id)!) : fresh.clone());
          grown.set(id, all);
          return all;
        };
        /** Input `i` of `step` as the plan says the node needs it. */
        const input = (step: StepNode, i: number): RtValue => {
          const id = step.node.inputs[i];
          const v = values.get(id) ?? this.statics.get(id);
          if (v === undefined) throw new Error(`step-wise decoding: value ${id} of ${step.node.op} was not computed`);
          if (step.needs[i] === 'full') return whole(id);
          if (step.needs[i] === 'new' && !isMask(v)) return lastRows(v, this.plan.timeAxis.get(id)!, n);
          if (step.needs[i] === 'last' && !isMask(v)) return lastRows(v, this.plan.timeAxis.get(id)!, 1);
          return v;
        };
        const evaluate = (index: number) => {
          const step = this.plan.nodes[index];
          const { node } = step;
          const ins = node.inputs.map((_, i) => input(step, i));
          const ctx = model.context(node, false, rowsAllowed, stepOffsets(step, start, n));
          const outs = runNode(node, ins, ctx);
          node.outputs.forEach((id, i) => {
            const out = outs[i];
            values.set(id, out);
            if (step.static && this.plan.keepStatic.has(id) && !isMask(out)) this.statics.set(id, tf.keep(out));
          });
          return { ins, outs };
        };
        const run = (index: number) => (record ? this.replay.node(index, () => evaluate(index)) : void evaluate(index));
        const visit = (index: number) => {
          const step = this.plan.nodes[index];
          if (step.static && this.staticsReady) return;
          if (this.deferred.has(index)) return;
          const chain = this.chains.get(index);
          if (chain) {
            const out = fused ? this.caches.step(chain, values, this.histories, start) : undefined;
            if (out) {
              values.set(chain.out, out);
              return;
            }
            this.caches.release(chain, this.histories, start);
            for (const i of chain.deferred) run(i);
          }
          run(index);
        };
        // The prompt (nothing cached yet, several positions): self-attention as one kernel where the
        // backend has it, as the executor does for a forward pass; the keys and values still go
        // to the histories.
        const prompt = n > 1 && this.prompts.size > 0 && attentionFusable(false);
        this.plan.nodes.forEach((_, index) => {
          if (prompt) {
            if (this.promptInner.has(index)) return;
            const chain = this.prompts.get(index);
            if (chain && this.promptAttention(chain, values, input, run, whole)) return;
            if (chain) for (const i of chain.inner) visit(i);
          }
          visit(index);
        });
        const out = values.get(output.value) ?? this.statics.get(output.value);
        if (!out || isMask(out)) throw new Error('step-wise decoding: the logits were not computed');
        const last = lastPosition(out, this.plan.timeAxis.get(output.value)!);
        return record ? this.replay.finishRecording(ids, last, this.caches)! : last;
      });
      this.staticsReady = true;
      for (const [id, all] of grown) {
        this.histories.get(id)?.dispose();
        this.histories.set(id, all);
      }
      this.fed += n;
      this.rows = this.fed < this.plan.restartBelow ? tokens.map((r, i) => [...(restart ? [] : (this.rows[i] ?? [])), ...r]) : [];
      return logits;
    } catch (err) {
      tf.dispose([...grown.values()]);
      throw err;
    } finally {
      if (record) this.replay.finishRecording(undefined, undefined, this.caches); // a no-op when finished
      ids.dispose();
    }
  }

  reorder(order: readonly number[]): void {
    // Static values need no reordering: beams only move within the rows of one prompt, whose
    // static values (the encoding of the same source) are equal.
    if (order.every((o, i) => o === i)) return;
    if (this.rows.length) this.rows = order.map((i) => this.rows[i]);
    this.caches.reorder(order);
    const idx = tf.tensor1d(order as number[], 'int32');
    for (const [id, h] of this.histories) {
      this.histories.set(id, tf.gather(h, idx, 0));
      h.dispose();
    }
    idx.dispose();
  }

  dispose(): void {
    this.replay.dispose();
    this.clearHistories();
    tf.dispose([...this.statics.values()]);
    this.statics.clear();
  }

  private clearHistories(): void {
    this.caches.dispose();
    tf.dispose([...this.histories.values()]);
    this.histories.clear();
    this.fed = 0;
  }
}

/** The last `n` rows of `x` along `axis`. */
function lastRows(x: tf.Tensor, axis: number, n: number): tf.Tensor {
  const size = x.shape[axis];
  if (size === n) return x;
  const begin = x.shape.map((_, i) => (i === axis ? size - n : 0));
  const sizes = x.shape.map((s, i) => (i === axis ? n : s));
  return tf.slice(x, begin, sizes);
}

/** The logits of the last position along `axis`, as `[rows, vocab]`. */
function lastPosition(x: tf.Tensor, axis: number): tf.Tensor2D {
  const last = lastRows(x, axis, 1);
  return tf.reshape(last, [x.shape[0], x.shape[x.rank - 1]]) as tf.Tensor2D;
}
