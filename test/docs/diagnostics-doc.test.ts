/**
 * Generates docs/diagnostics.md, the reference of every diagnostic code, and keeps it honest:
 *
 * - every code in `CODES` is documented, in catalogue order, with its title and default severity
 *   (both read from `CODES`), and a hand-written explanation of the rule and why it exists (below);
 * - every code has at least one case in the invalid-spec corpus (test/fixtures/invalid/*.tfm whose
 *   `// expect:` line names it), unless it is listed in `NO_CORPUS_CASE` with the reason;
 * - the example for a code is that corpus file, verbatim, and the output shown is what tfmc
 *   reports for it: the one-line form must equal the case's golden `.expected`, and the full
 *   human rendering is included too.
 *
 * With UPDATE_GOLDEN=1 the file is rewritten; otherwise it is compared, so a change to a message,
 * a corpus case or an explanation shows up in review as a diff of docs/diagnostics.md.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES, checkFile, type Diagnostic } from '../../src/index.js';
import { renderDiagnostic } from '../../src/render/human.js';
import { escapeUnsafe } from '../../src/util/unsafe-text.js';
import { expectGolden, updatingGolden } from '../helpers/golden.js';

const ROOT = join(import.meta.dirname, '../..');
const CORPUS = join(ROOT, 'test/fixtures/invalid');
const DOC = join(ROOT, 'docs/diagnostics.md');

type Code = keyof typeof CODES;

/** Codes that cannot be triggered by checking one corpus file, and why. Keep this list short. */
const FILES_AND_DATA = 'it is about the files a command reads and writes, not about a spec; the command line reports it (exit 1)';

const NO_CORPUS_CASE: Partial<Record<Code, string>> = {
  TFM6001: `${FILES_AND_DATA}, covered by test/cli/output-guard.test.ts`,
  TFM6002: `${FILES_AND_DATA}, covered by test/cli/output-guard.test.ts`,
  TFM6003: `${FILES_AND_DATA}, covered by test/cli/fmt-permissions.test.ts and test/cli/init-atomic.test.ts`,
  TFM6004: `${FILES_AND_DATA}, covered by test/weights/weight-files.test.ts`,
  TFM6005: `${FILES_AND_DATA}, covered by test/weights/weight-files.test.ts`,
  TFM6006: `${FILES_AND_DATA}, covered by test/weights/weight-files.test.ts`,
  TFM6007: `${FILES_AND_DATA}, covered by test/cli/train-lock.test.ts`,
  TFM6008: 'it is about the memory a training step needs at the --batch and --seq of a run, which `tfmc check` does not know: `tfmc train` reports it before allocating the weights (exit 1), covered by test/cli/train-memory.test.ts',
  TFM6101: `${FILES_AND_DATA}, covered by test/cli/hf.test.ts`,
  TFM6102: `${FILES_AND_DATA}, covered by test/cli/hf.test.ts`,
  TFM6103: `${FILES_AND_DATA}, covered by test/cli/hf.test.ts and test/weights/hf/refusals.test.ts`,
  TFM6104: `${FILES_AND_DATA}, covered by test/cli/hf.test.ts`,
  TFM7001: 'a spec that checks clean can still use an op one target cannot express: `tfmc compile --target onnx` reports it, not `tfmc check` (covered by test/backends/onnx/export.test.ts and test/cli/compile-onnx.test.ts)',
  TFM4011:
    'checking a spec allocates nothing, so `tfmc check` never reports it: building a model does (`tfmc compile --target tfjs`, `train`, `predict`, `compile(spec)`), covered by test/cli/limits.test.ts',
  TFM1011:
    'a corpus case would be a file of more than 8 MiB or with a line of more than 65,536 characters, shown here verbatim; test/cli/limits.test.ts checks a 50 MiB file and a 100,000-character line',
  TFM1012:
    'a corpus case would be a FIFO or a device, which git cannot store; test/cli/limits.test.ts checks a FIFO and /dev/zero',
  TFM2019:
    'only the library (`summarizeFile(path, { model })`) reports it as a diagnostic; on the command line a `--model` the file does not declare is a usage error (exit 2, covered by test/cli/check.test.ts)',
};

