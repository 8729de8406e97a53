// `node bench/profile-gpt2.js [native|wasm] [batch] [seq] [weights]` (after `npm run build`): which
// tfjs kernels take the time in GPT-2 small's batched forward pass (specs/gpt2.tfm, default 8 × 128
// tokens, the forward of `node bench/peers.js --batch 8`), by tf.profile: each kernel's wall time,
// summed by kernel and output shape, for one profiled run after a warm-up; before it, two plain
// timings of `predict` (to the logits tensor, not read back). The weights default to the peers
// benchmark's file (/tmp/tfmc-peers-small/model.safetensors, written by `node bench/peers.js`);
// without it the model's seeded initialisation is used (the same work).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../dist/index.js';
import { tf } from '../dist/backends/tfjs/index.js';
import { profileKernels } from './profile-kernels.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [backend = 'native', batch = '8', seq = '128', weights = '/tmp/tfmc-peers-small/model.safetensors'] = process.argv.slice(2);
const model = await compile(join(root, 'specs/gpt2.tfm'), { model: 'Gpt2Small', backend, seed: 1, ...(existsSync(weights) ? { weights } : {}) });
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
const ids = Array.from({ length: Number(batch) }, (_, b) => Array.from({ length: Number(seq) }, (_, i) => (b * 977 + i * 131) % 50257));
const step = () => model.predict({ ids }).logits.dispose();
step();
for (let i = 0; i < 2; i++) {
  const t = performance.now();
  step();
  console.log(`predict ${(performance.now() - t).toFixed(0)} ms`);
}
const { rows, wallMs } = await profileKernels(step, { runs: 1, keyOf: (k) => `${k.name} ${k.outputShapes.map((s) => `[${s}]`).join(',')}` });
const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`${backend} ${batch}×${seq}: wall ${wallMs.toFixed(0)} ms (profiled), kernels ${kernelMs.toFixed(0)} ms`);
for (const [key, e] of rows.slice(0, 25)) console.log(`${e.ms.toFixed(1).padStart(8)} ms ${((100 * e.ms) / kernelMs).toFixed(1).padStart(5)}%  ×${e.calls.toFixed(0).padStart(3)}  ${key}`);
