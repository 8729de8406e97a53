// `npm run bench` (section `gpt2`: `node bench/run.js gpt2`): greedy generation with the key/value
// cache on GPT-2 small (specs/gpt2.tfm's Gpt2Small: 124M parameters, vocab 50,257; random
// weights), in new tokens per second, on the default backend and, when its addon is built, on
// `native` (and `native-matmul` with --native-matmul), one model, in interleaved rounds.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../dist/index.js';
import { benchBackends, useBackend } from './tfjs.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PROMPT = [464, 3290, 318, 257, 1332, 286, 262, 1080];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchGpt2Generate({ log = console.log, tokens = 64, rounds = 3, nativeMatmul = false } = {}) {
  const backends = await benchBackends(() => {}, { nativeMatmul });
  const t0 = performance.now();
  const model = await compile(join(root, 'specs/gpt2.tfm'), { model: 'Gpt2Small', seed: 1, backend: backends[0] });
  const compileMs = performance.now() - t0;
  const generate = async (n) => {
    const r = await model.generate({ prompt: PROMPT }, { maxNewTokens: n });
    if (!r.cached) throw new Error(`gpt2-generate: the key/value cache was not used (${r.cacheNote})`);
    if (r.newTokens[0].length !== n) throw new Error(`gpt2-generate: ${r.newTokens[0].length} tokens generated, ${n} asked for`);
    return r.newTokens[0];
  };
  for (const b of backends) {
    await useBackend(b);
    await generate(4); // warm-up: the cache's set-up and first kernels
  }
  const times = Object.fromEntries(backends.map((b) => [b, []]));
  const outputs = {};
  for (let i = 0; i < rounds; i++) {
    for (const b of backends) {
      await useBackend(b);
      const start = performance.now();
      outputs[b] = await generate(tokens);
      times[b].push(performance.now() - start);
    }
  }
  await useBackend(backends[0]);
  const parameters = model.parameterCount;
  model.dispose();
  log(`gpt2-generate: GPT-2 small (${(parameters / 1e6).toFixed(1)} M parameters, random weights, compiled in ${(compileMs / 1000).toFixed(1)} s), greedy, key/value cache, prompt of ${PROMPT.length}, ${tokens} new tokens; median of ${rounds} interleaved rounds`);
  const results = backends.map((b) => ({ name: 'gpt2-generate', backend: b, ms: median(times[b]), tokens_per_s: (tokens * 1000) / median(times[b]) }));
  for (const r of results) log(`  ${r.backend.padEnd(14)} ${r.ms.toFixed(0).padStart(7)} ms  ${r.tokens_per_s.toFixed(1).padStart(6)} tokens/s`);
  const same = backends.every((b) => outputs[b].join() === outputs[backends[0]].join());
  log(`  the same tokens on every backend: ${same ? 'yes' : 'no (near-ties of random weights can break either way)'}`);
  for (const b of backends.slice(1)) log(`  ${b}/${backends[0]}: ${(results[0].ms / results.find((r) => r.backend === b).ms).toFixed(2)}×`);
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchGpt2Generate();
