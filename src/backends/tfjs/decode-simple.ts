/**
 * A minimal greedy decoder over `predict`: each step runs the whole model on the sequence so far
 * and appends the arg-max token of the last position. There is no key/value cache, so a step
 * costs a full forward pass (fine for tiny models and tests). The real `generate` (beam search,
 * sampling, a key/value cache) is a separate piece of work and may replace this.
 *
 * Works for decoder-only models (`prefixInput: 'ids'`, prompts as the prefix) and
 * encoder-decoder models (`prefixInput: 'tgt'`, the source among `inputs`, a start token as the
 * prefix).
 */
import * as tf from '@tensorflow/tfjs';
import type { Batch } from './data.js';

/** What greedy decoding needs from a model (a `CompiledModel` has it). */
export interface Predictor {
  readonly outputNames: string[];
  predict(inputs: Batch, options?: { outputs?: readonly string[] }): Record<string, tf.Tensor>;
}

export interface GreedyDecodeOptions {
  /** The input that grows by one token per step (`tgt` for an encoder-decoder, `ids` for a decoder-only model). */
  prefixInput: string;
  /** The starting rows (all of one length), or one start token for every row (then `batchSize` or a batched input says how many rows). */
  prefix: number[][] | number;
  /** Inputs that stay fixed across steps (e.g. `{ src }`). */
  inputs?: Batch;
  /** The logits output `[batch, seq, vocab]`; default `logits`, or the model's only output. */
  output?: string;
  /** Tokens to generate at most. */
  maxNewTokens: number;
  /** A row stops at this token (which is not included in the result). */
  endToken?: number;
  /** Rows when `prefix` is a single token and no input says. */
  batchSize?: number;
}

/** Generated tokens per row (without the prefix; cut before the end token). */
export function greedyDecode(model: Predictor, options: GreedyDecodeOptions): number[][] {
  const output = options.output ?? (model.outputNames.includes('logits') ? 'logits' : model.outputNames[0]);
  let rows: number[][];
  if (typeof options.prefix === 'number') {
    const n = options.batchSize ?? batchOf(options.inputs);
    if (n === undefined) throw new Error('greedyDecode: give `batchSize` (or prefix rows) when the prefix is a single start token');
    rows = Array.from({ length: n }, () => [options.prefix as number]);
  } else {
    rows = options.prefix.map((r) => [...r]);
    if (rows.some((r) => r.length !== rows[0].length)) throw new Error('greedyDecode: the prefix rows must all have the same length');
  }
  const start = rows[0]?.length ?? 0;
  const done = rows.map(() => false);
  for (let step = 0; step < options.maxNewTokens && done.some((d) => !d); step++) {
    const next = tf.tidy(() => {
      const out = model.predict({ ...options.inputs, [options.prefixInput]: rows }, { outputs: [output] })[output];
      const [b, t, v] = out.shape;
      return tf.argMax(tf.reshape(tf.slice(out, [0, t - 1, 0], [b, 1, v]), [b, v]), -1);
    });
    const ids = next.dataSync();
    next.dispose();
    rows.forEach((r, i) => {
      if (!done[i] && ids[i] === options.endToken) done[i] = true;
      // Finished rows keep growing (the batch stays rectangular); their tail is dropped below.
      r.push(ids[i]);
    });
  }
  return rows.map((r) => {
    const gen = r.slice(start);
    const end = options.endToken === undefined ? -1 : gen.indexOf(options.endToken);
    return end < 0 ? gen : gen.slice(0, end);
  });
}

function batchOf(inputs: Batch | undefined): number | undefined {
  for (const v of Object.values(inputs ?? {})) {
    if (v instanceof tf.Tensor && v.rank > 0) return v.shape[0];
    if (Array.isArray(v)) return v.length;
  }
  return undefined;
}
