import { join } from 'node:path';
import { tmpdir } from 'node:os';
const root = '/work/main';
const { compile } = await import(join(root, 'dist/index.js'));
const dir = join(tmpdir(), 'tfmc-peers-small');
const model = await compile(join(root, 'specs/gpt2.tfm'), { model: 'Gpt2Small', backend: 'native', weights: join(dir, 'model.safetensors') });
const prompt = [464, 3290, 318, 257, 1110, 286, 262, 995];
const gen = async (n) => (await model.generate({ prompt: [prompt] }, { maxNewTokens: n })).newTokens[0];
await gen(4);
for (const n of [1, 2, 1, 2, 9, 17]) { const t0 = performance.now(); await gen(n); console.log(n, 'tokens', ((performance.now() - t0)).toFixed(0), 'ms'); }
const { CachedStepper } = await import(join(root, 'dist/backends/tfjs/generate/steppers.js')).catch(() => ({}));
