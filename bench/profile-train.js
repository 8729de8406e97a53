// `node bench/profile-train.js [wasm|native] [SPEC] [key=value,...]` (after `npm run build`):
// which tfjs kernels take the time in a `tfmc train` step (CompiledModel.trainStep: forward,
// backward, global norm, Adam) of a language model, by tf.profile, summed by kernel, per step
// (the mean of 3 profiled steps after a warm-up). Default: examples/tiny-lm.tfm at d_model 256,
// ctx 128, batch 16 × seq 128 (the `tfmc-train-lm` rows of bench/train-lm.js).
import { compile } from '../dist/index.js';
import { profileKernels } from './profile-kernels.js';

const [backend = 'native', spec = 'examples/tiny-lm.tfm', set = 'd_model=256,ctx=128'] = process.argv.slice(2);
const overrides = Object.fromEntries(set.split(',').filter(Boolean).map((kv) => kv.split('=')));
const model = await compile(spec, { overrides, backend, seed: 1 });
const [batch, seq] = [16, 128];
const vocab = Number(model.config.vocab);
const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: seq }, (_, t) => (b * 31 + t * 7) % vocab));
const step = () => model.trainStep({ ids }, { clipNorm: 1 });
const { rows, wallMs } = await profileKernels(step);
const kernelMs = rows.reduce((a, [, e]) => a + e.ms, 0);
console.log(`${backend}: step ${wallMs.toFixed(0)} ms (profiled), kernels ${kernelMs.toFixed(0)} ms, ${((batch * seq * 1000) / wallMs).toFixed(0)} tokens/s`);
for (const [name, e] of rows.slice(0, 18)) console.log(`${e.ms.toFixed(1).padStart(8)} ms  ${e.calls.toFixed(0).padStart(5)}×  ${name}`);
model.dispose();
