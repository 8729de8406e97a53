// `npm run bench`: parse+check time for every shipped spec and for a generated ~10,000-line spec,
// then parse time alone: for the big spec, and its growth with input size (valid and garbage).
// Each figure is the median of many timed runs after warm-up, in one process (compare side by side).
// First (section `tfjs`, bench/tfjs.js): the tfjs backend's matmul roofline and a GPT block's speed.
// Last (section `cli`, bench/cli.js): start-up of the real binary, `tfmc --version` and `tfmc check`.
//
// `--json`: the tables go to stderr, and the last line of stdout is one JSON object
// {"results": [{"name", "backend", "tokens_per_s", "ms"}], "node", "date", "entries": {"<name>":
// {"ms", "min", "max", "runs"?, "target"?}}}: the model throughputs (sections tfjs, gpt2 and train), and
// every timing in milliseconds (medians), e.g. entries["cli-version"].ms (docs/performance.md).
// `--quick`: sections tfjs, gpt2 and train only (unless sections are named), with fewer rounds and no
// PyTorch: under 3 minutes. `--native-matmul`: the model rows also on `native-matmul`, the native
// backend with its BLAS matmuls alone (before/after its elementwise and fused kernels, one run).
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile, checkSource, parse } from '../dist/index.js';
import { generateGarbage, generateSpec } from './generate.js';
import { benchLsp } from './lsp.js';
import { referenceWorkload } from './reference.js';
import { timingTable } from './table.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Sections, run in this order; `node bench/run.js tfjs` runs only the named ones (default: all).
// tfjs: matmul roofline and a GPT block on the default tfjs backend (and on native beside wasm when
// its addon is built), and in PyTorch (bench/tfjs.js).
// gpt2: greedy generation with the key/value cache on GPT-2 small, random weights (bench/gpt2-generate.js).
// train: `tfmc train` of a 2-layer d_model-256 language model on wasm and native (bench/train-lm.js).
// generate: 256 vs 64 generated tokens with and without the key/value cache (bench/generation.js).
// check: parse+check times and parse growth (below).
// lsp: the language server's latency from a keystroke to the new diagnostics in a ~2,000-line spec (bench/lsp.js).
// cli: wall time of `tfmc --version` and `tfmc check specs/gpt2.tfm` as child processes (bench/cli.js).
const SECTIONS = ['tfjs', 'gpt2', 'train', 'generate', 'check', 'lsp', 'cli'];
const FLAGS = ['--json', '--quick', '--native-matmul'];
const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const nativeMatmul = args.includes('--native-matmul');
const chosen = args.filter((a) => !FLAGS.includes(a));
for (const s of chosen) {
  if (!SECTIONS.includes(s)) {
    console.error(`unknown bench section \`${s}\`; the sections are ${SECTIONS.join(', ')} (and the flags ${FLAGS.join(', ')})`);
    process.exit(2);
  }
}
const QUICK_SECTIONS = ['tfjs', 'gpt2', 'train'];
const wants = (section) => (chosen.length === 0 ? !quick || QUICK_SECTIONS.includes(section) : chosen.includes(section));
// With --json, stdout carries only the JSON line: the tables are for people, on stderr.
const log = json ? (...xs) => console.error(...xs) : (...xs) => console.log(...xs);
/** The JSON entries, by name: milliseconds. */
const entries = {};
/** The model throughputs: {name, backend, tokens_per_s, ms}. */
const results = [];
const enter = (name, r) => {
  entries[name] = { ms: round(r.median), min: round(r.min), max: round(r.max), ...(r.runs !== undefined ? { runs: r.runs } : {}), ...(r.target !== undefined ? { target: r.target } : {}) };
};
const round = (ms) => Math.round(ms * 100) / 100;

if (wants('tfjs')) {
  const { benchTfjs } = await import('./tfjs.js');
  const options = quick ? { runs: 3, warmups: 1, withTorch: false } : {};
  // gpt-block-fwd:wasm, gpt-block-train:native, ...: median ms and tokens/s of each backend measured.
  for (const r of (await benchTfjs({ log, nativeMatmul, ...options })) ?? []) result(r);
  log('');
}
if (wants('gpt2')) {
  const { benchGpt2Generate } = await import('./gpt2-generate.js');
  for (const r of await benchGpt2Generate({ log, nativeMatmul, ...(quick ? { tokens: 24, rounds: 2 } : {}) })) result(r);
  log('');
}
if (wants('train')) {
  const { benchTrainLm } = await import('./train-lm.js');
  for (const r of await benchTrainLm({ log, ...(quick ? { steps: 8, rounds: 1 } : {}) })) result(r);
  log('');
}
if (wants('generate')) {
  const { benchGeneration } = await import('./generation.js');
  for (const r of await benchGeneration({ log })) {
    const which = r.cache ? 'cache' : 'no-cache';
    entries[`generate-64-${which}`] = { ms: round(r.t64) };
    entries[`generate-256-${which}`] = { ms: round(r.t256) };
  }
  log('');
}
if (wants('check')) {
  await benchCheck();
  log('');
}
if (wants('lsp')) {
  // As an editor sees it: a one-word edit of a ~2,000-line spec, sent over stdio, until the new
  // diagnostics arrive. `lsp-change-2k` is the median of those latencies.
  const lsp = await benchLsp();
  timingTable(log, 'language server (tfmc lsp, stdio)', lsp);
  lsp.forEach((r, i) => enter(['lsp-change-2k', 'lsp-change-2k-checking', 'lsp-reference'][i], r));
  log('');
}
if (wants('cli')) {
  const { benchCli } = await import('./cli.js');
  for (const r of await benchCli({ log })) enter(r.name, r);
}
if (json) console.log(JSON.stringify({ results, node: process.version, date: new Date().toISOString(), load: loadavg().map((x) => Math.round(x * 100) / 100), entries }));

