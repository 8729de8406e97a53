/**
 * `tfmc predict` for a token classifier (`tfmc train` on `{"tokens", "labels"}` lines): each
 * text is split on whitespace into tokens, one model position per token as in training (tokens
 * the data did not have are `<unk>`), and each token gets the most likely label. Token ids
 * (`--ids`) are one position each, labelled the same way.
 *
 * Text output: one `token<TAB>label (probability)` line per token, a blank line after each text
 * (the CoNLL layout). `--format json`: `{"predictions": [{"input", "tokens": [{"token", "label",
 * "probability"}]}]}` (`ids` and `{"id", ...}` per position for `--ids`).
 */
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import { tf } from '../backends/tfjs/index.js';
import { constValue, resolve } from '../ir/dims.js';
import type { ModelIR } from '../ir/types.js';
import type { CliContext } from './context.js';
import type { Format } from './options.js';
import { RunError } from './train/errors.js';
import { TokenVocabTokenizer, type Tokenizer } from './train/tokenizer.js';

/** What to label: a text split into tokens, or token ids. */
export type TagRow = { text: string; tokens: string[]; ids: number[] } | { ids: number[] };

export interface TaggedText {
  input?: string;
  ids?: number[];
  tokens: Array<{ token?: string; id?: number; label: string; probability: number }>;
}

/** The positions of a text: its whitespace-separated tokens, one id each, as the token classifier was trained. */
export function tagRowOf(tokenizer: Tokenizer, text: string, shown: string): TagRow {
  if (!(tokenizer instanceof TokenVocabTokenizer)) {
    throw new RunError(`${shown} is a token classifier, which reads one position per whitespace-separated token, but its tokenizer is ${tokenizer.kind}, not the "tokens" tokenizer tfmc train makes for it: give token ids with --ids 5,8,9`);
  }
  const tokens = tokenizer.split(text);
  return { text, tokens, ids: tokenizer.encodePieces(tokens) };
}

/** The most likely label of every position; `classNames` name the classes (indices otherwise). */
export function predictTags(model: CompiledModel, head: { input: string; output: string; classNames?: readonly string[] }, rows: readonly TagRow[]): TaggedText[] {
  const max = maxLength(model.ir, head.input);
  return rows.map((row) => {
    const what = 'text' in row ? JSON.stringify(row.text) : `--ids ${row.ids.join(',')}`;
    if (row.ids.length === 0) throw new RunError(`cannot label an empty text: input \`${head.input}\` needs at least one token`);
    if (max !== undefined && row.ids.length > max) throw new RunError(`${what} has ${row.ids.length} tokens, but input \`${head.input}\` of the model takes at most ${max}`);
    const out = model.predict({ [head.input]: [row.ids] }, { outputs: [head.output] })[head.output];
    const probs = tf.tidy(() => tf.softmax(out));
    const rows3 = probs.arraySync() as number[][][];
    tf.dispose([out, probs]);
    const label = (i: number) => {
      const p = rows3[0][i];
      const best = p.indexOf(Math.max(...p));
      return { label: head.classNames?.[best] ?? String(best), probability: p[best] };
    };
    if ('text' in row) return { input: row.text, tokens: row.tokens.map((token, i) => ({ token, ...label(i) })) };
    return { ids: row.ids, tokens: row.ids.map((id, i) => ({ id, ...label(i) })) };
  });
}

export function writeTags(ctx: CliContext, tagged: readonly TaggedText[], format: Format): void {
  if (format === 'json') {
    ctx.out(JSON.stringify({ predictions: tagged }, null, 2) + '\n');
    return;
  }
  for (const t of tagged) {
    for (const x of t.tokens) ctx.out(`${x.token ?? x.id}\t${x.label} (${(x.probability * 100).toFixed(1)}%)\n`);
    ctx.out('\n');
  }
}

/** The bound of the input's sequence dim (`where seq <= max_len`), or its fixed length. */
function maxLength(ir: ModelIR, input: string): number | undefined {
  const value = ir.inputs.find((i) => i.name === input)?.value;
  const seq = value !== undefined ? ir.values[value].shape[1] : undefined;
  if (seq === undefined) return undefined;
  const d = resolve(seq);
  if (d.kind === 'sym') return ir.bounds.find((b) => b.dim === d.name && b.max !== undefined)?.max;
  return constValue(d);
}
