// `node bench/decode-step.js` (after `npm run build`): cached greedy decoding of 64 tokens with a 32,000-token
// output head (GPT-2's layout, d_model 256, 4 layers), median of 3 after a warm-up. One-row decode
// steps are where the output projection dominates; it measures matMulWeightT's kept transposed weights.
import { compile } from '../dist/index.js';
import { gptLayout } from './generation.js';

const PROMPT = [1, 2, 3, 4, 5, 6, 7, 8];
const model = await compile(gptLayout({ vocab: 32000, dModel: 256 }), { seed: 1 });
console.log(`backend ${model.backend}`);
await model.generate({ prompt: PROMPT }, { maxNewTokens: 8 });
const times = [];
let tokens = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = await model.generate({ prompt: PROMPT }, { maxNewTokens: 64 });
  times.push(performance.now() - t0);
  tokens = r.newTokens[0];
}
times.sort((a, b) => a - b);
console.log(`64 tokens: median ${times[1].toFixed(0)} ms, ${(64000 / times[1]).toFixed(1)} tok/s; first tokens ${tokens.slice(0, 8).join(',')}`);