/** Which corpus case illustrates a code when several do (default: the first by file name). */
const PREFERRED: Partial<Record<Code, string>> = {
  TFM1004: 'syntax-missing-equals.tfm',
  TFM1006: 'out-in-model.tfm',
  TFM2001: 'unknown-name-typo.tfm',
  TFM2002: 'duplicate-let.tfm',
  TFM2004: 'model-extends-itself.tfm',
  TFM2005: 'unknown-argument-typo.tfm',
  TFM2013: 'import-not-found.tfm',
  TFM2014: 'unknown-config-key-extends.tfm',
  TFM2018: 'call-a-tensor.tfm',
  TFM3001: 'residual-width-mismatch.tfm',
  TFM3003: 'heads-not-divisible.tfm',
  TFM3004: 'cross-attention-width-mismatch.tfm',
  TFM3005: 'padding-mask-on-decoder-self-attention.tfm',
  TFM3007: 'positional-table-unbounded.tfm',
  TFM3008: 'wrong-rank.tfm',
  TFM3009: 'ids-into-linear.tfm',
  TFM3010: 'non-positive-repeat.tfm',
  TFM3012: 'layernorm-width-mismatch.tfm',
  TFM3013: 'conv-groups-not-dividing.tfm',
  TFM3014: 'reshape-element-count.tfm',
  TFM3015: 'reshape-unknown-size.tfm',
  TFM3016: 'ids-range-exceeds-embedding.tfm',
  TFM4001: 'bool-in-arithmetic.tfm',
  // The `activation: gleu` case (unknown-enum-value.tfm) is the better example once it reports TFM4002.
  TFM4002: 'unknown-enum-value-set.tfm',
  TFM4003: 'expect-params-failed.tfm',
  TFM4006: 'model-without-output.tfm',
  TFM4008: 'dropout-out-of-range.tfm',
};

