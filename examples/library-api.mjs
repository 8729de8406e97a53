// Using tfmc as a library: check a spec with an override, print its diagnostics or its summary.
// Run after `npm run build`:  node examples/library-api.mjs
import { checkSource, summarize } from '../dist/index.js';

const spec = `
model Classifier {
  config { vocab = 1000  d_model = 64  heads = 4  layers = 2  classes = 3  max_len = 128 }
  input ids: int32[batch, seq] where seq <= max_len
  let emb = Embedding(vocab, d_model)
  mask pad = padding(ids, pad: 0)
  let encoder = repeat layers { EncoderLayer(d_model, heads, norm: pre) }
  let head = ClassifierHead(d_model, classes, pool: mean)
  output logits = head(encoder(emb(ids) + PositionEmbedding(max_len, d_model)(ids), self_mask: pad))
}
`;

for (const heads of ['4', '6']) {
  const result = checkSource(spec, new URL('./classifier.tfm', import.meta.url).pathname, { overrides: { heads } });
  if (result.diagnostics.length > 0) {
    for (const d of result.diagnostics) console.log(`heads=${heads}: ${d.code} ${d.message}${d.help ? ` (help: ${d.help.message})` : ''}`);
    continue;
  }
  const s = summarize(result.models[0], { batch: 8, seq: 128 });
  console.log(`heads=${heads}: ${s.model} has ${s.params} parameters, ${(s.flopsPerToken / 1e6).toFixed(2)} MFLOP/token`);
}
