// `node bench/profile-block.js [wasm|native] [fwd|train]` (after `npm run build`): which tfjs kernels
// take the time in the GPT block of bench/gpt-block.tfm (batch 8 × seq 128), on one backend, by
// tf.profile: each kernel's wall time, summed by kernel and output shapes, per run (the mean of 3
// profiled runs after a warm-up). Scopes (customGrad) are left out: their kernels are counted.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkFile } from '../dist/index.js';
import { Adam, buildModel, selectBackend, tf } from '../dist/backends/tfjs/index.js';
import { profileKernels } from './profile-kernels.js';

const here = dirname(fileURLToPath(import.meta.url));
const [backend = 'native', kind = 'fwd'] = process.argv.slice(2);
await selectBackend(backend);
tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
const result = checkFile(join(here, 'gpt-block.tfm'));
const model = buildModel(result.models[0], { seed: 1 });
const x = tf.randomNormal([8, 128, 512], 0, 1, 'float32', 7);
const vars = [...model.variables.values()];
const adam = new Adam();
// As bench/tfjs.js times them: the forward, and the training step (forward, backward, Adam).
const step = () => {
  if (kind === 'fwd') {
    const { y } = model.forward({ x });
    y.dataSync();
    y.dispose();
    return;
  }
  const { value, grads } = tf.variableGrads(() => tf.sum(model.forward({ x }, { training: true }).y), vars);
  value.dataSync();
  adam.apply(model.variables, new Map([...model.variables].map(([name, v]) => [name, grads[v.name]])), 1e-6);
  tf.dispose([value, ...Object.values(grads)]);
};
const { rows, wallMs } = await profileKernels(step, { keyOf: (k) => `${k.name} ${k.outputShapes.map((s) => `[${s}]`).join(',')}` });
const kernelMs = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`${backend} ${kind}: wall ${wallMs.toFixed(0)} ms per run (profiled), kernels ${kernelMs.toFixed(0)} ms`);
for (const [key, e] of rows.slice(0, 40)) console.log(`${e.ms.toFixed(1).padStart(8)} ms ${(100 * e.ms / kernelMs).toFixed(1).padStart(5)}%  ×${e.calls.toFixed(0).padStart(3)}  ${key}`);