/** What each rule means and why it exists. Written by hand; the test fails if one is missing. */
const EXPLANATIONS: Record<Code, string> = {
  TFM1001:
    'The lexer met a character that cannot start any token of `.tfm`: `#`, `$`, a backtick, a single `|`, a single-quoted string, or a stray Unicode symbol. ' +
    'Comments start with `//`, strings use double quotes, and `||` is logical or. ' +
    'The character is skipped and the rest of the file is still parsed, so later syntax errors are found too (a parse error on the same line is not reported, as it almost always follows from the bad character).',
  TFM1002:
    'A string literal (such as an import path) has no closing `"` before the end of its line. Strings cannot span lines. ' +
    'The literal is taken to end at the line end, so the following lines are parsed normally and one missing quote gives one report.',
  TFM1003:
    'A `/*` comment has no closing `*/`, so everything after it, to the end of the file, is comment. ' +
    'It is an error rather than something to tolerate because the declarations it swallows silently disappear. Block comments do not nest.',
  TFM1004:
    'The tokens do not form a valid declaration, statement or expression: a missing `=`, `,`, `)` or `}`, a keyword used as a name, and so on. ' +
    'The parser reports the first unexpected token of each mistake (at most one per line) and resynchronises at the next statement or declaration, so independent mistakes in one file are each reported once. ' +
    'Names, shapes and expectations are not checked in a file with syntax errors: those results would describe a guess at the file, not the file.',
  TFM1005:
    'A number is written in a form `.tfm` does not accept: `_` that is not between two digits (`30__522`, `1_024_`), an exponent without digits (`1e`), or digits running into letters (`3px`). ' +
    'Accepting such literals would let a typo change a size silently; `_` is only a digit separator (`50_257`).',
  TFM1006:
    'A statement that is valid syntax appears where it has no meaning. A block takes its configuration as parameters and gives its result with `out`, and declares ports with `in`; ' +
    'a model has a `config` section, declares `input`s and names its results with `output` and `loss`. ' +
    '`replace` belongs only at the top level of a model that `extends` another, where it names the binding of the base it takes the place of; in a block, in a model that extends none, or inside an `if`, there is no binding it could replace.',
  TFM1007:
    'A backslash in a string is followed by something other than `\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\0` or `\\u{...}` (1 to 6 hex digits naming a Unicode scalar value). ' +
    'The usual cause is a Windows path separator in an import; write `/`, which works on every platform.',
  TFM1008:
    'A number literal cannot stand for the number it spells. Numbers are 64-bit floats, which count exactly only up to 2^53 − 1 (9_007_199_254_740_991): a larger integer literal would silently become a neighbour (`9007199254740993` reads as ...992), ' +
    'a float beyond about 1.8e308 (`1e309`) would be infinity, and a non-zero one below about 5e-324 would be 0. The literal is refused rather than changed; write a float (`1e18`) where an approximate size will do.',
  TFM1009:
    'A Unicode bidirectional control character (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) appears outside a comment, in the code or inside a string. ' +
    'These characters change the order in which a line is displayed without changing the order in which it is read, so a spec can look different from what it does (the "Trojan Source" attack). ' +
    'They are allowed in comments, where they cannot change meaning; a string that needs one writes it as an escape, `"\\u{202e}"`. Diagnostics never print them raw.',
  TFM1010:
    'A spec file is not valid UTF-8: a byte sequence at the reported position does not encode a character (often a file saved as Latin-1 or UTF-16, or a binary file). ' +
    'Decoding it anyway would replace the bytes with U+FFFD and check a spec its author never wrote, so the file is refused as a whole; the position is that of the first bad byte.',
  TFM1011:
    'A spec file is larger than 8 MiB, or one of its lines is longer than 65,536 characters. A spec is read whole and every token is kept until it is checked, so a file of tens of megabytes would take gigabytes of memory; ' +
    'the size is looked up before the file is read, so a huge file is refused at once. Specs are small (a 10,000-line spec is some 300 KB), so the usual cause is the wrong file, or generated text on one line. ' +
    '`TFMC_MAX_SOURCE_BYTES` and `TFMC_MAX_LINE_LENGTH` raise the limits (docs/limits.md).',
  TFM1012:
    'The path names something that is not a regular file: a device such as `/dev/zero` (which never ends), a FIFO (whose read would wait for a writer forever) or a socket. It is refused without being read.',
  TFM2001:
    'A name is not defined where it is used: a value, config key, block, layer or function, a dtype, a field of a result (`.state`), the base model of `extends`, ' +
    'or the binding a variant\'s `replace` names (the base must bind it at its top level, with the same keyword: `replace output logits` for `output logits`). ' +
    'Names are resolved lexically: a model sees its config, its inputs, its earlier bindings and the global blocks (its file, its imports, the standard library, the primitives); ' +
    'a block sees its parameters, its ports and its own bindings, never the model that uses it. The help suggests the closest visible name.',
  TFM2002:
    'A name is defined twice in one scope: two `let`s, two config keys, or two blocks or models in one file. ' +
    'A variant that binds a name its base binds is the same mistake unless it says `replace`, which states that the base\'s binding is meant to go. ' +
    'Reassigning a config value or block parameter in a body is the same mistake, since those are constants. ' +
    'A value is rebound without `let` (`x = norm(x)`); a second `let` of the same name is almost always a copy-paste slip that would hide the first value.',
  TFM2003:
    'A name is used above the `let`, `mask` or `memory` statement (or config entry) that defines it. ' +
    'A body is read top to bottom, as the data flow of the network, so a definition must come before its first use.',
  TFM2004:
    'A definition depends on itself: a model `extends` itself, directly or through a chain of variants, or a block instantiates itself without end. ' +
    'Neither describes a finite network. Every chain of `extends` must end at a model with a body.',
  TFM2005:
    'A named argument matches no parameter of the block, or no argument of the primitive, it is given to. ' +
    'Without this check a misspelt option (`d_ffn:` for `d_ff:`) would be ignored and the default used silently. The help suggests the closest name.',
  TFM2006:
    'A required argument (a block parameter without a default, a required input port, or a required argument of a primitive) is not given.',
  TFM2007:
    'The same argument is given twice, by name twice or once by position and once by name. Which one should win is not obvious, so neither does.',
  TFM2008:
    'More positional arguments are given than the callee has parameters. A common source is a PyTorch signature used by habit, such as `Embedding(num, dim, padding_idx)`. ' +
    'The help lists the arguments the callee takes.',
  TFM2009:
    'A `let` binding is never read (a warning). Usually a layer was built but never applied, such as a forgotten final LayerNorm, or a value was recomputed and the old one left behind. ' +
    'Name it with a leading `_` if that is intended.',
  TFM2010:
    'A model input or block port is never read (a warning), for example segment ids declared but no token-type embedding. ' +
    'Name it with a leading `_` if that is intended.',
  TFM2011:
    'A file imports itself, directly or through other files. Imports must form an acyclic graph so that every file\'s global scope is well defined and loading terminates. ' +
    'Move the blocks both files need into a third file that both import.',
  TFM2012:
    'An import resolves, after following symbolic links, to a file outside the workspace: the nearest folder above the checked file holding `package.json`, `.git` or `tfmc.json`. ' +
    'This keeps a check reproducible from the project alone and stops a spec from reading arbitrary files.',
  TFM2013:
    'An imported file does not exist. Relative paths are resolved from the importing file\'s folder; `std/...` names a file of the standard library, whose files the help lists.',
  TFM2014:
    'A variant (`extends`) or a `--set key=value` override names a config key that the model does not declare. ' +
    'Overrides can only change existing keys; otherwise a typo in an override would leave the default in place without a word.',
  TFM2016:
    'A `mask` is declared but never passed to an attention. This is an error, not a warning: the model would still check and train, attending to padding or to future tokens, ' +
    'which is a silent correctness bug rather than dead code.',
  TFM2017:
    'A `memory` (an encoder output meant for cross-attention) is declared but never given to a decoder. ' +
    'The decoder would then ignore the source sequence entirely, which, like an unused mask, trains without complaint and is therefore an error.',
  TFM2018:
    'A value of the wrong kind is used where the language needs a specific kind: calling something that is not a layer, block or function (such as a tensor), ' +
    'a `repeat` body that does not build a layer or block, `tied:` naming a module that has no weight, or `mask`/`memory` bound to something that is not a tensor.',
  TFM2020:
    'An import path that would mean different things on different systems, or names something that is not a spec: a backslash (a separator on Windows, an ordinary character elsewhere), ' +
    'a drive letter, a URL (`file://...`), or a file not named `.tfm`. Import paths are `/`-separated and name `.tfm` files, so a spec checks the same everywhere and an import can never make tfmc read a file that is not a spec.',
  TFM2019:
    'A command asked for a model by name (`tfmc summary --model NAME`) and the file has no model of that name. The help lists the models it has.',
  TFM3001:
    'Two shapes that must agree do not: the operands of an elementwise `+ - * /` (which broadcast as in NumPy: shapes align on the right and a size of 1 stretches), ' +
    'the logits and targets of a loss, or a recurrent layer and its initial state. The labels name the differing dimension and where each size was set. ' +
    'A residual connection around a layer that changes the width is the classic case.',
  TFM3002:
    '`a @ b` multiplies `[..., m, k]` by `[..., k, n]`: the last dimension of the left side must equal the second-to-last of the right. ' +
    'Most often the right side should be transposed (`q @ transpose(k)` for attention scores); the help says so when the transposed shape would fit.',
  TFM3003:
    'Multi-head attention splits the feature axis into `heads` equal parts of size `d_k = d_model / heads`, so `d_model` must be divisible by `heads`. ' +
    '`/` is exact in `.tfm`, so `512 / 6` is not silently rounded to 85 (which would change the model). The help lists the nearest head counts that divide evenly.',
  TFM3004:
    'A tensor passed to a block does not match the shape declared by the port it is bound to (its rank, or a dimension). ' +
    'Shape variables such as `B` and `T` bind on first use within one application and must agree across ports; lowercase names are the block\'s parameters. ' +
    'Feeding a 256-wide encoder output to the cross-attention of a 512-wide decoder is the classic case.',
  TFM3005:
    'A mask (`[batch | 1, queries | 1, keys]`) does not fit the attention it is applied to. Typical causes: a padding mask built from the other sequence ' +
    '(the source mask on decoder self-attention), or a causal mask, which is square, on cross-attention whose queries and keys come from sequences of different lengths.',
  TFM3006:
    '`Linear(out, tied: emb)` reuses another layer\'s weight, such as the `[vocab, d]` table of an `Embedding`, as its own. ' +
    'That requires `out` to equal the table\'s rows and the input width to equal its columns; a factorised or projected embedding breaks this.',
  TFM3007:
    'A position table (`PositionEmbedding(max_len, ...)`) has `max_len` rows, but the sequence it is applied to is not known to fit: ' +
    'its input length is unbounded or bounded by more than `max_len`. Longer sequences would index past the table at run time. Declare the bound on the input, e.g. `where seq <= ctx`.',
  TFM3008:
    'A tensor has the wrong number of axes for the operation: e.g. `[batch, samples]` given to `Conv1d`, which needs `[batch, time, channels]`; ' +
    'an axis or index out of range; a loss that is not a scalar; or a symbolic axis where a concrete width is needed.',
  TFM3009:
    'A tensor has the wrong element type. `.tfm` distinguishes int32 token ids, float32 features and masks: ids must go through an `Embedding` before any arithmetic or `Linear`, ' +
    'an `Embedding` looks up ids (not features), and masks are only applied to attention scores, never used as data.',
  TFM3010:
    'A size is zero or negative: a dimension, the width of a layer, a head count, a `repeat` count, or a `where` bound that no length can satisfy. ' +
    'Such a layer would have no parameters or output, which is never what was meant; to remove a part, write a model without it.',
  TFM3011:
    'A size is not a whole number. `/` on integers is exact, so `8 * 512 / 3` is 1365.33, a number and not an integer: using it as a size is an error rather than a silent floor, ' +
    'which would change the model\'s shape and parameter count. Round explicitly in the config. Images that do not split evenly into patches are reported the same way.',
  TFM3012:
    'A layer built for one width receives features of another: `LayerNorm(d)` or `RMSNorm(d)` normalises exactly `d` features, and a shared layer applied twice must see the same width both times. ' +
    'Usually the layer is applied at the wrong place (a norm after a projection instead of before it).',
  TFM3013:
    'An axis must split into equal parts and does not: a convolution\'s `groups` must divide both its input and its output channels (each group convolves C/groups channels into out/groups outputs; ' +
    '`groups` = C is a depthwise convolution), and `glu` halves its axis into values and gates, so the axis must have an even, known size. The label is on the argument to change; the help suggests group counts that divide evenly.',
  TFM3014:
    'A `reshape` or `split_axis` asks for a shape with a different number of entries than its input has: `[batch, 56, 56, 96]` can become `[batch, 8, 7, 8, 7, 96]` or `[batch * 64, 49, 96]`, ' +
    'but not `[batch, 49, 96]`. Symbolic sizes count too: each must appear on both sides, alone or multiplied into another size. The labels give both products.',
  TFM3015:
    'A size in a `reshape` target names a dimension that no axis of the input mentions, usually a typo (`seqq`) or the axis of another tensor. A reshape rearranges the entries it has; ' +
    'its symbolic sizes must come from the input, so the help lists the input\'s named sizes.',
  TFM3016:
    'A model input declares the values it holds (`input ids: int32[batch, seq] in [0, vocab)`), and a table it indexes is smaller: an `Embedding` with fewer rows than the declared ids, ' +
    'the run-time "index out of range" of every framework, found before anything runs. The table size written at the layer is what the help changes (to the config key holding the size, when one does); ' +
    'if the range is what is wrong, narrow it. `train` and `predict` also check real data against the declared range. ' +
    'The same holds for class targets: targets from an input declared `in [0, vocab)` given to `cross_entropy` with logits of fewer than `vocab` classes.',
  TFM5001:
    'A softmax over the second-to-last axis of attention scores. Scores `q @ transpose(k)` are `[..., queries, keys]`, and each query\'s weights must sum to 1 over the keys, the last axis; ' +
    'normalising over the queries is shape-correct, trains, and is wrong. It is recognised through scaling, biases and masking. When it is meant, end the line with `// tfmc: allow TFM5001`.',
  TFM5002:
    'A language model trained on next-token targets (`shift_left(ids)`) whose self-attention over the same sequence has no causal mask: every position can look at the token it must predict. ' +
    'The training loss drops to almost nothing and generation is useless. The label sits on the call that applies the attention; the fix passes `self_mask: causal`. An encoder trained this way on purpose silences it with `// tfmc: allow TFM5002`.',
  TFM5003:
    'A sequence loss whose target is the very input the logits are computed from (`cross_entropy(logits, ids)`): each position is asked for its own token. With a causal mask the model learns to copy. ' +
    'A language model predicts the next token, `shift_left(ids)`; the fix wraps the target. Copying on purpose (an autoencoder) silences it with `// tfmc: allow TFM5003`.',
  TFM5004:
    'A classification loss whose targets are ids the model also looks up in an `Embedding`, and the logits have fewer classes than that table has rows: a language-model head narrower than the vocabulary (`Linear(d_model)` for `Linear(vocab)`, or a vocabulary grown for added tokens but not at the head). ' +
    'Ids the table accepts have no class, the run-time "target out of bounds" of cross-entropy. The label sits where the class count is written; the fix makes it the table\'s size. ' +
    'When an input declares its range (`in [0, vocab)`) the same mistake is the error TFM3016. If only the first ids are ever targets, silence it with `// tfmc: allow TFM5004`.',
  TFM4001:
    'A compile-time value has the wrong type: a boolean in arithmetic, a number as an `if` condition (there is no truthiness), an override whose type differs from the key\'s default, ' +
    'or an argument of the wrong type. Config values, block parameters and conditions are typed so that a config mistake fails here and not deep inside a layer.',
  TFM4002:
    'A value is not a member of the enum it is given to (`activation: gleu` where the choices are `relu`, `gelu`, `gelu_tanh`, `silu`, `swiglu`). The help suggests the closest member.',
  TFM4003:
    'An `expect` statement\'s condition is false. `expect params == N` states the parameter count a model must have (e.g. a published figure), ' +
    'and when it fails the report gives the actual count, the difference and a per-module breakdown. Other expectations state invariants of the config, like `d_model % heads == 0`.',
  TFM4004:
    'A compile-time `/` or `%` divides by zero, typically because a config value used as a divisor (a head or group count) was set to 0.',
  TFM4005:
    'A `--set key=value` value cannot be read: it must be an integer (`1024`, `1_024`), a number (`0.1`, `1e-6`), `true`/`false`, or an enum name (`pre`). ' +
    'A number that is not finite (`nan`, `inf`, `1e999`), a non-zero one that would be 0, or an integer past 2^53 − 1 is refused the same way. ' +
    'Nothing is checked with a malformed override, since the result would describe a different model from the one asked for.',
  TFM4006:
    'A model declares no `output`, or a block gives no result with `out`. A model without outputs computes nothing anyone can use, and a block without `out` cannot be applied.',
  TFM4007:
    'A mask intersects `causal` with a padding mask (a warning). With left padding, the first query rows of a sequence may have no key they are allowed to attend to. ' +
    'tfmc defines a fully masked row to give zeros rather than NaN, so this is safe, but it is wasted work and usually means the sequences should be padded on the right.',
  TFM4008:
    'A value lies outside its valid range: a dropout probability or label smoothing outside [0, 1), the square root of a negative number, ' +
    'or `RelativePositionBias` buckets for which T5\'s bucketing is undefined (fewer than 2 buckets per direction, or a `max_distance` within the exactly bucketed distances). ' +
    'A dropout of `10` meant as 10% is the classic case. ' +
    'Config arithmetic is checked too: a result that is infinite or NaN (`10.0 ^ 400`, `(0.0 - 8.0) ^ 0.5`), or an integer past 2^53 − 1 where doubles stop counting exactly (`2^53 + 1` would be 2^53), is refused at the expression.',
  TFM4010:
    'A model is too large to build: stacks nested inside one another expand to more than 10,000 layers in all (their counts multiply: `repeat 1000 { repeat 1000 { Linear(d) } }` is a million layers), ' +
    'or the expanded graph passes 1,000,000 operations. The graph holds every operation of every layer, so such a model would take minutes and gigabytes to check before failing anyway. ' +
    'The error is at the outermost stack. Real models have tens to hundreds of layers, so the cause is usually a wrong count; `TFMC_MAX_LAYERS` and `TFMC_MAX_GRAPH_NODES` raise the limits (docs/limits.md).',
  TFM4011:
    'A model would need more memory than it can have: its parameters and buffers (4 bytes an element) and the activations of one forward pass at batch 1 add up to more than the backend\'s limit, ' +
    'which is the 4 GiB heap of the wasm backend, or else the machine\'s memory. It is reported before anything is allocated, at the largest parameter (the usual culprit is a size such as `vocab = 1_000_000_000_000`). ' +
    'To try anyway, raise the limit: `tfmc compile --max-memory 64GB`, the environment variable `TFMC_MAX_MEMORY`, or `compile(spec, { maxMemory })`.',
  TFM4009:
    'An `expect` of a model did not hold after `--set` changed the model\'s configuration, so it is reported as skipped instead of failed. ' +
    'A model\'s expectations pin the configuration they were written for (`expect params == 124_439_808` is GPT-2 small\'s published count), and a variant checked with `--set layers=2` is expected to differ. ' +
    'The note shows what the expectation found; constraints that hold for every configuration, such as `heads` dividing `d_model`, are still enforced by the blocks that need them. ' +
    'To pin a variant, write a model that `extends` the original with the new config values and its own `expect`.',
  TFM6001:
    'A command was asked to write where something already is, and what is there is not an earlier output of the same command: a file `graph -o` or `weights export -o` did not write, ' +
    'or a non-empty directory that `compile -o` did not write (a trained checkpoint, weights saved beside a PyTorch module, your own files). Nothing is written. ' +
    'Choose another output path, or add `--force` to replace it. Earlier outputs are recognised by what the command writes: a marker in the picture or the `.tfmc-compile.json` of a compiled model directory, `producer: tfmc` in a safetensors file, the file names of a generated project.',
  TFM6002:
    'The output path names something the command reads: `tfmc graph model.tfm -o model.tfm` would turn the spec into a picture, `compile -o .` would delete the working directory, ' +
    '`weights export ckpt -o ckpt/weights.bin` would overwrite the checkpoint being read. Symlinks and hard links are followed. `--force` does not lift this refusal; choose another output path.',
  TFM6003:
    'A file could not be written (permission denied, a read-only file system, a folder where a file should be). `tfmc fmt` leaves the file as it was and does not report it as formatted; ' +
    '`tfmc init` removes its partial project, so either the whole project exists or nothing does.',
  TFM6004:
    'A checkpoint file does not match the size and SHA-256 its `manifest.json` records: it was damaged or modified after it was written. Nothing is loaded. ' +
    'Restore the checkpoint from a copy, or use another one (a run directory keeps `checkpoint/` and `best/`).',
  TFM6005:
    'A weight file is malformed: a safetensors header longer than the limit or than the file, a tensor whose shape, dtype and byte range disagree or reach past the end of the file, ' +
    'or a checkpoint manifest whose entries are not what tfmc writes. The file is refused before any tensor is allocated, so a crafted header cannot make tfmc allocate gigabytes (docs/limits.md).',
  TFM6006:
    'A weight holds NaN or an infinity. A model with such a weight computes NaN for every input, so the file is refused on import, naming the tensor and the first bad element.',
  TFM6007:
    'Another `tfmc train` holds the run directory (its lock `train.lock` is fresh): two runs resuming one directory would interleave their checkpoints and metrics. ' +
    'Wait for the other run to finish, or stop it. A lock left by a killed process goes stale after a few seconds and is taken over.',
  TFM6008:
    '`tfmc train` estimates the memory of one training step before it allocates anything: the weights, one gradient per parameter, Adam\'s two moments, and the activations at the run\'s `--batch` and `--seq` (every value the forward pass keeps for the backward pass, and the backward pass\'s own). ' +
    'The wasm and native backends keep every tensor in the wasm heap, which cannot grow past 4 GiB: a step that needs more would abort inside the wasm module minutes into the run, so it is refused, with the estimate\'s parts and the largest `--batch` that fits. ' +
    'Train with that batch, a shorter `--seq`, or a smaller model (`--set`); the native backend needs less than wasm for the same step (one-pass kernels). `TFMC_MAX_MEMORY` (e.g. `8GB`) replaces the limit. `node bench/train-memory.js` measures a step\'s real peak beside the estimate.',
  TFM6101:
    '`tfmc import hf` was given a directory it cannot read as a Hugging Face checkpoint: no `config.json`, a `config.json` that is not a JSON object, a `model_type` of a family tfmc does not map (it reads gpt2, bert, llama, mistral, t5 and vit), ' +
    'or no `model.safetensors` (nor `model.safetensors.index.json` with its shards). Weights stored only as a pickled `pytorch_model.bin` are not read, since unpickling can run code: convert them to safetensors first. Nothing is written.',
  TFM6102:
    'The checkpoint\'s `config.json` sets something the shipped spec of its family cannot express (a different activation, biases where the spec has none, scaled rotary embeddings, an untied T5 head, ...): each such setting is listed. ' +
    'Importing it anyway would give different logits, so nothing is written; write a spec of your own for such a model (docs/huggingface.md shows the mapping to start from). `tfmc export hf` reports it too for a model that does not extend a shipped spec of a known family (say the family with `--family`).',
  TFM6103:
    'The checkpoint\'s tensors do not fit the spec its config gives: every tensor the spec needs and the checkpoint lacks, every tensor of the checkpoint the mapping does not know, and every shape that differs is listed, by its Hugging Face name. ' +
    'They are compared from the safetensors headers before any weight is read, and nothing is written. A checkpoint without the pre-training heads (`BertModel` rather than `BertForPreTraining`), or with a tied copy (`lm_head.weight`) whose values differ from the tensor the spec ties it to, is refused here.',
  TFM6104:
    'A `tokenizer.json` cannot be loaded: it is not JSON, or its model is not one the tokenizer library reads (BPE, WordPiece and Unigram are). `tfmc import hf` checks the checkpoint\'s tokenizer before writing anything; `--tokenizer FILE` of `train`, `generate` and `predict` reports it too.',
  TFM7001:
    '`tfmc compile --target onnx` exports the forward graph of the model\'s outputs, and an op it needs has no ONNX form (a CTC loss, say, has no ONNX operator). ' +
    'The label points at the op in the spec. Compute that value outside the exported model (the other outputs export as usual), or compile with another `--target`.',
};

