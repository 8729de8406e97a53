/**
 * The decoding loops over a {@link Stepper}: one token per row per step (greedy or sampled), and
 * beam search. Each returns, per prompt, the new tokens (without the end token), why it stopped,
 * and the sum of the model's log-probabilities of what it produced (the end token included).
 */
import type * as tf from '@tensorflow/tfjs';
import { fusedKernel } from '../../../runtime/index.js';
import { argmax, logProbOf, logProbs, sampleToken, topIndices, type SamplingOptions } from './choose.js';
import type { Stepper } from './steppers.js';

export type FinishReason = 'end' | 'length';

export interface Decoded {
  tokens: number[];
  finished: FinishReason;
  /** Σ log p(token) under the model (temperature 1) over the new tokens and the end token. */
  score: number;
}

export interface LoopOptions {
  /** New tokens at most (per row; the caller has already capped it by the model's maximum length). */
  maxNewTokens: number;
  endToken?: number;
  /**
   * Called with each new token of a row (the end token excluded): as soon as it is chosen by
   * greedy decoding and sampling, at the end of the search for beam search.
   */
  onToken?: (token: number, row: number) => void;
}

/** Reads a `[rows, vocab]` logits tensor (and disposes it). */
async function rowsOf(logits: tf.Tensor2D): Promise<Float32Array[]> {
  const [rows, vocab] = logits.shape;
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  return Array.from({ length: rows }, (_, r) => data.subarray(r * vocab, (r + 1) * vocab));
}

/**
 * Greedy choices of a `[rows, vocab]` logits tensor computed where it is (and disposes it): each
 * row's arg-max and its log-probability, when the backend has the kernel (the native one);
 * undefined otherwise (the logits are left to the caller). Reading back two numbers per row
 * instead of the row (GPT-2: 50,257 floats) and the log-sum-exp in one native pass save about
 * half a millisecond per token, next to ~25 ms of the model's work.
 */
async function greedyOnBackend(logits: tf.Tensor2D): Promise<{ tokens: number[]; logProbs: number[] } | undefined> {
  const picked = fusedKernel('TfmcGreedyPick', { logits });
  if (!picked) return undefined;
  logits.dispose();
  const data = (await picked.data()) as Float32Array;
  picked.dispose();
  const rows = data.length / 2;
  return { tokens: Array.from({ length: rows }, (_, r) => data[2 * r]), logProbs: Array.from({ length: rows }, (_, r) => data[2 * r + 1]) };
}

/**
 * Greedy decoding (`sampling` undefined) or sampling. Every row is fed the prompt (all prompts
 * have one length), then its own choice; a finished row keeps being fed (the batch stays
 * rectangular) but its choices are ignored.
 */
export async function decodeStepwise(
  stepper: Stepper,
  prompts: readonly (readonly number[])[],
  options: LoopOptions & { sampling?: SamplingOptions; random?: () => number },
): Promise<Decoded[]> {
  const out: Decoded[] = prompts.map(() => ({ tokens: [], finished: 'length', score: 0 }));
  const done = prompts.map(() => false);
  let feed: number[][] = prompts.map((p) => [...p]);
  for (let step = 0; step < options.maxNewTokens; step++) {
    const logits = stepper.next(feed);
    const picks = options.sampling ? undefined : await greedyOnBackend(logits);
    const rows = picks ? [] : await rowsOf(logits);
    feed = prompts.map((_, r) => {
      if (done[r]) return [options.endToken ?? 0];
      const token = picks ? picks.tokens[r] : options.sampling ? sampleToken(rows[r], options.sampling, options.random!) : argmax(rows[r]);
      out[r].score += picks ? picks.logProbs[r] : logProbOf(rows[r], token);
      if (token === options.endToken) {
        done[r] = true;
        out[r].finished = 'end';
      } else {
        out[r].tokens.push(token);
        options.onToken?.(token, r);
      }
      return [token];
    });
    if (done.every(Boolean)) break;
  }
  return out;
}

export interface BeamOptions extends LoopOptions {
  numBeams: number;
  /** Hypotheses are ranked by score / length^lengthPenalty (length: new tokens, end included). */
  lengthPenalty: number;
}

interface Hypothesis {
  tokens: number[];
  score: number;
  finished: FinishReason;
}