function result(r) {
  results.push({ name: r.name, backend: r.backend, tokens_per_s: Math.round(r.tokens_per_s * 10) / 10, ms: round(r.ms) });
  entries[`${r.name}:${r.backend}`] = { ms: round(r.ms), tokens_per_s: Math.round(r.tokens_per_s) };
}

async function benchCheck() {
  function median(xs) {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  }

  function time(fn, runs) {
    for (let i = 0; i < Math.min(5, runs); i++) fn(); // warm-up (JIT, std library cache)
    const ts = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      fn();
      ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return { median: median(ts), min: Math.min(...ts), max: Math.max(...ts) };
  }

  const lineCount = (text) => text.split('\n').length;

  // The shipped specs, in rounds: each round times the reference workload (bench/reference.js),
  // then each spec once, so the reference sees the same load as the checks it is compared with.
  const specs = [];
  for (const f of readdirSync(join(root, 'specs')).filter((f) => f.endsWith('.tfm')).sort()) {
    const path = join(root, 'specs', f);
    const r = checkFile(path);
    if (r.diagnostics.length) throw new Error(`${f} does not check clean`);
    specs.push({ f, path, models: r.models.length, ts: [] });
  }
  const refTimes = [];
  const once = (fn) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let round = 0; round < 45; round++) {
    const warm = round < 5; // warm-up (JIT, std library cache)
    const ref = once(referenceWorkload);
    if (!warm) refTimes.push(ref);
    for (const s of specs) {
      const ms = once(() => checkFile(s.path));
      if (!warm) s.ts.push(ms);
    }
  }
  const stats = (ts) => ({ median: median(ts), min: Math.min(...ts), max: Math.max(...ts) });
  const reference = stats(refTimes);
  const rows = [{ name: 'check-reference', what: 'reference workload (fixed JavaScript)', ...reference }];
  for (const s of specs) rows.push({ name: `check:specs/${s.f}`, what: `specs/${s.f} (${s.models} models)`, ...stats(s.ts), target: 5 });
  const big = generateSpec(200);
  const lines = lineCount(big);
  const bigResult = checkSource(big, join(root, 'bench/generated.tfm'));
  if (bigResult.diagnostics.some((d) => d.severity === 'error')) throw new Error('generated spec has errors:\n' + bigResult.diagnostics.map((d) => d.message).join('\n'));
  const tb = time(() => checkSource(big, join(root, 'bench/generated.tfm')), 15);
  rows.push({ name: 'check:generated', what: `generated spec (${lines} lines, 200 blocks)`, ...tb, target: 200 });
  const tp = time(() => parse(big, 'generated.tfm'), 15);
  rows.push({ name: 'parse:generated', what: `  of which parsing alone`, ...tp });

  log(`tfmc parse+check benchmark (node ${process.version}, ${new Date().toISOString()}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  log('');
  timingTable(log, 'what', rows);
  for (const r of rows) enter(r.name, r);
  // Each check as a multiple of the reference workload measured beside it: comparable across loads.
  for (const r of rows) if (r.name.startsWith('check:specs/')) entries[r.name].per_reference = Math.round((r.median / reference.median) * 100) / 100;
  const over = rows.filter((r) => r.name.startsWith('check:specs/') && r.median > r.target).map((r) => r.what.split(' ')[0]);
  log(`shipped specs over the 5 ms target: ${over.length ? over.join(', ') : 'none'} (reference workload: ${reference.median.toFixed(2)} ms)`);

  // Parse time grows linearly with the input, for valid specs and for garbage alike (error recovery
  // must not rescan the input): four times the input should take about four times as long.
  const growth = [];
  {
    const small = generateSpec(20);
    const large = generateSpec(80);
    for (const text of [small, large]) {
      const n = parse(text, 'growth.tfm').diagnostics.length;
      if (n > 0) throw new Error(`the generated spec of ${lineCount(text)} lines has ${n} syntax errors`);
    }
    growth.push({ name: 'spec', what: `spec, ${lineCount(small)} vs ${lineCount(large)} lines`, small, large, runs: 21 });
  }
  {
    const small = generateGarbage(10_000);
    const large = generateGarbage(40_000);
    const n = parse(large, 'garbage.tfm').diagnostics.length;
    if (n < 100) throw new Error(`40 KB of garbage gave only ${n} diagnostics`);
    growth.push({ name: 'garbage', what: 'garbage, 10 KB vs 40 KB', small, large, runs: 11 });
  }
  log('');
  log('parse time by input size'.padEnd(48) + '1x ms'.padStart(11) + '4x ms'.padStart(9) + 'ratio'.padStart(9) + '  (linear: about 4)');
  for (const g of growth) {
    const a = time(() => parse(g.small, 'growth.tfm'), g.runs).median;
    const b = time(() => parse(g.large, 'growth.tfm'), g.runs).median;
    const ratio = b / a;
    entries[`parse-${g.name}-1x`] = { ms: round(a) };
    entries[`parse-${g.name}-4x`] = { ms: round(b) };
    log(g.what.padEnd(48) + a.toFixed(2).padStart(11) + b.toFixed(2).padStart(9) + ratio.toFixed(1).padStart(9) + '  ' + (ratio <= 8 ? 'ok' : 'SUPERLINEAR'));
  }
}
