// `npm run bench` (section `train`: `node bench/run.js train`): `tfmc train` itself, as a user
// runs it (the built binary, a child process per run), on a 2-layer character-level GPT
// (examples/tiny-lm.tfm with d_model 256, ctx 128: 1.6 M parameters) at batch 16 × seq 128, on
// wasm and, when its addon is built, native: the same seed and steps, in interleaved rounds.
// Tokens/s are the run's own (metrics.jsonl: the tokens of steps 2..N over their seconds, the
// first step's warm-up left out); the loss curves of the two backends are compared step by step.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBackends } from './tfjs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TRAIN_LM = ['--set', 'd_model=256', '--set', 'ctx=128', '--batch', '16', '--seq', '128', '--seed', '0', '--eval-every', '100000', '--save-every', '100000'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One `tfmc train` run: its step metrics. */
function trainRun(dir, backend, steps, data, out) {
  const r = spawnSync(process.execPath, [join(root, 'bin/tfmc.js'), 'train', join(root, 'examples/tiny-lm.tfm'), '--data', data, '--steps', String(steps), '--backend', backend, '--out', out, '--quiet', ...TRAIN_LM], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`tfmc train on ${backend} failed:\n${r.stderr}`);
  const metrics = readFileSync(join(dir, out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  rmSync(join(dir, out), { recursive: true, force: true });
  return metrics.filter((m) => m.type === 'step');
}

export async function benchTrainLm({ log = console.log, steps = 20, rounds = 2 } = {}) {
  const backends = await benchBackends(() => {});
  const dir = mkdtempSync(join(tmpdir(), 'tfmc-bench-train-'));
  try {
    // The example corpus, 30 times: 16 windows of 128 characters a step for 20 steps.
    writeFileSync(join(dir, 'corpus.txt'), readFileSync(join(root, 'examples/corpus.txt'), 'utf8').repeat(30));
    const rates = Object.fromEntries(backends.map((b) => [b, []]));
    const losses = {};
    for (let i = 0; i < rounds; i++) {
      for (const b of backends) {
        const m = trainRun(dir, b, steps, 'corpus.txt', `${b}-${i}`);
        const tokens = m.slice(1).reduce((a, s) => a + s.tokens, 0);
        rates[b].push(tokens / (m.at(-1).seconds - m[0].seconds));
        losses[b] = m.map((s) => s.loss);
      }
    }
    log(`tfmc-train-lm: tfmc train examples/tiny-lm.tfm ${TRAIN_LM.slice(0, 8).join(' ')}, ${steps} steps; median of ${rounds} interleaved rounds`);
    const results = backends.map((b) => ({ name: 'tfmc-train-lm', backend: b, tokens_per_s: median(rates[b]), ms: (16 * 128 * 1000) / median(rates[b]) }));
    for (const r of results) log(`  ${r.backend.padEnd(14)} ${r.ms.toFixed(0).padStart(7)} ms/step  ${r.tokens_per_s.toFixed(0).padStart(6)} tokens/s`);
    for (const b of backends.slice(1)) {
      const diff = Math.max(...losses[b].map((l, i) => Math.abs(l - losses[backends[0]][i])));
      log(`  ${b}/${backends[0]}: ${(results.find((r) => r.backend === b).tokens_per_s / results[0].tokens_per_s).toFixed(2)}×; loss curves differ by at most ${diff.toExponential(1)} (step 1: ${losses[b][0].toFixed(4)}, step ${steps}: ${losses[b].at(-1).toFixed(4)})`);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchTrainLm();