interface Case {
  file: string;
  text: string;
  code: Code;
  overrides: Record<string, string>;
}

function loadCases(): Case[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.tfm'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const m = /^\/\/ expect: (TFM\d{4})/.exec(text);
      const overrides = Object.fromEntries([...text.matchAll(/^\/\/ set: (\w+)=(\S+)$/gm)].map((x) => [x[1], x[2]]));
      return { file, text, code: (m?.[1] ?? '') as Code, overrides };
    });
}

/** The one-line form of the corpus goldens (must stay in step with test/check/corpus.test.ts). */
function goldenLine(d: Diagnostic, path: string): string {
  const file = d.primary.file === path ? '' : `${d.primary.file.split('/').pop()}:`;
  return `${d.code} ${d.severity} ${file}${d.primary.span.start.line}:${d.primary.span.start.column} ${d.message}`;
}

/** Helper files a case imports from `imports/` (shown with the example). */
function importedHelpers(c: Case): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const m of c.text.matchAll(/^import "(imports\/[^"]+)"/gm)) {
    const p = join(CORPUS, m[1]);
    if (existsSync(p)) out.push({ name: m[1], text: readFileSync(p, 'utf8') });
  }
  return out;
}

function generate(cases: Case[]): { doc: string; problems: string[] } {
  const problems: string[] = [];
  const codes = Object.keys(CODES) as Code[];
  const byCode = new Map<Code, Case[]>();
  for (const c of cases) byCode.set(c.code, [...(byCode.get(c.code) ?? []), c]);

  const out: string[] = [];
  out.push('# tfmc diagnostics');
  out.push('');
  out.push('<!-- Generated by test/docs/diagnostics-doc.test.ts from src/diagnostics/diagnostic.ts and the invalid-spec corpus');
  out.push('     (test/fixtures/invalid). Do not edit: change the explanations in the generator or the corpus, then run');
  out.push('     `UPDATE_GOLDEN=1 npx vitest run test/docs/diagnostics-doc.test.ts`. -->');
  out.push('');
  out.push('Every problem tfmc reports has a stable code, a default severity and a short title. Codes are grouped by');
  out.push('the phase that finds them: **1xxx** syntax, **2xxx** names, structure and modules, **3xxx** shapes and');
  out.push('dtypes, **4xxx** config values, expectations and models, **6xxx** files and data (what the commands');
  out.push('read and write besides specs), **7xxx** compile targets (what a target cannot express). Errors stop a model from being summarised;');
  out.push('warnings do not. Each entry below shows a minimal spec from the test corpus that triggers the');
  out.push('diagnostic and what tfmc reports for it.');
  out.push('');
  out.push('| Code | Title | Severity |');
  out.push('| --- | --- | --- |');
  for (const code of codes) out.push(`| [${code}](#${code.toLowerCase()}) | ${CODES[code].title} | ${CODES[code].severity} |`);
  out.push('');

  for (const code of codes) {
    const { title, severity } = CODES[code];
    out.push(`<a id="${code.toLowerCase()}"></a>`);
    out.push('');
    out.push(`## ${code}: ${title}`);
    out.push('');
    out.push(`Default severity: **${severity}**.`);
    out.push('');
    const explanation = EXPLANATIONS[code];
    if (!explanation) problems.push(`${code} has no explanation`);
    out.push(explanation ?? '');
    out.push('');

    const all = byCode.get(code) ?? [];
    if (all.length === 0) {
      const reason = NO_CORPUS_CASE[code];
      if (!reason) problems.push(`${code} has no corpus case and no listed reason`);
      out.push(`No example: ${reason ?? '(missing)'}.`);
      out.push('');
      continue;
    }
    if (NO_CORPUS_CASE[code]) problems.push(`${code} is listed in NO_CORPUS_CASE but has corpus cases: remove it from the list`);
    const preferred = PREFERRED[code];
    if (preferred && !all.some((c) => c.file === preferred)) problems.push(`PREFERRED ${code} names ${preferred}, which is not a case for it`);
    const example = all.find((c) => c.file === preferred) ?? all[0];

    const path = join(CORPUS, example.file);
    const result = checkFile(path, { overrides: example.overrides });
    const lines = result.diagnostics.map((d) => goldenLine(d, path));
    const goldenPath = path.replace(/\.tfm$/, '.expected');
    if (!existsSync(goldenPath)) problems.push(`${example.file} has no golden; run the corpus test with UPDATE_GOLDEN=1 first`);
    else if (!updatingGolden() && readFileSync(goldenPath, 'utf8') !== lines.join('\n') + '\n') {
      problems.push(`${example.file}: the compiler's output differs from its golden (see test/check/corpus.test.ts)`);
    }
    const shown = result.diagnostics.find((d) => d.code === code);
    if (!shown) problems.push(`${example.file} does not produce ${code}`);

    const rel = relative(ROOT, path);
    const set = Object.entries(example.overrides).map(([k, v]) => ` --set ${k}=${v}`).join('');
    out.push(`Example: \`${rel}\`${set ? ` (checked with \`tfmc check${set}\`)` : ''}`);
    out.push('');
    out.push('```tfm');
    // A case may hold a bidi override or a control character (TFM1009): shown escaped, never raw.
    out.push(escapeUnsafe(example.text.trimEnd(), 'keep'));
    out.push('```');
    out.push('');
    for (const h of importedHelpers(example)) {
      out.push(`with \`${relative(ROOT, join(CORPUS, h.name))}\`:`);
      out.push('');
      out.push('```tfm');
      out.push(h.text.trimEnd());
      out.push('```');
      out.push('');
    }
    out.push(`Diagnostics (the golden \`${relative(ROOT, goldenPath)}\`: code, severity, line:column, message):`);
    out.push('');
    out.push('```text');
    for (const l of lines) out.push(l);
    out.push('```');
    out.push('');
    if (shown) {
      out.push('As `tfmc check` prints it:');
      out.push('');
      out.push('```text');
      out.push(renderDiagnostic(shown, result.sources, { color: false, cwd: ROOT }).trimEnd());
      out.push('```');
      out.push('');
    }
    const others = all.filter((c) => c !== example).map((c) => `\`${c.file}\``);
    if (others.length) {
      out.push(`More cases: ${others.join(', ')}.`);
      out.push('');
    }
  }
  return { doc: out.join('\n').trimEnd() + '\n', problems };
}

describe('docs/diagnostics.md', () => {
  const cases = loadCases();
  const { doc, problems } = generate(cases);

  it('has an explanation for exactly the codes in CODES', () => {
    const codes = Object.keys(CODES).sort();
    expect(Object.keys(EXPLANATIONS).sort()).toEqual(codes);
  });

  it('has a corpus case for every code, or a stated reason why it cannot', () => {
    const covered = new Set(cases.map((c) => c.code));
    const missing = (Object.keys(CODES) as Code[]).filter((c) => !covered.has(c) && !NO_CORPUS_CASE[c]);
    expect(missing, 'codes without a corpus case (add one under test/fixtures/invalid/)').toEqual([]);
    const stale = (Object.keys(NO_CORPUS_CASE) as Code[]).filter((c) => covered.has(c) || !(c in CODES));
    expect(stale, 'NO_CORPUS_CASE lists codes that do have cases (or no longer exist)').toEqual([]);
  });

  it('names only known codes in corpus headers', () => {
    const unknown = cases.filter((c) => !(c.code in CODES)).map((c) => `${c.file}: ${c.code || '(no header)'}`);
    expect(unknown).toEqual([]);
  });

  it('is generated from the corpus without problems', () => {
    expect(problems).toEqual([]);
  });

  it('is up to date', () => {
    expectGolden(DOC, doc);
  });
});

describe('docs/language.md section 14', () => {
  it('lists every code with its severity and title, in catalogue order', () => {
    const text = readFileSync(join(ROOT, 'docs/language.md'), 'utf8');
    const rows = [...text.matchAll(/^\| (TFM\d{4}) \| (\w+) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual(Object.entries(CODES).map(([code, v]) => [code, v.severity, v.title]));
  });
});
