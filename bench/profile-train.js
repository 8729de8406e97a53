// `node bench/profile-train.js [wasm|native] [SPEC] [key=value,...]` (after `npm run build`):
// which tfjs kernels take the time in a `tfmc train` step (CompiledModel.trainStep: forward,
// backward, global norm, Adam) of a language model, by tf.profile, summed by kernel, per step
// (the mean of 3 profiled steps after a warm-up). Default: examples/tiny-lm.tfm at d_model 256,
// ctx 128, batch 16 × seq 128 (the `tfmc-train-lm` rows of bench/train-lm.js).
import { compile } from '../dist/index.js';
import { tf } from '../dist/backends/tfjs/index.js';

const [backend = 'native', spec = 'examples/tiny-lm.tfm', set = 'd_model=256,ctx=128'] = process.argv.slice(2);
const overrides = Object.fromEntries(set.split(',').filter(Boolean).map((kv) => kv.split('=')));
const model = await compile(spec, { overrides, backend, seed: 1 });
const [batch, seq] = [16, 128];
const vocab = Number(model.config.vocab);
const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, t) => (b * 31 + t * 7) % vocab));
const step = () => model.trainStep({ ids }, { clipNorm: 1 });
step();
const byName = new Map();
let total = 0;
const runs = 3;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const info = await tf.profile(step);
  total += performance.now() - t0;
  for (const k of info.kernels.filter((k) => !k.name.includes('scope'))) {
    const e = byName.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += k.kernelTimeMs;
    e.calls += 1;
    byName.set(k.name, e);
  }
}
const rows = [...byName].sort((a, b) => b[1].ms - a[1].ms);
const kernelMs = rows.reduce((a, [, e]) => a + e.ms, 0) / runs;
console.log(`${backend}: step ${(total / runs).toFixed(0)} ms (profiled), kernels ${kernelMs.toFixed(0)} ms, ${(batch * seq * runs * 1000 / total).toFixed(0)} tokens/s`);
for (const [name, e] of rows.slice(0, 18)) console.log(`${(e.ms / runs).toFixed(1).padStart(8)} ms  ${String(e.calls / runs).padStart(5)}×  ${name}`);
model.dispose();
