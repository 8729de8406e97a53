/**
 * Generators of random valid `.tfm` specs for property tests, one per architecture family, with
 * the sizes to run each with and the output shapes it must produce (see `shape-property.test.ts`).
 * The seed is fixed so CI is repeatable; `TFMC_PROPERTY_SEED=<n>` (or `random`) and
 * `TFMC_PROPERTY_RUNS=<n>` explore further.
 */
import fc from 'fast-check';

export const RUNS = Number(process.env.TFMC_PROPERTY_RUNS ?? 7);
export const SEED = process.env.TFMC_PROPERTY_SEED === 'random' ? undefined : Number(process.env.TFMC_PROPERTY_SEED ?? 20261122);

/** Concrete sizes of the symbolic dims for one run. */
export type Sizes = Record<string, number>;

/** A generated case: the spec, the sizes to run it with, and the output shapes it must produce. */
export interface Case {
  family: string;
  spec: string;
  sizes: Sizes;
  outputs: Record<string, number[]>;
  /** The code the checker must reject the spec with (a generated spec that is not valid). */
  rejectedWith?: string;
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

interface Attn {
  heads: number;
  dK: number;
  /** Key/value heads for grouped-query attention (a divisor of `heads`), 0 for the default. */
  kvHeads: number;
  dFF: number;
  layers: number;
  norm: 'pre' | 'post';
  normKind: 'layer' | 'rms';
  activation: 'relu' | 'gelu' | 'gelu_tanh' | 'silu' | 'swiglu';
  bias: boolean;
  scaled: boolean;
  rotary: boolean;
  dropout: number;
  /** Pass `d_k:` explicitly (T5's d_kv), so d_model is `freeDModel`; otherwise d_model = heads·d_k. */
  explicitDK: boolean;
  freeDModel: number;
}

const pick = <T,>(...xs: T[]) => fc.constantFrom(...xs);

const divisors = (n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);

function attnArb(over: Partial<{ [K in keyof Attn]: fc.Arbitrary<Attn[K]> }> = {}): fc.Arbitrary<Attn> {
  return (over.heads ?? fc.integer({ min: 1, max: 4 })).chain((heads) =>
    fc.record({
      heads: fc.constant(heads),
      dK: over.dK ?? pick(2, 4, 6, 8), // even: RoPE rotates pairs
      kvHeads: over.kvHeads ?? fc.oneof(fc.constant(0), pick(...divisors(heads))),
      dFF: over.dFF ?? fc.integer({ min: 2, max: 24 }),
      layers: over.layers ?? fc.integer({ min: 1, max: 3 }),
      norm: over.norm ?? pick('pre' as const, 'post' as const),
      normKind: over.normKind ?? pick('layer' as const, 'rms' as const),
      activation: over.activation ?? pick('relu' as const, 'gelu' as const, 'gelu_tanh' as const, 'silu' as const, 'swiglu' as const),
      bias: over.bias ?? fc.boolean(),
      scaled: over.scaled ?? fc.boolean(),
      rotary: over.rotary ?? fc.boolean(),
      dropout: over.dropout ?? pick(0, 0.1),
      explicitDK: over.explicitDK ?? fc.boolean(),
      freeDModel: over.freeDModel ?? fc.integer({ min: 1, max: 16 }),
    }),
  );
}

const dModel = (a: Attn) => (a.explicitDK ? a.freeDModel : a.heads * a.dK);

/** Config entries every attention family declares. */
function attnConfig(a: Attn): string {
  const dm = dModel(a);
  return [`d_model = ${dm}`, `heads = ${a.heads}`, `d_ff = ${a.dFF}`, `layers = ${a.layers}`, `d_kv = ${a.dK}`, a.kvHeads ? `kv_heads = ${a.kvHeads}` : ''].filter(Boolean).join('\n    ');
}

/** Arguments of an `EncoderLayer`/`DecoderLayer`. */
function layerArgs(a: Attn): string {
  const args = [
    'd_model',
    'heads',
    'd_ff: d_ff',
    `norm: ${a.norm}`,
    `norm_kind: ${a.normKind}`,
    `activation: ${a.activation}`,
    `dropout: ${a.dropout}`,
    `bias: ${a.bias}`,
    `scaled: ${a.scaled}`,
  ];
  if (a.explicitDK) args.push('d_k: d_kv');
  if (a.kvHeads) args.push('kv_heads: kv_heads');
  if (a.rotary) args.push('rotary: true');
  return args.join(', ');
}

const normLayer = (kind: 'layer' | 'rms') => (kind === 'rms' ? 'RMSNorm(d_model)' : 'LayerNorm(d_model)');

function model(config: string, body: string): string {
  return `model Gen {\n  config {\n    ${config}\n  }\n\n${body
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => `  ${l.trim()}`)
    .join('\n')}\n}\n`;
}

/** batch 1–3, and one length per symbol in 1..max. */
function sizesArb(max: Record<string, number>): fc.Arbitrary<Sizes> {
  const entries = Object.entries(max);
  return fc.tuple(fc.integer({ min: 1, max: 3 }), ...entries.map(([, m]) => fc.integer({ min: 1, max: m }))).map(([batch, ...lens]) => ({
    batch,
    ...Object.fromEntries(entries.map(([k], i) => [k, lens[i]])),
  }));
}

// ---------------------------------------------------------------------------------------------
// Families

/** Encoder-only (BERT-like): token + position (+ segment) embeddings, optional padding mask, one of four heads. */
const encoderOnly: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb(),
    vocab: fc.integer({ min: 2, max: 40 }),
    maxLen: fc.integer({ min: 1, max: 12 }),
    positions: pick('learned', 'sinusoidal'),
    segments: fc.boolean(),
    embNorm: fc.boolean(),
    pad: fc.boolean(),
    head: pick('cls', 'mean', 'mlm', 'nsp', 'regression'),
    classes: fc.integer({ min: 2, max: 7 }),
  })
  .chain((g) =>
    sizesArb({ seq: g.maxLen }).map((sizes): Case => {
      const { a } = g;
      const body = [
        'input ids: int32[batch, seq] where seq <= max_len',
        g.segments ? 'input segments: int32[batch, seq]' : '',
        'let tok = Embedding(vocab, d_model)',
        `let pos = PositionEmbedding(max_len, d_model, kind: ${g.positions})`,
        g.segments ? 'let seg = Embedding(2, d_model)' : '',
        `let x = tok(ids) + pos(ids)${g.segments ? ' + seg(segments)' : ''}`,
        g.embNorm ? 'x = LayerNorm(d_model)(x)' : '',
        g.pad ? 'mask pad = padding(ids, pad: 0)' : '',
        `let encoder = repeat layers { EncoderLayer(${layerArgs(a)}) }`,
        `x = encoder(x${g.pad ? ', self_mask: pad' : ''})`,
      ];
      const { batch, seq } = sizes;
      let outputs: Record<string, number[]>;
      if (g.head === 'cls' || g.head === 'mean') {
        body.push(`output logits = ClassifierHead(d_model, classes, pool: ${g.head})(x)`, 'input labels: int32[batch]', 'loss ce = cross_entropy(logits, labels)');
        outputs = { logits: [batch, g.classes] };
      } else if (g.head === 'mlm') {
        body.push('output mlm_logits = MaskedLmHead(d_model, vocab, tied: tok)(x)', 'input mlm_labels: int32[batch, seq]', 'loss mlm = cross_entropy(mlm_logits, mlm_labels, ignore_index: -100)');
        outputs = { mlm_logits: [batch, seq, g.vocab] };
      } else if (g.head === 'nsp') {
        body.push('let pooled = Pooler(d_model)(x)', 'output nsp_logits = NextSentenceHead(d_model)(pooled)', 'input nsp_labels: int32[batch]', 'loss nsp = cross_entropy(nsp_logits, nsp_labels)');
        outputs = { nsp_logits: [batch, 2] };
      } else {
        body.push('output pred = RegressionHead(d_model, outputs: classes)(x)', 'input target: float32[batch, classes]', 'loss err = mse(pred, target)');
        outputs = { pred: [batch, g.classes] };
      }
      const config = `vocab = ${g.vocab}\n    max_len = ${g.maxLen}\n    classes = ${g.classes}\n    ${attnConfig(a)}`;
      return { family: 'encoder-only', spec: model(config, body.join('\n')), sizes, outputs };
    }),
  );

