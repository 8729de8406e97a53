// `node bench/decode-step.js` (after `npm run build`): cached greedy decoding of 64 tokens with a 32,000-token
// output head (d_model 256, 4 layers), median of 3 after a warm-up. One-row decode steps are where
// the output projection dominates; it measures matMulWeightT's kept transposed weights.
import { compile } from '../dist/index.js';
const SPEC = `model G {
  config { vocab = 32000  ctx = 512  d_model = 256  heads = 4  layers = 4 }
  input ids: int32[batch, seq] where seq <= ctx
  let wte = Embedding(vocab, d_model)
  let x = wte(ids) + PositionEmbedding(ctx, d_model)(ids)
  let blocks = repeat layers { DecoderLayer(d_model, heads, norm: pre, activation: gelu_tanh, dropout: 0.0) }
  output logits = Linear(vocab, bias: false, tied: wte)(LayerNorm(d_model)(blocks(x, self_mask: causal)))
}`;
const model = await compile(SPEC, { seed: 1 });
console.log('backend', model.backend ?? '');
await model.generate({ prompt: [1,2,3,4,5,6,7,8] }, { maxNewTokens: 8 });
const ts = [];
let toks;
for (let i = 0; i < 3; i++) { const t0 = performance.now(); const r = await model.generate({ prompt: [1,2,3,4,5,6,7,8] }, { maxNewTokens: 64 }); ts.push(performance.now() - t0); toks = r.newTokens[0].join(','); }
ts.sort((a,b)=>a-b);
console.log('64 tokens median ms', ts[1].toFixed(0), 'tok/s', (64000/ts[1]).toFixed(1), 'tokens hash', toks.length, toks.slice(0,40));
