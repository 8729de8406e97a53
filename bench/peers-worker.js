// One engine of `npm run bench:peers` in its own process (bench/peers.js starts it with the thread
// settings in its environment): loads the model from the files on disk, prints `first-token` as
// soon as the prompt's next token is known (the parent times process start → that line), then
// times the forward pass and greedy generation and prints one JSON line of results.
// The forward pass is timed from the ids to the logits in the engine's own tensor (a tfjs tensor,
// an onnxruntime tensor), as bench/peers_torch.py times PyTorch's: the sample compared across
// engines is read afterwards, so no engine pays for copying 8 × 128 × 50,257 logits into JS arrays.
//   node bench/peers-worker.js '{"engine":"tfmc-native"|"tfmc-wasm"|"ort"|"ort-kv", ...}'
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const job = JSON.parse(process.argv[2]);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The same ids in every engine (bench/peers_torch.py has the same generator): MINSTD, exact in doubles. */
export function batchIds({ batch, seq, vocab }) {
  let s = 12345;
  return Array.from({ length: batch }, () => Array.from({ length: seq }, () => ((s = (s * 48271) % 2147483647), s % vocab)));
}

const argmax = (row) => row.reduce((best, v, i) => (v > row[best] ? i : best), 0);
const first = () => process.stdout.write('first-token\n');

async function tfmcEngine(backend) {
  const { compile } = await import(join(root, 'dist/index.js'));
  const model = await compile(job.spec, { model: job.model, backend, weights: join(job.dir, 'model.safetensors') });
  await model.generate({ prompt: [job.prompt] }, { maxNewTokens: 1 });
  first();
  return {
    forward: (ids) => model.predict({ ids }).logits,
    sample: (logits) => {
      const [b, t] = logits.shape;
      const last = logits.slice([0, t - 1, 0], [b, 1, job.sample]);
      const sample = last.reshape([b, job.sample]).arraySync();
      for (const x of [logits, last]) x.dispose();
      return sample;
    },
    generate: async () => (await model.generate({ prompt: [job.prompt] }, { maxNewTokens: job.tokens })).newTokens[0],
    cache: true,
  };
}

async function ortEngine() {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(job.dir, 'onnx/model.onnx'), { intraOpNumThreads: job.threads, interOpNumThreads: 1, executionMode: 'sequential' });
  const run = async (ids) => {
    const flat = Int32Array.from(ids.flat());
    return (await session.run({ ids: new ort.Tensor('int32', flat, [ids.length, ids[0].length]) })).logits;
  };
  const lastArgmax = (logits) => lastArgmaxOf(logits);
  lastArgmax(await run([job.prompt]));
  first();
  return {
    forward: run,
    sample: lastSample,
    // The exported graph has no key/value cache: each new token runs the whole sequence.
    generate: async () => {
      const seq = [...job.prompt];
      const fresh = [];
      for (let i = 0; i < job.tokens; i++) {
        const t = lastArgmax(await run([seq]));
        seq.push(t);
        fresh.push(t);
      }
      return fresh;
    },
    cache: false,
  };
}

/** The first `job.sample` logits of each row's last position, from an ORT [b, t, v] output tensor. */
function lastSample(logits) {
  const [b, t, v] = logits.dims;
  return Array.from({ length: b }, (_, i) => Array.from(logits.data.subarray((i * t + t - 1) * v, (i * t + t - 1) * v + job.sample)));
}

/** The last position's argmax of row 0 of an ORT logits tensor, without copying it out. */
function lastArgmaxOf(logits) {
  const [, t, v] = logits.dims;
  return argmax(logits.data.subarray((t - 1) * v, t * v));
}

/**
 * onnxruntime with a key/value cache: the prefill and one-token decode graphs bench/peers_gpt2_kv.py
 * exported from its PyTorch GPT-2 (same weights). The cache a step returns is the next step's past.
 */
async function ortKvEngine() {
  const ort = await import('onnxruntime-node');
  const options = { intraOpNumThreads: job.threads, interOpNumThreads: 1, executionMode: 'sequential' };
  const prefill = await ort.InferenceSession.create(join(job.dir, 'onnx-kv/prefill.onnx'), options);
  const decode = await ort.InferenceSession.create(join(job.dir, 'onnx-kv/decode.onnx'), options);
  const ids64 = (rows) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
  const generate = async (tokens) => {
    let step = await prefill.run({ ids: ids64([job.prompt]) });
    const fresh = [];
    for (let i = 0; i < tokens; i++) {
      fresh.push(lastArgmaxOf(step.logits));
      if (i + 1 < tokens) step = await decode.run({ ids: ids64([[fresh[i]]]), past_keys: step.keys, past_values: step.values });
    }
    return fresh;
  };
  await generate(1); // the prompt's next token (like tfmc's warm-up, the decode graph's first run is timed)
  first();
  return { forward: async (ids) => (await prefill.run({ ids: ids64(ids) })).logits, sample: lastSample, generate: () => generate(job.tokens), cache: true };
}

const engines = { ort: ortEngine, 'ort-kv': ortKvEngine, 'tfmc-native': () => tfmcEngine('native'), 'tfmc-wasm': () => tfmcEngine('wasm') };
const engine = await engines[job.engine]();
const ids = batchIds(job);
engine.sample(await engine.forward(ids)); // warm-up
const forwardMs = [];
let sample;
for (let i = 0; i < job.reps; i++) {
  const t = performance.now();
  const logits = await engine.forward(ids);
  forwardMs.push(performance.now() - t);
  sample = engine.sample(logits);
}
const t = performance.now();
const tokens = await engine.generate();
const generateMs = performance.now() - t;
// `sample`: the last position's first logits of each row, enough to compare engines.
process.stdout.write(JSON.stringify({ forwardMs: Math.min(...forwardMs), generateMs, tokens, sample, cache: engine.cache }) + '\n');
process.exit(0);
