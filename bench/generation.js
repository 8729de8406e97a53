// `npm run bench` (section `generate`: `node bench/run.js generate`; or `node bench/generation.js`): the cost of generating
// 256 tokens against 64, with the key/value cache and without it, on the default backend.
//
// Without a cache every step reruns the whole sequence, so 4x the tokens costs about 16x (the
// attention part) or 4x·(growing length) overall; with the cache a step costs one position (plus
// attention over the cached keys), so 256 tokens should cost about 4x 64 tokens — the target is
// under 5x. Model: GPT-2's layout at a small width (d_model 128, 4 heads, 4 layers, vocab 1000),
// greedy decoding of one prompt of 8 tokens; each cached figure is the median of 3 runs after a
// warm-up (the uncached ones are single runs).
import { compile } from '../dist/index.js';

// GPT-2's layout (specs/gpt2.tfm) without its `expect params`, at a small width (and, for
// bench/decode-step.js, a larger vocabulary).
export function gptLayout({ vocab = 1000, dModel = 128 } = {}) {
  return `model GptSmallWidth {
  config { vocab = ${vocab}  ctx = 512  d_model = ${dModel}  heads = 4  layers = 4 }
  input ids: int32[batch, seq] where seq <= ctx
  let wte = Embedding(vocab, d_model)
  let x = wte(ids) + PositionEmbedding(ctx, d_model)(ids)
  let blocks = repeat layers { DecoderLayer(d_model, heads, norm: pre, activation: gelu_tanh, dropout: 0.0) }
  output logits = Linear(vocab, bias: false, tied: wte)(LayerNorm(d_model)(blocks(x, self_mask: causal)))
}`;
}
const SPEC = gptLayout();

const PROMPT = [11, 12, 13, 14, 15, 16, 17, 18];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function benchGeneration({ runs = 3, log = console.log } = {}) {
  const model = await compile(SPEC, { seed: 1 });
  const timeIt = async (tokens, cache) => {
    await model.generate({ prompt: PROMPT }, { maxNewTokens: 8, cache }); // warm-up
    const ts = [];
    // Without the cache 256 tokens take minutes: one run is enough to show the quadratic growth.
    for (let i = 0; i < (cache ? runs : 1); i++) {
      const t0 = performance.now();
      const r = await model.generate({ prompt: PROMPT }, { maxNewTokens: tokens, cache });
      ts.push(performance.now() - t0);
      if (r.newTokens[0].length !== tokens) throw new Error(`generated ${r.newTokens[0].length} tokens, wanted ${tokens}`);
      if (r.cached !== cache) throw new Error(`cache ${cache} asked, ${r.cached} used (${r.cacheNote})`);
    }
    return median(ts);
  };
  const rows = [];
  for (const cache of [true, false]) {
    const t64 = await timeIt(64, cache);
    const t256 = await timeIt(256, cache);
    rows.push({ cache, t64, t256, ratio: t256 / t64 });
  }
  log(`generation: GPT-2 layout, d_model 128, 4 heads, 4 layers, vocab 1000 (${(model.parameterCount / 1e6).toFixed(2)} M parameters), backend ${model.backend}, greedy, prompt of ${PROMPT.length}`);
  log('');
  log('key/value cache'.padEnd(18) + '64 tokens ms'.padStart(14) + '256 tokens ms'.padStart(15) + 'ratio'.padStart(8) + 'target'.padStart(9));
  for (const r of rows) {
    const target = r.cache ? '< 5' : '';
    const verdict = r.cache ? (r.ratio < 5 ? '  ok' : '  SLOW') : '';
    log((r.cache ? 'on' : 'off').padEnd(18) + r.t64.toFixed(0).padStart(14) + r.t256.toFixed(0).padStart(15) + r.ratio.toFixed(2).padStart(8) + target.padStart(9) + verdict);
  }
  log(`tokens/s with the cache: ${((256 / rows[0].t256) * 1000).toFixed(0)} (256 tokens); speed-up over no cache at 256 tokens: ${(rows[1].t256 / rows[0].t256).toFixed(1)}x`);
  model.dispose();
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchGeneration();