/** Decoder-only (GPT-like): causal (optionally & padding) self-attention, final norm, LM head (optionally tied). */
const decoderOnly: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb(),
    vocab: fc.integer({ min: 2, max: 40 }),
    ctx: fc.integer({ min: 1, max: 12 }),
    embedding: pick('learned', 'sinusoidal', 'token-block'),
    scale: fc.boolean(),
    padToo: fc.boolean(),
    tied: fc.boolean(),
  })
  .chain((g) =>
    sizesArb({ seq: g.ctx }).map((sizes): Case => {
      const { a } = g;
      const embed =
        g.embedding === 'token-block'
          ? [`let emb = TokenEmbedding(vocab, d_model, ctx, positions: learned, scale: ${g.scale}, dropout: ${a.dropout})`, 'let x = emb(ids)']
          : ['let wte = Embedding(vocab, d_model)', `let wpe = PositionEmbedding(ctx, d_model, kind: ${g.embedding})`, `let x = wte(ids)${g.scale ? ' * sqrt(d_model)' : ''} + wpe(ids)`];
      const tied = g.tied && g.embedding !== 'token-block';
      const body = [
        'input ids: int32[batch, seq] where seq <= ctx',
        ...embed,
        `mask self_mask = causal${g.padToo ? ' & padding(ids, pad: 0)' : ''}`,
        `let blocks = repeat layers { DecoderLayer(${layerArgs(a)}) }`,
        'x = blocks(x, self_mask: self_mask)',
        `let ln_f = ${normLayer(a.normKind)}`,
        `let lm_head = Linear(vocab, bias: false${tied ? ', tied: wte' : ''})`,
        'output logits = lm_head(ln_f(x))',
        'loss next_token = cross_entropy(logits, shift_left(ids))',
      ];
      const config = `vocab = ${g.vocab}\n    ctx = ${g.ctx}\n    ${attnConfig(a)}`;
      return { family: 'decoder-only', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, sizes.seq, g.vocab] } };
    }),
  );

