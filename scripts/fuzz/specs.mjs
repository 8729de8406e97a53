/**
 * A generator of valid specs whose every name is chosen to break generated code: Python and
 * TypeScript keywords and builtins, the names `model.py` and the generated module bind (`torch`,
 * `rt`, `tf`, `INPUTS`, `forward`), `torch.nn.Module` attributes (`train`, `to`), names Python
 * mangles (`__x`), JavaScript's prototype names (`__proto__`, `constructor`), and user blocks
 * named like the standard library's. The structure varies too: block parameters, named `out`s,
 * free parameters, stacks (shared or not, of blocks or of layers), a block or stack applied twice,
 * modules never applied and results never used, losses. Deterministic for a seed.
 *
 * Also the mutator of `npm run fuzz` ({@link mutate}): token deletions, swaps, number and
 * identifier changes. Plain JavaScript, so the soak script runs it against `dist/` (types:
 * `specs.d.mts`); the name fuzzer of the tests imports it too.
 */

/** A small deterministic PRNG (mulberry32): a function giving numbers in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Identifiers hostile to one generated language or the other (all valid `.tfm` names). */
export const HOSTILE_NAMES = [
  // Python keywords, soft keywords and builtins
  'lambda', 'None', 'True', 'def', 'from', 'pass', 'yield', 'global', 'nonlocal', 'async', 'match', 'case', 'type', 'del', 'is', 'not',
  'list', 'dict', 'range', 'len', 'print', 'super', 'object', 'getattr', 'setattr', 'isinstance', 'Exception', 'RuntimeError', 'str', 'id',
  // model.py's own names
  'self', 'torch', 'nn', 'F', 'math', 'rt', 'dataclass', 'result', 'layer', 'INITS', 'INPUTS', 'FORWARD_ARGS', 'BOUNDS', 'OUTPUTS',
  'LOSSES', 'PARAMETERS', 'Config', 'Model', 'build_model', 'tfmc_runtime', 'x', 'out_', 'ids', 'flags',
  // torch.nn.Module attributes, private attributes and mangled names
  'train', 'training', 'eval', 'to', 'cuda', 'half', 'forward', 'parameters', 'modules', 'state_dict', 'apply', 'zero_grad',
  'register_buffer', 'add_module', 'config_', '_modules', '_parameters', '_buffers', '__x', '__init__', '__class__', '__dict__', '_', '__',
  // TypeScript / JavaScript reserved words, globals and the generated module's names
  'tf', 'Math', 'class', 'delete', 'new', 'function', 'var', 'const', 'this', 'void', 'typeof', 'instanceof', 'switch', 'default',
  'enum_', 'interface', 'let_', 'await', 'arguments', 'eval_', 'constructor', 'prototype', '__proto__', 'hasOwnProperty', 'toString',
  'valueOf', 'undefined', 'NaN', 'Infinity', 'Object', 'Array', 'Promise', 'JSON', 'console', 'globalThis', 'params', 'inputs',
  'outputs', 'options', 'batch_', 'PARAMS', 'createParams', 'setWeights', 'predict', 'losses', 'trainStep', 'Inputs', 'Outputs',
  'Labels', 'Batch', 'Losses', 'linear', 'gelu', 'softmax', 'layerNorm',
  // runtime and layer names
  'Linear', 'LayerNorm', 'Embedding', 'Tensor', 'Module', 'ModuleList', 'Parameter', 'Dropout',
];

/** Standard-library block names a user block may take (the spec then does not use the std one). */
const STD_LIKE_BLOCKS = ['MultiHeadAttention', 'FeedForward', 'LayerNorm', 'Linear', 'Attention', 'MLP', 'Embedding', 'RMSNorm', 'Dropout', 'EncoderLayer'];

/** `count` specs for `seed`; `spec i` of a seed is always the same text. */
export function nameSpecs(seed, count) {
  return Array.from({ length: count }, (_, i) => ({ id: `names_${seed}_${i}`, source: nameSpec(seed * 7919 + i) }));
}

/** What the generated specs call from the standard library: no user block or binding takes these names. */
const CALLED = ['Linear', 'LayerNorm', 'Embedding', 'FeedForward', 'relu', 'gelu', 'silu', 'tanh', 'mean', 'cross_entropy', 'param', 'scale'];

