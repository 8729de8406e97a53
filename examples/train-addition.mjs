// Train the tiny GPT-style decoder of examples/addition.tfm to add numbers, then measure exact
// match on held-out sums with greedy decoding. Run after `npm run build`:
//
//   node examples/train-addition.mjs                                  # 2-digit sums (the test suite's run)
//   node examples/train-addition.mjs --digits 3 --d-model 64 --batch 64 --steps 1500 --lr-scale 0.5
//
// A sequence is `a + b = s <end>`: a and b with a fixed number of digits (leading zeros), the sum
// written least-significant digit first with one digit more. Only the answer is trained on.
// Options: --digits N (2), --steps N (800), --batch N (32), --d-model N (the spec's 32),
// --warmup N (100), --lr-scale X (0.4), --held-out N (500), --seed N (1), --backend node|wasm|cpu, --json.
import { compile } from '../dist/index.js';
import { rng } from '../dist/backends/tfjs/index.js';
import { parseArgs } from './cli-args.mjs';

const END = 1;
const PLUS = 2;
const EQUALS = 3;
const DIGIT = 4; // token of digit 0

const opts = parseArgs(process.argv.slice(2), {
  digits: 2,
  steps: 800,
  batch: 32,
  'd-model': undefined,
  warmup: 100,
  'lr-scale': 0.4,
  'held-out': 500,
  seed: 1,
  backend: undefined,
  json: false,
}, ['d-model']);
const log = opts.json ? () => {} : (...a) => console.log(...a);
const overrides = opts['d-model'] ? { d_model: Number(opts['d-model']) } : {};

const model = await compile(new URL('./addition.tfm', import.meta.url).pathname, { backend: opts.backend, seed: opts.seed, overrides });
log(`${model.name}: ${model.parameterCount.toLocaleString('en')} parameters on the ${model.backend} backend`);

const N = opts.digits;
const LIMIT = 10 ** N;
const digitsOf = (x, n) => Array.from({ length: n }, (_, i) => Math.floor(x / 10 ** (n - 1 - i)) % 10);
const prompt = (a, b) => [...digitsOf(a, N).map((d) => d + DIGIT), PLUS, ...digitsOf(b, N).map((d) => d + DIGIT), EQUALS];
const answer = (a, b) => digitsOf(a + b, N + 1).reverse().map((d) => d + DIGIT);

// Held-out pairs are drawn first and never trained on.
const random = rng(opts.seed * 104729 + 3);
const pair = () => [Math.floor(random() * LIMIT), Math.floor(random() * LIMIT)];
const heldOut = [];
const heldOutKeys = new Set();
if (opts['held-out'] > LIMIT * LIMIT / 2) throw new Error(`--held-out ${opts['held-out']} leaves too few pairs to train on`);
while (heldOut.length < opts['held-out']) {
  const [a, b] = pair();
  if (!heldOutKeys.has(a * LIMIT + b)) {
    heldOutKeys.add(a * LIMIT + b);
    heldOut.push([a, b]);
  }
}
const trainingBatch = () => {
  const ids = [];
  const labels = [];
  while (ids.length < opts.batch) {
    const [a, b] = pair();
    if (heldOutKeys.has(a * LIMIT + b)) continue;
    const p = prompt(a, b);
    const seq = [...p, ...answer(a, b), END];
    // labels[t] = the token at t + 1 where that token is part of the answer (or END); 0 = ignored.
    ids.push(seq);
    labels.push(seq.map((_, t) => (t >= p.length - 1 && t < seq.length - 1 ? seq[t + 1] : 0)));
  }
  return { ids, labels };
};

/** Greedy decoding (with the key/value cache) of every held-out sum; the fraction exactly right, END included. */
async function exactMatch(m) {
  let right = 0;
  for (let i = 0; i < heldOut.length; i += 250) {
    const chunk = heldOut.slice(i, i + 250);
    const { newTokens, finished } = await m.generate({ prompt: chunk.map(([a, b]) => prompt(a, b)) }, { maxNewTokens: N + 2, endToken: END });
    newTokens.forEach((tokens, j) => {
      const want = answer(...chunk[j]);
      if (finished[j] === 'end' && tokens.length === want.length && tokens.every((t, k) => t === want[k])) right++;
    });
  }
  return right / heldOut.length;
}

const EPOCH = 100;
const t0 = performance.now();
const history = await model.fit(() => Array.from({ length: EPOCH }, trainingBatch), {
  epochs: Math.ceil(opts.steps / EPOCH),
  maxSteps: opts.steps,
  // Warm-up for 100 steps to 0.4 · (d_model · 100)^-0.5 (7.1e-3 at d_model 32), then 1/sqrt(step).
  learningRate: { kind: 'transformer', warmup: opts.warmup, scale: opts['lr-scale'] },
  clipNorm: 1,
  onEpoch: (e) => log(`step ${String(model.step).padStart(5)}  loss ${e.loss.toFixed(4)}  lr ${e.learningRate.toExponential(2)}  ${((performance.now() - t0) / 1000).toFixed(0)} s`),
});
const trainSeconds = (performance.now() - t0) / 1000;
const d0 = performance.now();
const exact = await exactMatch(model);
const decodeSeconds = (performance.now() - d0) / 1000;
log(`exact match on ${heldOut.length} held-out ${N}-digit sums: ${(100 * exact).toFixed(1)}% (training ${trainSeconds.toFixed(0)} s, decoding ${decodeSeconds.toFixed(1)} s)`);
if (opts.json) {
  console.log(
    JSON.stringify({
      task: 'addition',
      digits: N,
      backend: model.backend,
      parameters: model.parameterCount,
      steps: model.step,
      batch: opts.batch,
      finalLoss: history.epochs.at(-1)?.loss,
      heldOut: heldOut.length,
      exactMatch: exact,
      trainSeconds: Number(trainSeconds.toFixed(1)),
      decodeSeconds: Number(decodeSeconds.toFixed(1)),
    }),
  );
}
model.dispose();