/** Llama-like: grouped-query attention (kv_heads divides heads), RoPE, RMSNorm, no position table. */
const llamaLike: fc.Arbitrary<Case> = fc
  .record({ heads: pick(2, 4, 6), kvDiv: pick(1, 2, 3, 6), vocab: fc.integer({ min: 2, max: 40 }), ctx: fc.integer({ min: 1, max: 12 }) })
  .chain((g) => {
    const kvHeads = g.heads % g.kvDiv === 0 ? g.heads / g.kvDiv : g.heads;
    return fc
      .record({
        a: attnArb({ heads: fc.constant(g.heads), kvHeads: fc.constant(kvHeads), rotary: fc.constant(true), normKind: fc.constant('rms' as const), bias: fc.constant(false) }),
        sizes: sizesArb({ seq: g.ctx }),
      })
      .map(({ a, sizes }): Case => {
        const body = [
          'input ids: int32[batch, seq] where seq <= ctx',
          'let embed = Embedding(vocab, d_model)',
          'mask self_mask = causal',
          `let blocks = repeat layers { DecoderLayer(${layerArgs(a)}) }`,
          'let norm = RMSNorm(d_model)',
          'let lm_head = Linear(vocab, bias: false)',
          'output logits = lm_head(norm(blocks(embed(ids), self_mask: self_mask)))',
          'loss next_token = cross_entropy(logits, shift_left(ids))',
        ];
        const config = `vocab = ${g.vocab}\n    ctx = ${g.ctx}\n    ${attnConfig(a)}`;
        return { family: 'llama-like', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, sizes.seq, g.vocab] } };
      });
  });

