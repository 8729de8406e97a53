// `npm run bench:peers`: GPT-2 small in tfmc (native and wasm backends), onnxruntime-node and
// PyTorch eager, from the same weights on disk, at equal thread counts, in interleaved rounds.
// ORT and PyTorch each run twice: `ort` (tfmc's ONNX graph) and `torch` (the generated module)
// have no key/value cache, so their generation recomputes the whole sequence per token; `ort-kv`
// and `torch-kv` are GPT-2 with a cache (bench/peers_gpt2_kv.py, and its exported prefill and
// decode graphs), the like-for-like peers of tfmc's cached generation.
// Per engine and thread count: the cold start (process start → the prompt's first new token
// known, from model.safetensors / model.onnx), the forward pass (batch × seq tokens), and greedy
// generation of `tokens` new tokens. Outputs are checked to agree (logits within 1e-4, the same
// greedy tokens) so the comparison is honest. Docs: docs/performance.md ("Cold start and peers").
//   node bench/peers.js [--tiny] [--json] [--threads 1,2] [--rounds 2] [--engines tfmc-native,ort-kv,...]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';
const ENGINES = ['tfmc-native', 'tfmc-wasm', 'ort', 'ort-kv', 'torch', 'torch-kv'];
/** Engines that need PyTorch: it runs them, or exports their graphs. */
const NEEDS_TORCH = new Set(['ort-kv', 'torch', 'torch-kv']);
/** The bar for tfmc-native: this fraction of each cached peer's speed, forward and generation. */
const BAR = { 'ort-kv': 0.8, 'torch-kv': 1 };

function parseArgs(argv) {
  const flag = (name) => argv.includes(name);
  const value = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  const tiny = flag('--tiny');
  return {
    tiny,
    json: flag('--json'),
    threads: value('--threads', '1,2').split(',').map(Number),
    rounds: Number(value('--rounds', 1)),
    engines: value('--engines', ENGINES.join(',')).split(','),
    model: tiny ? 'Gpt2Tiny' : 'Gpt2Small',
    // The default run stays within minutes on a loaded 2-core machine: the no-cache peers
    // recompute the whole sequence for each new token.
    batch: Number(value('--batch', tiny ? 2 : 1)),
    seq: Number(value('--seq', tiny ? 16 : 128)),
    tokens: Number(value('--tokens', tiny ? 8 : 32)),
    reps: Number(value('--reps', 1)),
    dir: value('--dir', join(tmpdir(), `tfmc-peers-${tiny ? 'tiny' : 'small'}`)),
  };
}

const CONFIGS = {
  Gpt2Small: { vocab: 50257, d: 768, layers: 12 },
  Gpt2Tiny: { vocab: 100, d: 32, layers: 2 },
};

/** Matmul FLOPs of a forward pass (projections, MLP, attention scores and sums, the tied head). */
function forwardFlops({ vocab, d, layers }, batch, seq) {
  const perTokenMacs = layers * (12 * d * d + 2 * seq * d) + d * vocab;
  return 2 * perTokenMacs * batch * seq;
}

/**
 * fp32 peak of `threads` cores at the clock /proc/cpuinfo reports: two FMA pipes, 16 lanes wide
 * with AVX-512 (64 FLOP a cycle), 8 with AVX2 (32). 0 when the clock is unknown.
 */
function peakGflops(threads) {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux
  }
  const mhz = Number(/cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1] ?? cpus()[0]?.speed ?? 0);
  const perCycle = /\bavx512f\b/.test(info) ? 64 : 32;
  return (threads * perCycle * mhz) / 1000;
}

/**
 * The model's files: safetensors (tfmc, PyTorch), ONNX (onnxruntime), the PyTorch module, all from
 * `--seed 1`, and with PyTorch the key/value graphs exported from bench/peers_gpt2_kv.py (which
 * first checks its logits against the generated module's).
 */
