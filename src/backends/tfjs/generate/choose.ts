/**
 * Choosing the next token from one row of logits: log-probabilities, the arg-max, and sampling
 * with temperature, top-k and top-p (nucleus, Holtzman et al. 2020) filtering. Plain arrays on
 * the CPU: one row per sequence per step is small next to the model's work.
 */

/** log Σ exp(logits), in double precision. */
function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return max + Math.log(sum);
}

/** Natural-log probabilities of a row of logits (computed in double precision). */
export function logProbs(logits: ArrayLike<number>): Float64Array {
  const lse = logSumExp(logits);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

/** The log-probability of one token, `logProbs(logits)[token]` without the whole row (a decode step needs one). */
export function logProbOf(logits: ArrayLike<number>, token: number): number {
  return logits[token] - logSumExp(logits);
}

/** The index of the largest value (the first one on ties, like `tf.argMax`). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

export interface SamplingOptions {
  /** Divides the logits: < 1 sharpens, > 1 flattens; 0 always takes the most likely token (greedy). */
  temperature: number;
  /** Keep only the k most likely tokens (0 or undefined: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined: all). */
  topP?: number;
}

/**
 * The tokens that sampling may choose and their renormalised probabilities, most likely first
 * (ties in index order, so the result is deterministic).
 */
export function samplingDistribution(logits: ArrayLike<number>, options: SamplingOptions): { tokens: number[]; probs: number[] } {
  // Temperature 0 is the limit of ever sharper distributions: all the mass on the arg-max.
  if (options.temperature === 0) return { tokens: [argmax(logits)], probs: [1] };
  const scaled = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) scaled[i] = logits[i] / options.temperature;
  const k = options.topK && options.topK > 0 ? Math.min(options.topK, scaled.length) : scaled.length;
  const kept = topIndices(scaled, k);
  const max = scaled[kept[0]];
  let probs = kept.map((i) => Math.exp(scaled[i] - max));
  let total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);
  if (options.topP !== undefined && options.topP < 1) {
    let cum = 0;
    let n = 0;
    while (n < probs.length && cum < options.topP) cum += probs[n++];
    kept.length = Math.max(n, 1);
    probs = probs.slice(0, kept.length);
    total = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / total);
  }
  return { tokens: kept, probs };
}

/** Draws a token from the filtered distribution with `random()` uniform in [0, 1). */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: () => number): number {
  if (options.temperature === 0) return argmax(logits);
  const filtered = (options.topK !== undefined && options.topK > 0 && options.topK < logits.length) || (options.topP !== undefined && options.topP < 1);
  if (!filtered) {
    // No filter: no need to sort a large vocabulary, walk it in index order.
    let max = -Infinity;
    for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / options.temperature);
    const weights = new Float64Array(logits.length);
    let total = 0;
    for (let i = 0; i < logits.length; i++) total += weights[i] = Math.exp(logits[i] / options.temperature - max);
    const u = random() * total;
    let cum = 0;
    for (let i = 0; i < weights.length; i++) {
      cum += weights[i];
      if (u < cum) return i;
    }
    return logits.length - 1;
  }
  const { tokens, probs } = samplingDistribution(logits, options);
  const u = random();
  let cum = 0;
  for (let i = 0; i < tokens.length; i++) {
    cum += probs[i];
    if (u < cum) return tokens[i];
  }
  return tokens[tokens.length - 1];
}

/** Indices of the `n` largest values, largest first (ties in index order). */
export function topIndices(values: Float64Array, n: number): number[] {
  // Insertion into a short sorted list beats sorting everything only while the list is short.
  if (n >= values.length || n > 64) return [...values.keys()].sort((a, b) => values[b] - values[a] || a - b).slice(0, n);
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (top.length < n) {
      top.push(i);
      if (top.length === n) top.sort((a, b) => values[b] - values[a] || a - b);
    } else if (values[i] > values[top[n - 1]]) {
      let j = n - 1;
      while (j > 0 && values[i] > values[top[j - 1]]) j--;
      top.splice(j, 0, i);
      top.pop();
    }
  }
  return top.length < n ? top.sort((a, b) => values[b] - values[a] || a - b) : top;
}