/** Encoder-decoder (the original Transformer): cross-attention over the final encoder output, masks of each kind. */
const encoderDecoder: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb(),
    vocab: fc.integer({ min: 2, max: 40 }),
    tgtVocab: fc.integer({ min: 2, max: 40 }),
    shared: fc.boolean(),
    maxLen: fc.integer({ min: 1, max: 10 }),
    srcPad: fc.boolean(),
    memoryMask: fc.boolean(),
    tgtPad: fc.boolean(),
    finalNorms: fc.boolean(),
  })
  .chain((g) =>
    sizesArb({ src_len: g.maxLen, tgt_len: g.maxLen }).map((sizes): Case => {
      const { a } = g;
      const tgtVocab = g.shared ? g.vocab : g.tgtVocab;
      const body = [
        'input src: int32[batch, src_len] where src_len <= max_len',
        'input tgt: int32[batch, tgt_len] where tgt_len <= max_len',
        'let embed = Embedding(vocab, d_model)',
        g.shared ? '' : 'let tgt_embed = Embedding(tgt_vocab, d_model)',
        'let pos = PositionEmbedding(max_len, d_model, kind: sinusoidal)',
        g.srcPad || g.memoryMask ? 'mask src_mask = padding(src, pad: 0)' : '',
        `mask tgt_mask = causal${g.tgtPad ? ' & padding(tgt, pad: 0)' : ''}`,
        `let encoder = repeat layers { EncoderLayer(${layerArgs(a)}) }`,
        `let decoder = repeat layers { DecoderLayer(${layerArgs(a)}) }`,
        `let enc_out = encoder(embed(src) * sqrt(d_model) + pos(src)${g.srcPad ? ', self_mask: src_mask' : ''})`,
        g.finalNorms ? `memory enc = ${normLayer(a.normKind)}(enc_out)` : 'memory enc = enc_out',
        `let y = decoder(${g.shared ? 'embed' : 'tgt_embed'}(tgt) + pos(tgt), memory: enc, self_mask: tgt_mask${g.memoryMask ? ', memory_mask: src_mask' : ''})`,
        g.finalNorms ? `y = ${normLayer(a.normKind)}(y)` : '',
        `output logits = Linear(tgt_vocab, bias: false${g.shared ? ', tied: embed' : ''})(y)`,
        'input labels: int32[batch, tgt_len]',
        'loss nll = cross_entropy(logits, labels, label_smoothing: 0.1, ignore_index: 0)',
      ];
      const config = `vocab = ${g.vocab}\n    tgt_vocab = ${tgtVocab}\n    max_len = ${g.maxLen}\n    ${attnConfig(a)}`;
      return { family: 'encoder-decoder', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, sizes.tgt_len, tgtVocab] } };
    }),
  );

/** T5-like: pre-norm RMS layers without biases, d_kv independent of d_model / heads, relative position bias per stack. */
const t5Like: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb({ norm: fc.constant('pre' as const), normKind: fc.constant('rms' as const), bias: fc.constant(false), scaled: fc.constant(false), explicitDK: fc.constant(true) }),
    vocab: fc.integer({ min: 2, max: 40 }),
    // Some of these bucket settings are ill-defined (T5's bucketing needs 2 buckets per direction
    // and max_distance past the exact range): the checker must reject exactly those.
    buckets: fc.integer({ min: 1, max: 10 }),
    maxDistance: fc.integer({ min: 1, max: 16 }),
  })
  .chain((g) =>
    sizesArb({ src_len: 9, tgt_len: 9 }).map((sizes): Case => {
      const { a } = g;
      const body = [
        'input src: int32[batch, src_len]',
        'input tgt: int32[batch, tgt_len]',
        'let shared = Embedding(vocab, d_model)',
        'mask src_mask = padding(src, pad: 0)',
        'mask tgt_mask = causal',
        'let enc_bias = RelativePositionBias(heads, buckets: buckets, max_distance: max_distance, bidirectional: true)',
        `let encoder = repeat layers { EncoderLayer(${layerArgs(a)}) }`,
        'let x = shared(src)',
        'memory enc = RMSNorm(d_model)(encoder(x, self_mask: src_mask, pos_bias: enc_bias(x, x)))',
        'let dec_bias = RelativePositionBias(heads, buckets: buckets, max_distance: max_distance, bidirectional: false)',
        `let decoder = repeat layers { DecoderLayer(${layerArgs(a)}) }`,
        'let y = shared(tgt)',
        'y = RMSNorm(d_model)(decoder(y, memory: enc, self_mask: tgt_mask, memory_mask: src_mask, pos_bias: dec_bias(y, y)))',
        'output logits = Linear(vocab, bias: false, tied: shared)(y * d_model ^ -0.5)',
        'input labels: int32[batch, tgt_len]',
        'loss nll = cross_entropy(logits, labels)',
      ];
      const config = `vocab = ${g.vocab}\n    buckets = ${g.buckets}\n    max_distance = ${g.maxDistance}\n    ${attnConfig(a)}`;
      const wellDefined = (perDirection: number) => perDirection >= 2 && g.maxDistance > Math.floor(perDirection / 2);
      const rejectedWith = wellDefined(Math.floor(g.buckets / 2)) && wellDefined(g.buckets) ? undefined : 'TFM4008';
      return { family: 't5-like', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, sizes.tgt_len, g.vocab] }, rejectedWith };
    }),
  );