/**
 * Beam search: each prompt keeps `numBeams` rows (its prompt repeated), and at every step the
 * best `numBeams` continuations among beams × vocabulary survive. A continuation that ends with
 * the end token leaves the beam as a finished hypothesis. A prompt is done when it has
 * `numBeams` finished hypotheses and the best live beam, normalised at its current length, does
 * not beat the worst of them. With `lengthPenalty` 0 that test is exact (log-probabilities only
 * fall as tokens are added); otherwise it is the usual heuristic. At the length limit the live
 * beams join the finished ones.
 *
 * The stepper must hold `prompts.length × numBeams` rows, prompt-major.
 */
export async function beamSearch(stepper: Stepper, prompts: readonly (readonly number[])[], options: BeamOptions): Promise<Decoded[]> {
  const K = options.numBeams;
  const norm = (score: number, length: number) => score / Math.pow(Math.max(length, 1), options.lengthPenalty);
  const beams: Hypothesis[][] = prompts.map(() => Array.from({ length: K }, () => ({ tokens: [], score: 0, finished: 'length' as FinishReason })));
  const finished: Hypothesis[][] = prompts.map(() => []);
  const done = prompts.map(() => false);
  let feed: number[][] = prompts.flatMap((p) => Array.from({ length: K }, () => [...p]));

  for (let step = 0; step < options.maxNewTokens; step++) {
    const rows = await rowsOf(stepper.next(feed));
    const order: number[] = [];
    const nextFeed: number[][] = [];
    for (let p = 0; p < prompts.length; p++) {
      if (done[p]) {
        for (let k = 0; k < K; k++) {
          order.push(p * K + k);
          nextFeed.push([options.endToken ?? 0]);
        }
        continue;
      }
      // At the first step the beams are copies of the prompt: expand only the first.
      const live = step === 0 ? 1 : K;
      const candidates: Array<{ beam: number; token: number; score: number }> = [];
      for (let k = 0; k < live; k++) {
        const lp = logProbs(rows[p * K + k]);
        // The best 2K tokens of each beam are enough: at most K of them can end.
        for (const token of topIndices(lp, 2 * K)) candidates.push({ beam: k, token, score: beams[p][k].score + lp[token] });
      }
      candidates.sort((a, b) => b.score - a.score || a.beam - b.beam || a.token - b.token);
      const next: Hypothesis[] = [];
      const rowOf: number[] = [];
      for (let rank = 0; rank < candidates.length && next.length < K; rank++) {
        const c = candidates[rank];
        const parent = beams[p][c.beam];
        if (c.token === options.endToken) {
          // Only an end among the best K counts (a lower one would displace a live beam's better score).
          if (rank < K) finished[p].push({ tokens: [...parent.tokens], score: c.score, finished: 'end' });
          continue;
        }
        next.push({ tokens: [...parent.tokens, c.token], score: c.score, finished: 'length' });
        rowOf.push(p * K + c.beam);
      }
      if (next.length === 0) {
        // Every continuation ended: nothing is left to extend.
        done[p] = true;
        for (let k = 0; k < K; k++) {
          order.push(p * K);
          nextFeed.push([options.endToken ?? 0]);
        }
        continue;
      }
      // Fewer continuations than beams (a tiny vocabulary): dead copies keep the rows rectangular.
      while (next.length < K) {
        next.push({ tokens: [...next[0].tokens], score: -Infinity, finished: 'length' });
        rowOf.push(rowOf[0]);
      }
      next.forEach((h, k) => {
        order.push(rowOf[k]);
        nextFeed.push([h.tokens[h.tokens.length - 1]]);
      });
      beams[p] = next;
      const fin = finished[p];
      if (step === options.maxNewTokens - 1) {
        fin.push(...next.filter((h) => h.score > -Infinity));
        done[p] = true;
      } else if (fin.length >= K) {
        const worst = Math.min(...fin.map((h) => norm(h.score, h.tokens.length + 1)));
        const bestLive = Math.max(...next.map((h) => norm(h.score, h.tokens.length)));
        if (worst >= bestLive) done[p] = true;
      }
    }
    if (done.every(Boolean)) break;
    stepper.reorder(order);
    feed = nextFeed;
  }
  const results = finished.map((fin, p) => {
    const pool = fin.length ? fin : beams[p];
    let best = pool[0];
    for (const h of pool) {
      const len = (x: Hypothesis) => x.tokens.length + (x.finished === 'end' ? 1 : 0);
      if (norm(h.score, len(h)) > norm(best.score, len(best))) best = h;
    }
    return { tokens: best.tokens, finished: best.finished, score: best.score };
  });
  // The best hypothesis is known only now: its tokens are reported at the end, row by row.
  if (options.onToken) results.forEach((d, p) => d.tokens.forEach((t) => options.onToken!(t, p)));
  return results;
}
