// `node bench/decode-vs-ort.js` (after `npm run build` and one `node bench/peers.js`, which writes
// the model files): cached greedy generation of GPT-2 small in tfmc `native` and in onnxruntime's
// key/value graphs (`ort-kv` of bench/peers.js) in ONE process, alternating round by round. On a
// shared machine the load changes from minute to minute; both engines here see the same load, so
// the per-round ratio means something even when the tokens/s do not. Threads: TFMC_NATIVE_THREADS
// (and OPENBLAS_NUM_THREADS) for tfmc, the same count for onnxruntime's intra-op pool.
//   node bench/decode-vs-ort.js [--threads 2] [--tokens 16] [--rounds 6] [--spin 0,200] [--dir DIR] [--tiny] [--json]
// `--spin a,b` runs tfmc once per value of the pool's polling time (TFMC_NATIVE_SPIN_US) each round
// (default: the addon's own setting, 100 µs unless TFMC_NATIVE_SPIN_US says otherwise);
// `--tiny` uses GPT-2's tiny config (the files of `node bench/peers.js --tiny`; for the test).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const threads = Number(value('--threads', process.env.TFMC_NATIVE_THREADS ?? 2));
const tokens = Number(value('--tokens', 16));
const rounds = Number(value('--rounds', 6));
const spins = argv.includes('--spin') ? value('--spin', '0').split(',').map(Number) : undefined;
const tiny = argv.includes('--tiny');
const json = argv.includes('--json');
const dir = value('--dir', join(tmpdir(), `tfmc-peers-${tiny ? 'tiny' : 'small'}`));
if (process.env.TFMC_NATIVE_THREADS !== String(threads)) {
  // The pool and the BLAS read their thread counts at load: rerun with them set.
  const { spawnSync } = await import('node:child_process');
  const env = { ...process.env, TFMC_NATIVE_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  process.exit(spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...argv], { env, stdio: 'inherit' }).status ?? 1);
}
if (!existsSync(join(dir, 'onnx-kv/decode.onnx'))) {
  console.error(`decode-vs-ort: no ${join(dir, 'onnx-kv/decode.onnx')}: run \`node bench/peers.js${tiny ? ' --tiny' : ''} --engines tfmc-native,ort-kv\` once first (it needs PyTorch to export the graphs)`);
  process.exit(2);
}

const { compile } = await import(join(root, 'dist/index.js'));
const { loadAddon } = await import(join(root, 'dist/backends/tfjs/native/addon.js'));
const ort = createRequire(join(root, 'package.json'))('onnxruntime-node');
const vocab = tiny ? 100 : 50257;
const prompt = [464, 3290, 318, 257, 1332, 286, 262, 1080].map((t) => t % vocab); // bench/peers.js's prompt

const model = await compile(join(root, 'specs/gpt2.tfm'), { model: tiny ? 'Gpt2Tiny' : 'Gpt2Small', backend: 'native', weights: join(dir, 'model.safetensors') });
const tfmc = async (n) => (await model.generate({ prompt: [prompt] }, { maxNewTokens: n })).newTokens[0];

const options = { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential' };
const prefill = await ort.InferenceSession.create(join(dir, 'onnx-kv/prefill.onnx'), options);
const decode = await ort.InferenceSession.create(join(dir, 'onnx-kv/decode.onnx'), options);
const ids64 = (rows) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0].length]);
const lastArgmax = ({ dims: [, t, v], data }) => {
  let best = (t - 1) * v;
  for (let i = best; i < t * v; i++) if (data[i] > data[best]) best = i;
  return best - (t - 1) * v;
};
async function ortKv(n) {
  let step = await prefill.run({ ids: ids64([prompt]) });
  const fresh = [];
  for (let i = 0; i < n; i++) {
    fresh.push(lastArgmax(step.logits));
    if (i + 1 < n) step = await decode.run({ ids: ids64([[fresh[i]]]), past_keys: step.keys, past_values: step.values });
  }
  return fresh;
}

const addon = loadAddon();
const engines = [
  ...(spins ?? [addon.poolSpin()]).map((s) => [`tfmc-native spin ${s}`, () => (addon.setPoolSpin(s), tfmc(tokens))]),
  ['ort-kv', () => ortKv(tokens)],
];
await tfmc(2);
await ortKv(2);
const rates = new Map(engines.map(([name]) => [name, []]));
const outputs = new Map();
const loads = [loadavg()[0]];
for (let r = 0; r < rounds; r++) {
  for (const [name, run] of engines) {
    const t0 = performance.now();
    outputs.set(name, (await run()).join());
    rates.get(name).push((tokens * 1000) / (performance.now() - t0));
  }
  loads.push(loadavg()[0]);
}
addon.setPoolSpin(0);
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const ort1 = rates.get('ort-kv');
const rows = [...rates].map(([engine, xs]) => ({
  engine,
  tokens_per_s: xs,
  median_tokens_per_s: median(xs),
  ...(engine === 'ort-kv' ? {} : { ratio_per_round: xs.map((x, i) => x / ort1[i]), median_ratio: median(xs.map((x, i) => x / ort1[i])) }),
}));
const sameTokens = new Set(outputs.values()).size === 1;
if (json) {
  console.log(JSON.stringify({ name: 'decode-vs-ort', model: tiny ? 'Gpt2Tiny' : 'Gpt2Small', threads, new_tokens: tokens, rounds, load: [Math.min(...loads), Math.max(...loads)], results: rows, same_tokens: sameTokens }));
} else {
  console.log(`GPT-2 ${tiny ? 'tiny' : 'small'}, ${threads} thread(s), prompt 8 + ${tokens} greedy tokens, ${rounds} alternating rounds in one process; load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`);
  for (const r of rows) {
    const ratio = r.ratio_per_round ? `  vs ort-kv per round ${r.ratio_per_round.map((x) => x.toFixed(2)).join(' ')}, median ${r.median_ratio.toFixed(2)}×` : '';
    console.log(`  ${r.engine.padEnd(20)} ${r.tokens_per_s.map((x) => x.toFixed(1)).join(' ')} tok/s, median ${r.median_tokens_per_s.toFixed(1)}${ratio}`);
  }
  console.log(`  tokens ${sameTokens ? 'the same in every engine' : 'DIFFER'}`);
}