/** ViT-like: patch embedding of an H×W×C image, optional [CLS] token, learned positions, classifier on [CLS] or the mean. */
const vitLike: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb(),
    patch: pick(1, 2, 4),
    rows: fc.integer({ min: 1, max: 3 }),
    cols: fc.integer({ min: 1, max: 3 }),
    channels: fc.integer({ min: 1, max: 3 }),
    cls: fc.boolean(),
    classes: fc.integer({ min: 2, max: 7 }),
  })
  .chain((g) =>
    sizesArb({}).map((sizes): Case => {
      const { a } = g;
      const tokens = g.cls ? '(height / patch) * (width / patch) + 1' : '(height / patch) * (width / patch)';
      const body = [
        'input images: float32[batch, height, width, channels]',
        'let patch_embed = PatchEmbedding(patch, d_model)',
        g.cls ? 'let x = ClsToken(d_model)(patch_embed(images))' : 'let x = patch_embed(images)',
        `let pos_embed = PositionEmbedding(${tokens}, d_model, kind: learned)`,
        'x = x + pos_embed(x)',
        `let blocks = repeat layers { EncoderLayer(${layerArgs(a)}) }`,
        `let norm = ${normLayer(a.normKind)}`,
        `output logits = ClassifierHead(d_model, classes, pool: ${g.cls ? 'cls' : 'mean'})(norm(blocks(x)))`,
        'input labels: int32[batch]',
        'loss classification = cross_entropy(logits, labels)',
      ];
      const config = `patch = ${g.patch}\n    height = ${g.patch * g.rows}\n    width = ${g.patch * g.cols}\n    channels = ${g.channels}\n    classes = ${g.classes}\n    ${attnConfig(a)}`;
      return { family: 'vit-like', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, g.classes] } };
    }),
  );

/** Speech-like: one or two `same`-padded 1-D convolutions (stride 1 or 2) over feature frames, sinusoidal positions, a per-frame head. */
const speechLike: fc.Arbitrary<Case> = fc
  .record({
    a: attnArb(),
    nMels: fc.integer({ min: 1, max: 8 }),
    maxFrames: fc.integer({ min: 1, max: 16 }),
    convs: fc.array(fc.record({ kernel: pick(1, 3, 5), stride: pick(1, 2) }), { minLength: 1, maxLength: 2 }),
    vocab: fc.integer({ min: 2, max: 12 }),
  })
  .chain((g) =>
    sizesArb({ frames: g.maxFrames }).map((sizes): Case => {
      const { a } = g;
      const lets = g.convs.map((c, i) => `let conv${i + 1} = Conv1d(d_model, kernel: ${c.kernel}, stride: ${c.stride}, padding: ${(c.kernel - 1) / 2})`);
      const applied = g.convs.reduce((x, _c, i) => `gelu(conv${i + 1}(${x}))`, 'features');
      let t = sizes.frames;
      for (const c of g.convs) t = Math.floor((t + (c.kernel - 1) - c.kernel) / c.stride) + 1;
      const body = [
        'input features: float32[batch, frames, n_mels] where frames <= max_frames',
        ...lets,
        `let x = ${applied}`,
        'let pos = PositionEmbedding(max_frames, d_model, kind: sinusoidal)',
        'x = x + pos(x)',
        `let blocks = repeat layers { EncoderLayer(${layerArgs(a)}) }`,
        `output logits = Linear(vocab)(${normLayer(a.normKind)}(blocks(x)))`,
      ];
      const config = `n_mels = ${g.nMels}\n    max_frames = ${g.maxFrames}\n    vocab = ${g.vocab}\n    ${attnConfig(a)}`;
      return { family: 'speech-like', spec: model(config, body.join('\n')), sizes, outputs: { logits: [sizes.batch, t, g.vocab] } };
    }),
  );