/** One valid spec with hostile names. */
export function nameSpec(seed) {
  const r = rng(seed);
  const chance = (p) => r() < p;
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  // Every name in a spec is distinct (a scope may not bind a name twice, and distinct names keep
  // the generator simple); a hostile name may get a suffix so that pools do not run dry.
  const used = new Set();
  const fresh = (pool = HOSTILE_NAMES) => {
    for (let k = 0; ; k++) {
      const base = pick(pool);
      const name = k < 8 ? base : `${base}_${k}`;
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  };
  // Names the spec calls: a user block must not take one of them.
  const blockName = fresh((chance(0.5) ? STD_LIKE_BLOCKS : HOSTILE_NAMES).filter((n) => !CALLED.includes(n)));
  const second = chance(0.5) ? fresh(STD_LIKE_BLOCKS.filter((n) => !CALLED.includes(n) && n !== blockName)) : undefined;
  for (const n of CALLED) used.add(n);

  const lines = [];
  // Block 1: a parameter, a port, layers, an optional free parameter, named out, unused layer.
  const p = fresh();
  const port = fresh();
  const proj = fresh();
  const norm = fresh();
  const hidden = fresh();
  const named = chance(0.5) ? fresh() : undefined;
  const free = chance(0.4) ? fresh() : undefined;
  const unusedLayer = chance(0.3) ? fresh() : undefined;
  const act = pick(['relu', 'gelu', 'silu', 'tanh']);
  lines.push(`block ${blockName}(${p}: int) {`);
  lines.push(`  in ${port}: float32[B, T, ${p}]`);
  lines.push(`  let ${proj} = Linear(${p})`);
  lines.push(`  let ${norm} = LayerNorm(${p})`);
  if (free) lines.push(`  let ${free} = param([${p}], init: ${pick(['normal', 'ones', 'zeros'])})`);
  if (unusedLayer) lines.push(`  let ${unusedLayer} = Linear(${p})`);
  lines.push(`  let ${hidden} = ${act}(${proj}(${norm}(${port})))${free ? ` * ${free}` : ''}`);
  lines.push(`  out ${hidden} + ${port}`);
  if (named) lines.push(`  out ${named} = mean(${hidden}, axis: 1)`);
  lines.push('}');

  // Block 2 (optional): a block named like a layer or std block, with a named argument.
  const q = fresh();
  const qPort = fresh();
  const inner = fresh();
  if (second) {
    lines.push('');
    lines.push(`block ${second}(${q}: int, scale: float = 0.5) {`);
    lines.push(`  in ${qPort}: float32[N, S, ${q}]`);
    lines.push(`  let ${inner} = Linear(${q}, bias: false)`);
    lines.push(`  out ${inner}(${qPort}) * scale`);
    lines.push('}');
  }

  // The model.
  const model = fresh();
  const d = fresh();
  const vocab = fresh();
  const ids = fresh();
  const labels = fresh();
  const emb = fresh();
  const inst = fresh();
  const h = fresh();
  const logits = fresh();
  const head = fresh();
  const width = 2 * (1 + Math.floor(r() * 4));
  lines.push('');
  lines.push(`model ${model} {`);
  lines.push(`  config { ${d} = ${width}  ${vocab} = ${5 + Math.floor(r() * 6)} }`);
  lines.push(`  input ${ids}: int32[batch, seq] where seq <= 16`);
  lines.push(`  let ${emb} = Embedding(${vocab}, ${d})`);
  lines.push(`  let ${inst} = ${blockName}(${chance(0.5) ? `${p}: ` : ''}${d})`);
  lines.push(`  let ${h} = ${inst}(${emb}(${ids}))`);
  let current = h;
  if (chance(0.5)) {
    // A block applied twice (one module, two calls).
    const again = fresh();
    lines.push(`  let ${again} = ${inst}(${current})`);
    current = again;
  }
  if (chance(0.6)) {
    const stack = fresh();
    const stacked = fresh();
    const shared = chance(0.3) ? ' shared' : '';
    const body = chance(0.5) ? `${blockName}(${d})` : second && chance(0.5) ? `${second}(${d})` : chance(0.5) ? `Linear(${d})` : `FeedForward(${d}, ${2 * width})`;
    lines.push(`  let ${stack} = repeat ${1 + Math.floor(r() * 3)}${shared} { ${body} }`);
    lines.push(`  let ${stacked} = ${stack}(${chance(0.3) ? `${stack}(${current})` : current})`); // sometimes applied twice
    current = stacked;
  }
  if (second) {
    const s = fresh();
    const sOut = fresh();
    lines.push(`  let ${s} = ${second}(${d}, scale: 0.25)`);
    lines.push(`  let ${sOut} = ${s}(${current})`);
    current = sOut;
  }
  if (chance(0.4)) {
    // A block instance never applied, and an application whose result is never used.
    lines.push(`  let ${fresh()} = ${blockName}(${d})`);
  }
  if (chance(0.4)) lines.push(`  let ${fresh()} = ${inst}(${h})`);
  if (chance(0.3)) lines.push(`  let ${fresh()} = Linear(${d})`);
  lines.push(`  let ${head} = Linear(${vocab})`);
  lines.push(`  output ${logits} = ${head}(${current})`);
  if (named) lines.push(`  output ${fresh()} = ${h}.${named}`);
  if (chance(0.6)) {
    lines.push(`  input ${labels}: int32[batch, seq]`);
    lines.push(`  loss ${fresh()} = cross_entropy(${logits}, ${labels})`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Tokens of `.tfm` text, spaces and comments included, so joining them gives the text back. */
const TOKEN = /\s+|\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?|&&|\|\||==|!=|<=|>=|[^]/g;

const NUMBERS = ['0', '1', '2', '3', '7', '64', '0.5', '1e-6', '1e9', '100000000', '2.5', '-1'];
const KEYWORDS = ['import', 'block', 'model', 'extends', 'config', 'input', 'in', 'out', 'output', 'let', 'loss', 'mask', 'expect', 'if', 'else', 'repeat', 'where', 'enum', 'true', 'false', 'shared', 'replace', 'memory'];

/**
 * `source` with 1 or 2 random edits: delete a token, swap two neighbouring tokens, replace a
 * number, or replace a name (by another name of the file, a hostile name or a keyword).
 * Returns the text and what was done, e.g. `delete "(" at 812`.
 */
export function mutate(source, seed) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const tokens = source.match(TOKEN) ?? [];
  const solid = () => tokens.map((t, i) => (/^\s|^\/\//.test(t) ? -1 : i)).filter((i) => i >= 0);
  const names = [...new Set(tokens.filter((t) => /^[A-Za-z_]/.test(t)))];
  const edits = [];
  const count = 1 + Math.floor(r() * 2);
  for (let k = 0; k < count; k++) {
    const at = solid();
    if (at.length < 2) break;
    const numbers = at.filter((i) => /^\d/.test(tokens[i]));
    const idents = at.filter((i) => /^[A-Za-z_]/.test(tokens[i]));
    const kind = r();
    // Mostly edits that keep the syntax (numbers, names), so that the checker's rules and the
    // backends see the results, not only the parser.
    if (kind < 0.4 && numbers.length) {
      const i = pick(numbers);
      const before = tokens[i];
      tokens[i] = pick(NUMBERS);
      edits.push(`number ${before} -> ${tokens[i]}`);
    } else if (kind < 0.75 && idents.length) {
      const i = pick(idents);
      const before = tokens[i];
      tokens[i] = r() < 0.6 ? pick(names) : r() < 0.6 ? pick(HOSTILE_NAMES) : pick(KEYWORDS);
      edits.push(`name ${before} -> ${tokens[i]}`);
    } else if (kind < 0.9) {
      const i = pick(at);
      edits.push(`delete ${JSON.stringify(tokens[i])}`);
      tokens.splice(i, 1);
    } else {
      const x = Math.floor(r() * (at.length - 1));
      const [i, j] = [at[x], at[x + 1]];
      edits.push(`swap ${JSON.stringify(tokens[i])} ${JSON.stringify(tokens[j])}`);
      [tokens[i], tokens[j]] = [tokens[j], tokens[i]];
    }
  }
  return { source: tokens.join(''), edits };
}