function prepare(o, log, withTorch) {
  const spec = join(root, 'specs/gpt2.tfm');
  mkdirSync(o.dir, { recursive: true });
  const tfmc = (...args) => execFileSync(process.execPath, [join(root, 'bin/tfmc.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (!existsSync(join(o.dir, 'model.safetensors'))) {
    log(`peers: writing ${o.model}'s weights to ${o.dir}`);
    tfmc('weights', 'export', spec, '--model', o.model, '--seed', '1', '-o', join(o.dir, 'model.safetensors'));
  }
  if (!existsSync(join(o.dir, 'onnx/model.onnx'))) tfmc('compile', spec, '--model', o.model, '--target', 'onnx', '--seed', '1', '-o', join(o.dir, 'onnx'), '--force');
  if (!existsSync(join(o.dir, 'pytorch/model.py'))) tfmc('compile', spec, '--model', o.model, '--target', 'pytorch', '-o', join(o.dir, 'pytorch'), '--force');
  if (withTorch && o.engines.some((e) => e.endsWith('-kv')) && !existsSync(join(o.dir, 'onnx-kv/decode.onnx'))) {
    log(`peers: exporting the key/value graphs to ${join(o.dir, 'onnx-kv')}`);
    execFileSync(PYTHON, [join(root, 'bench/peers_gpt2_kv.py'), 'export', o.dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  return spec;
}

function hasTorch() {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function hasNative() {
  return existsSync(join(root, 'native/build/Release/tfmc_native.node'));
}

/** Runs one engine in a child process; resolves with its results and the cold start (spawn → `first-token`). */
function runEngine(engine, threads, job) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), TFMC_NATIVE_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const args = JSON.stringify({ ...job, engine, threads });
  const [cmd, argv] = engine.startsWith('torch') ? [PYTHON, [join(root, 'bench/peers_torch.py'), args]] : [process.execPath, [join(root, 'bench/peers-worker.js'), args]];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let coldMs;
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (coldMs === undefined && out.includes('first-token\n')) coldMs = performance.now() - start;
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop();
      if (code !== 0 || coldMs === undefined) return reject(new Error(`peers: ${engine} (${threads} threads) failed with exit ${code}:\n${err.slice(-2000)}`));
      resolve({ ...JSON.parse(last), coldMs });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchPeers(o) {
  const log = o.json ? () => {} : console.log;
  const torch = hasTorch();
  const spec = prepare(o, log, torch);
  const engines = o.engines.filter((e) => (NEEDS_TORCH.has(e) ? torch : e === 'tfmc-native' ? hasNative() : ENGINES.includes(e)));
  const skipped = o.engines.filter((e) => !engines.includes(e));
  const config = CONFIGS[o.model];
  const prompt = [464, 3290, 318, 257, 1332, 286, 262, 1080].map((t) => t % config.vocab);
  const job = { spec, model: o.model, dir: o.dir, batch: o.batch, seq: o.seq, vocab: config.vocab, tokens: o.tokens, reps: o.reps, prompt, sample: 64 };
  const runs = new Map();
  for (let r = 0; r < o.rounds; r++) {
    for (const threads of o.threads) {
      for (const engine of engines) {
        const res = await runEngine(engine, threads, job);
        const key = `${engine}/${threads}`;
        runs.set(key, [...(runs.get(key) ?? []), res]);
        log(`  round ${r + 1}: ${key.padEnd(16)} cold ${(res.coldMs / 1000).toFixed(2)} s, forward ${res.forwardMs.toFixed(0)} ms, generate ${res.generateMs.toFixed(0)} ms`);
      }
    }
  }
  const flops = forwardFlops(config, o.batch, o.seq);
  const rows = [...runs].map(([key, rs]) => {
    const [engine, threads] = key.split('/');
    const forwardMs = median(rs.map((x) => x.forwardMs));
    const gflops = flops / forwardMs / 1e6;
    return {
      engine,
      threads: Number(threads),
      cold_start_s: median(rs.map((x) => x.coldMs)) / 1000,
      forward_ms: forwardMs,
      forward_tokens_per_s: (o.batch * o.seq * 1000) / forwardMs,
      forward_gflops: gflops,
      forward_of_peak: peakGflops(Number(threads)) ? gflops / peakGflops(Number(threads)) : null,
      generate_ms: median(rs.map((x) => x.generateMs)),
      generate_tokens_per_s: (o.tokens * 1000) / median(rs.map((x) => x.generateMs)),
      kv_cache: rs[0].cache,
      tokens: rs[0].tokens,
      sample: rs[0].sample,
    };
  });
  const agreement = agree(rows);
  const ratios = ratiosOf(rows, o.threads);
  const result = {
    name: 'peers',
    model: o.model,
    batch: o.batch,
    seq: o.seq,
    new_tokens: o.tokens,
    rounds: o.rounds,
    forward_gflop: flops / 1e9,
    peak_gflops_per_core: peakGflops(1),
    skipped,
    kv_model_check: engines.some((e) => e.endsWith('-kv')) ? kvCheck(o) : null,
    results: rows.map(({ sample, ...rest }) => rest),
    agreement,
    ratios,
  };
  if (o.json) console.log(JSON.stringify(result));
  else printTable(result);
  return result;
}

/** bench/peers_gpt2_kv.py's check of its key/value model against the generated module (null without it). */
function kvCheck(o) {
  const file = join(o.dir, 'onnx-kv/check.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Each engine against the first (logits of the forward's last positions, greedy tokens). */
function agree(rows) {
  const ref = rows[0];
  return rows.slice(1).map((r) => {
    let maxAbs = 0;
    let scale = 1;
    ref.sample.forEach((row, i) => row.forEach((v, j) => {
      maxAbs = Math.max(maxAbs, Math.abs(v - r.sample[i][j]));
      scale = Math.max(scale, Math.abs(v));
    }));
    const logitsAgree = maxAbs <= 1e-4 * scale;
    return { engine: r.engine, threads: r.threads, against: `${ref.engine}/${ref.threads}`, max_abs_logit_diff: maxAbs, logits_agree: logitsAgree, same_tokens: r.tokens.join() === ref.tokens.join() };
  });
}

/**
 * tfmc over each peer, per thread count (above 1: tfmc is faster / starts sooner). Against a
 * cached peer, tfmc-native's row also says whether it meets the bar (BAR).
 */
function ratiosOf(rows, threadCounts) {
  const out = [];
  for (const threads of threadCounts) {
    const at = (e) => rows.find((r) => r.engine === e && r.threads === threads);
    for (const tfmc of ['tfmc-native', 'tfmc-wasm']) {
      for (const peer of ['ort', 'ort-kv', 'torch', 'torch-kv']) {
        const [a, b] = [at(tfmc), at(peer)];
        if (!a || !b) continue;
        const ratio = {
          tfmc,
          peer,
          peer_kv_cache: b.kv_cache,
          threads,
          forward_speedup: b.forward_ms / a.forward_ms,
          generate_speedup: b.generate_ms / a.generate_ms,
          cold_start_ratio: a.cold_start_s / b.cold_start_s,
        };
        const bar = tfmc === 'tfmc-native' ? BAR[peer] : undefined;
        if (bar !== undefined) Object.assign(ratio, { bar, meets_bar: ratio.forward_speedup >= bar && ratio.generate_speedup >= bar });
        out.push(ratio);
      }
    }
  }
  return out;
}

function printTable(r) {
  console.log(`\npeers: ${r.model}, forward ${r.batch}×${r.seq} tokens (${r.forward_gflop.toFixed(r.forward_gflop < 1 ? 4 : 0)} GFLOP), greedy generation of ${r.new_tokens} tokens, median of ${r.rounds} round(s); fp32 peak ${r.peak_gflops_per_core.toFixed(0)} GFLOP/s per core`);
  if (r.skipped.length) console.log(`  skipped (not available here): ${r.skipped.join(', ')}`);
  const k = r.kv_model_check;
  if (k) console.log(`  the key/value GPT-2 (ort-kv, torch-kv) vs the generated PyTorch module: max |Δ logit| ${k.max_abs_logit_diff_vs_generated.toExponential(1)} full forward, ${k.max_abs_logit_diff_cached_steps.toExponential(1)} cached steps`);
  console.log('  engine        threads  cold start  forward ms  tokens/s  GFLOP/s  of peak  generate tok/s  cache');
  for (const x of r.results) {
    console.log(`  ${x.engine.padEnd(13)} ${String(x.threads).padStart(7)}  ${x.cold_start_s.toFixed(2).padStart(8)} s  ${x.forward_ms.toFixed(0).padStart(10)}  ${x.forward_tokens_per_s.toFixed(0).padStart(8)}  ${x.forward_gflops.toFixed(1).padStart(7)}  ${x.forward_of_peak === null ? '   -' : (100 * x.forward_of_peak).toFixed(0).padStart(5) + '%'}  ${x.generate_tokens_per_s.toFixed(1).padStart(14)}  ${x.kv_cache ? 'kv' : 'none'}`);
  }
  for (const a of r.agreement) console.log(`  ${a.engine}/${a.threads} vs ${a.against}: logits ${a.logits_agree ? 'agree' : 'DIFFER'} (max |Δ| ${a.max_abs_logit_diff.toExponential(1)}), greedy tokens ${a.same_tokens ? 'the same' : 'differ'}`);
  for (const x of r.ratios) {
    const bar = x.bar === undefined ? '' : ` (bar ${x.bar}×: ${x.meets_bar ? 'met' : 'NOT met'})`;
    console.log(`  ${x.tfmc} vs ${x.peer}, ${x.threads} thread(s): forward ${x.forward_speedup.toFixed(2)}× as fast, generation ${x.generate_speedup.toFixed(2)}×, cold start ${x.cold_start_ratio.toFixed(2)}× the time${bar}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  const r = await benchPeers(o);
  if (r.agreement.some((a) => !a.logits_agree)) process.exitCode = 1;
}