/** Recurrent: RNN, LSTM or GRU as a seq2seq (the encoder's state starts the decoder), a tagger or a last-step classifier. */
const recurrent: fc.Arbitrary<Case> = fc
  .record({
    cell: pick('RNN', 'LSTM', 'GRU'),
    layers: fc.integer({ min: 1, max: 3 }),
    hidden: fc.integer({ min: 1, max: 12 }),
    emb: fc.integer({ min: 1, max: 12 }),
    bias: fc.boolean(),
    vocab: fc.integer({ min: 2, max: 30 }),
    shape: pick('seq2seq', 'tagger', 'classifier'),
  })
  .chain((g) =>
    sizesArb({ src_len: 7, tgt_len: 7 }).map((sizes): Case => {
      const rnn = `${g.cell}(hidden, layers: layers, bias: ${g.bias})`;
      const body =
        g.shape === 'seq2seq'
          ? [
              'input src: int32[batch, src_len]',
              'input tgt: int32[batch, tgt_len]',
              `let encoder = ${rnn}`,
              `let decoder = ${rnn}`,
              'memory state = encoder(Embedding(vocab, emb)(src)).state',
              'let y = decoder(Embedding(vocab, emb)(tgt), init: state)',
              'output logits = Linear(vocab)(y)',
              'input labels: int32[batch, tgt_len]',
              'loss nll = cross_entropy(logits, labels)',
            ]
          : [
              'input src: int32[batch, src_len]',
              `let y = ${rnn}(Embedding(vocab, emb)(src))`,
              g.shape === 'tagger' ? 'output logits = Linear(vocab)(y)' : 'output logits = Linear(vocab)(take(y, axis: 1, index: -1))',
            ];
      const config = `vocab = ${g.vocab}\n    emb = ${g.emb}\n    hidden = ${g.hidden}\n    layers = ${g.layers}`;
      const outputs = { logits: g.shape === 'seq2seq' ? [sizes.batch, sizes.tgt_len, g.vocab] : g.shape === 'tagger' ? [sizes.batch, sizes.src_len, g.vocab] : [sizes.batch, g.vocab] };
      return { family: `recurrent (${g.cell})`, spec: model(config, body.join('\n')), sizes, outputs };
    }),
  );

/** Title, generator, and how many runs per `RUNS` (T5's generator also makes specs the checker must reject). */
export const FAMILIES: Array<[string, fc.Arbitrary<Case>, number?]> = [
  ['encoder-only (BERT-like) with a head', encoderOnly],
  ['decoder-only (GPT-like), causal', decoderOnly],
  ['Llama-like: GQA, RoPE, RMSNorm, SwiGLU', llamaLike],
  ['encoder-decoder with cross-attention', encoderDecoder],
  ['T5-like with relative position bias', t5Like, 2],
  ['ViT-like with patches and [CLS]', vitLike],
  ['speech-like with a conv front-end', speechLike],
  ['RNN / LSTM / GRU', recurrent],
];

/** fast-check parameters for a family: `RUNS` times its factor, with the fixed seed unless told otherwise. */
export function runParameters(factor = 1, runs = RUNS): fc.Parameters<unknown> {
  return SEED === undefined ? { numRuns: runs * factor } : { numRuns: runs * factor, seed: SEED };
}
