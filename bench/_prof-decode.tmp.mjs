import { join } from 'node:path';
import { tmpdir } from 'node:os';
const root = '/work/main';
const { compile } = await import(join(root, 'dist/index.js'));
const tf = await import('@tensorflow/tfjs');
const dir = join(tmpdir(), 'tfmc-peers-small');
const model = await compile(join(root, 'specs/gpt2.tfm'), { model: 'Gpt2Small', backend: 'native', weights: join(dir, 'model.safetensors') });
const prompt = [464, 3290, 318, 257, 1110, 286, 262, 995];
const gen = async (n) => (await model.generate({ prompt: [prompt] }, { maxNewTokens: n })).newTokens[0];
await gen(4);
for (const n of [8, 24]) { const t0 = performance.now(); await gen(n); console.log(n, 'tokens', ((performance.now() - t0)).toFixed(0), 'ms'); }
const prof = await tf.profile(async () => { await gen(16); });
const by = new Map();
for (const k of prof.kernels) { const key = k.name; const v = by.get(key) ?? { ms: 0, n: 0 }; v.ms += k.kernelTimeMs; v.n++; by.set(key, v); }
const rows = [...by].sort((a, b) => b[1].ms - a[1].ms);
let total = 0; for (const [, v] of rows) total += v.ms;
console.log('kernel total ms', total.toFixed(1), 'kernels', prof.kernels.length);
for (const [k, v] of rows.slice(0, 12)) console.log(k.padEnd(24), v.ms.toFixed(1), v.n);
