// Train the tiny encoder-decoder of examples/reverse.tfm to reverse digit sequences, then measure
// exact match on held-out sequences with greedy decoding. Run after `npm run build`:
//
//   node examples/train-reverse.mjs                     # the full run (see docs/api.md for its figures)
//   node examples/train-reverse.mjs --steps 450         # the shorter run the test suite uses
//   node examples/train-reverse.mjs --save ckpt/rev     # also save a checkpoint, reload it, re-measure
//
// Options: --steps N (default 1200), --batch N (32), --min-len N (3), --max-len N (8),
// --held-out N (1000), --seed N (1), --backend node|wasm|cpu (default: the fastest available),
// --json (print one JSON line of results instead of the progress report).
import { compile, loadModel } from '../dist/index.js';
import { rng } from '../dist/backends/tfjs/index.js';
import { parseArgs } from './cli-args.mjs';

const PAD = 0;
const START = 1;
const END = 2;
const DIGIT = 3; // token of digit 0

const opts = parseArgs(process.argv.slice(2), {
  steps: 1200,
  batch: 32,
  'min-len': 3,
  'max-len': 8,
  'held-out': 1000,
  seed: 1,
  backend: undefined,
  save: undefined,
  json: false,
});
const log = opts.json ? () => {} : (...a) => console.log(...a);

const model = await compile(new URL('./reverse.tfm', import.meta.url).pathname, { backend: opts.backend, seed: opts.seed });
log(`${model.name}: ${model.parameterCount.toLocaleString('en')} parameters on the ${model.backend} backend`);

// Data: random digit strings; the held-out set is drawn first and never used for training.
const random = rng(opts.seed * 7919 + 1);
const sample = () => {
  const len = opts['min-len'] + Math.floor(random() * (opts['max-len'] - opts['min-len'] + 1));
  return Array.from({ length: len }, () => Math.floor(random() * 10));
};
const heldOut = [];
const heldOutKeys = new Set();
while (heldOut.length < opts['held-out']) {
  const s = sample();
  if (!heldOutKeys.has(s.join(''))) {
    heldOutKeys.add(s.join(''));
    heldOut.push(s);
  }
}
const padRows = (rows) => {
  const n = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...new Array(n - r.length).fill(PAD)]);
};
const trainingBatch = () => {
  const src = [];
  while (src.length < opts.batch) {
    const s = sample();
    if (!heldOutKeys.has(s.join(''))) src.push(s.map((d) => d + DIGIT));
  }
  const rev = src.map((s) => [...s].reverse());
  return { src: padRows(src), tgt: padRows(rev.map((r) => [START, ...r])), labels: padRows(rev.map((r) => [...r, END])) };
};

/** Greedy decoding (with the key/value cache) of every held-out sequence; the fraction reversed exactly (END included). */
async function exactMatch(m) {
  let right = 0;
  for (let i = 0; i < heldOut.length; i += 250) {
    const chunk = heldOut.slice(i, i + 250);
    const { newTokens, finished } = await m.generate(
      { source: { src: padRows(chunk.map((s) => s.map((d) => d + DIGIT))) } },
      { startToken: START, endToken: END, maxNewTokens: opts['max-len'] + 1 },
    );
    newTokens.forEach((tokens, j) => {
      const want = [...chunk[j]].reverse().map((d) => d + DIGIT);
      // Exact: the same digits, then END (a row that never ends is wrong).
      if (finished[j] === 'end' && tokens.length === want.length && tokens.every((t, k) => t === want[k])) right++;
    });
  }
  return right / heldOut.length;
}

const EPOCH = 50; // steps per "epoch" of fresh random batches
const t0 = performance.now();
const history = await model.fit(() => Array.from({ length: EPOCH }, trainingBatch), {
  epochs: Math.ceil(opts.steps / EPOCH),
  maxSteps: opts.steps,
  // The paper's schedule: linear warm-up for 100 steps to 0.2 · (32 · 100)^-0.5 ≈ 3.5e-3, then 1/sqrt(step).
  learningRate: { kind: 'transformer', warmup: 100, scale: 0.2 },
  clipNorm: 1,
  onEpoch: (e) => log(`step ${String(model.step).padStart(5)}  loss ${e.loss.toFixed(4)}  lr ${e.learningRate.toExponential(2)}  ${((performance.now() - t0) / 1000).toFixed(0)} s`),
});
const trainSeconds = (performance.now() - t0) / 1000;
const d0 = performance.now();
const exact = await exactMatch(model);
const decodeSeconds = (performance.now() - d0) / 1000;
const result = {
  task: 'reverse',
  backend: model.backend,
  parameters: model.parameterCount,
  steps: model.step,
  batch: opts.batch,
  lengths: [opts['min-len'], opts['max-len']],
  finalLoss: history.epochs.at(-1)?.loss,
  heldOut: heldOut.length,
  exactMatch: exact,
  trainSeconds: Number(trainSeconds.toFixed(1)),
  decodeSeconds: Number(decodeSeconds.toFixed(1)),
};
log(`exact match on ${heldOut.length} held-out sequences: ${(100 * exact).toFixed(1)}% (training ${trainSeconds.toFixed(0)} s, decoding ${decodeSeconds.toFixed(1)} s)`);

if (opts.save) {
  await model.save(opts.save);
  const back = await loadModel(opts.save);
  result.reloadedExactMatch = await exactMatch(back);
  log(`saved to ${opts.save}; reloaded: exact match ${(100 * result.reloadedExactMatch).toFixed(1)}%`);
  back.dispose();
}
if (opts.json) console.log(JSON.stringify(result));
model.dispose();
