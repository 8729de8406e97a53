/**
 * What a model trains on, read from its inputs: `tfmc train` maps data files onto one of four
 * shapes of model, and says which input does not fit when a spec is none of them.
 *
 * - `lm`: a decoder-only language model — one token input (`ids`), and either no label input
 *   (the spec shifts `ids` itself, `cross_entropy(logits, shift_left(ids))`) or a label input of
 *   the same `[batch, seq]` shape that gets the next token. Trains on plain text.
 * - `seq2seq`: an encoder-decoder — two token inputs (source and decoder input) and a label input
 *   shaped like the decoder input. Trains on JSONL `{"source": ..., "target": ...}`.
 * - `tag`: a token classifier — one token input and int32 labels of the same `[batch, seq]` shape
 *   compared by a cross-entropy with logits whose classes are not the embedding's rows (with as
 *   many classes as rows, the labels read as next tokens: `lm`). Trains on JSONL
 *   `{"tokens": [...], "labels": [...]}`, one model position and one label per listed token.
 * - `classify`: one token input and a label per example (`int32 [batch]` for classes, `float32
 *   [batch]` or `[batch, 1]` for a regression head). Trains on JSONL `{"text": ..., "label": ...}`.
 *
 * A token input is an `int32 [batch, seq]` input read by an embedding; its embedding's rows bound
 * the tokenizer's vocabulary, and a `where seq <= N` bound caps its length.
 */
import { constValue, resolve, type Dim } from '../../ir/dims.js';
import type { ModelIR, Node } from '../../ir/types.js';
import { upstreamValues } from '../../ir/queries.js';

export interface TokenInput {
  name: string;
  /** The name of its sequence dim (`seq`, `src_len`). */
  dim: string;
  /** `where dim <= N`, when the spec bounds it. */
  maxLength?: number;
  /** Rows of the embeddings reading it (the smallest, when several do), and the module for messages. */
  vocab?: { rows: number; module: string };
}

export interface LabelInput {
  name: string;
  /** `ignore_index` of the loss reading it (padding of label rows); -100 when the loss has none. */
  ignoreIndex: number;
  /** Classes of the logits a cross-entropy compares it with. */
  classes?: number;
}

export type Task =
  | { kind: 'lm'; ids: TokenInput; labels?: LabelInput }
  | { kind: 'seq2seq'; source: TokenInput; target: TokenInput; labels: LabelInput }
  | { kind: 'tag'; tokens: TokenInput; labels: LabelInput }
  | { kind: 'classify'; tokens: TokenInput; labels: LabelInput; regression: boolean; labelShape: number[] };

/** The model's inputs do not match any task `tfmc train` knows; the message says which and why. */
export class TaskError extends Error {
  override name = 'TaskError';
}

const SUPPORTED =
  'tfmc train supports a decoder-only language model (one int32 [batch, seq] token input, labels optional), ' +
  'an encoder-decoder (source and target token inputs plus int32 labels shaped like the target), ' +
  'a token classifier (one token input plus int32 [batch, seq] labels, one class per token), ' +
  'and a classifier or regression head (one token input plus an int32 [batch] or float32 [batch] label)';

export function analyzeTask(ir: ModelIR): Task {
  const needed = lossInputs(ir);
  if (needed.length === 0) throw new TaskError(`model \`${ir.name}\` declares no loss, so there is nothing to train: add one, e.g. \`loss next_token = cross_entropy(logits, shift_left(ids))\``);
  const tokens: TokenInput[] = [];
  const labels: { input: LabelInput; shape: Dim[]; dtype: string }[] = [];
  for (const name of needed) {
    const input = ir.inputs.find((i) => i.name === name)!;
    const value = ir.values[input.value];
    const readers = ir.nodes.filter((n) => n.inputs.includes(input.value));
    const embeddings = readers.filter((n) => n.op === 'embedding' && n.inputs[0] === input.value);
    const losses = readers.filter((n) => (n.op === 'cross_entropy' || n.op === 'mse') && n.inputs[1] === input.value);
    if (embeddings.length > 0) {
      if (value.dtype !== 'int32' || value.shape.length !== 2) {
        throw new TaskError(`input \`${name}\` of model \`${ir.name}\` feeds an embedding but is not int32 [batch, seq]; ${SUPPORTED}`);
      }
      tokens.push(tokenInput(ir, name, value.shape[1], embeddings));
    } else if (losses.length > 0) {
      labels.push({ input: labelInput(ir, name, losses[0]), shape: value.shape, dtype: value.dtype });
    } else if (readers.some((n) => n.op === 'position_embedding' || n.op === 'positions') && value.dtype === 'int32') {
      tokens.push(tokenInput(ir, name, value.shape[1], []));
    } else {
      throw new TaskError(`input \`${name}\` of model \`${ir.name}\` (${value.dtype} of rank ${value.shape.length}) is neither token ids read by an embedding nor the targets of a loss, so tfmc train cannot fill it from text; ${SUPPORTED}`);
    }
  }

  if (tokens.length === 1 && labels.length === 0) return { kind: 'lm', ids: tokens[0] };
  if (tokens.length === 1 && labels.length === 1) {
    const [l] = labels;
    if (l.shape.length === 2 && l.dtype === 'int32' && sameDim(l.shape[1], tokens[0].dim)) {
      const rows = tokens[0].vocab?.rows;
      if (l.input.classes !== undefined && rows !== undefined && l.input.classes !== rows) return { kind: 'tag', tokens: tokens[0], labels: l.input };
      return { kind: 'lm', ids: tokens[0], labels: l.input };
    }
    if (l.shape.length === 1 || (l.shape.length === 2 && constValue(resolve(l.shape[1])) === 1)) {
      if (l.dtype === 'int32') return { kind: 'classify', tokens: tokens[0], labels: l.input, regression: false, labelShape: [] };
      if (l.dtype === 'float32') return { kind: 'classify', tokens: tokens[0], labels: l.input, regression: true, labelShape: l.shape.length === 2 ? [1] : [] };
    }
    throw new TaskError(`label input \`${l.input.name}\` of model \`${ir.name}\` is ${l.dtype} of rank ${l.shape.length}; with one token input (\`${tokens[0].name}\`) it must be int32 [batch, ${tokens[0].dim}] (next-token labels, or a class per token), int32 [batch] (classes) or float32 [batch] (regression)`);
  }
  if (tokens.length === 2 && labels.length === 1) {
    const [l] = labels;
    const target = tokens.find((t) => l.shape.length === 2 && sameDim(l.shape[1], t.dim));
    if (!target || l.dtype !== 'int32') {
      throw new TaskError(`model \`${ir.name}\` has two token inputs (\`${tokens[0].name}\`, \`${tokens[1].name}\`), so it reads as an encoder-decoder, but its label input \`${l.input.name}\` is not int32 [batch, len] with the length of either; ${SUPPORTED}`);
    }
    const source = tokens.find((t) => t !== target)!;
    return { kind: 'seq2seq', source, target, labels: l.input };
  }
  const list = needed.map((n) => `\`${n}\``).join(', ');
  throw new TaskError(`model \`${ir.name}\` trains on inputs ${list} (${tokens.length} token input${tokens.length === 1 ? '' : 's'}, ${labels.length} label input${labels.length === 1 ? '' : 's'}), which tfmc train does not know how to fill from a data file; ${SUPPORTED}`);
}

/** The model inputs that its losses read, in declaration order. */
export function lossInputs(ir: ModelIR): string[] {
  const seen = upstreamValues(ir, ir.losses.map((l) => l.value), new Map(ir.nodes.map((n) => [n.id, n])));
  return ir.inputs.filter((i) => seen.has(i.value)).map((i) => i.name);
}

function tokenInput(ir: ModelIR, name: string, seqDim: Dim, embeddings: Node[]): TokenInput {
  const d = resolve(seqDim);
  const dim = d.kind === 'sym' ? d.name : String(constValue(d) ?? 'seq');
  const bound = ir.bounds.find((b) => b.dim === dim && b.max !== undefined)?.max;
  const fixed = constValue(d);
  let vocab: TokenInput['vocab'];
  for (const e of embeddings) {
    const rows = e.attrs.num;
    if (typeof rows === 'number' && (vocab === undefined || rows < vocab.rows)) vocab = { rows, module: e.module || 'the embedding' };
  }
  return { name, dim, maxLength: bound ?? fixed, vocab };
}

function labelInput(ir: ModelIR, name: string, loss: Node): LabelInput {
  const ignore = typeof loss.attrs.ignore_index === 'number' ? loss.attrs.ignore_index : -100;
  const logits = ir.values[loss.inputs[0]];
  const classes = loss.op === 'cross_entropy' ? constValue(resolve(logits.shape[logits.shape.length - 1])) : undefined;
  return { name, ignoreIndex: ignore, classes };
}

function sameDim(d: Dim, name: string): boolean {
  const r = resolve(d);
  return (r.kind === 'sym' && r.name === name) || String(constValue(r)) === name;
}

/** The config key that sets an embedding's rows (`vocab`), for the `--set` hint. */
export function vocabKey(ir: ModelIR, rows: number): string | undefined {
  const candidates = ir.config.filter((c) => c.value === rows && c.type === 'int');
  return (candidates.find((c) => /vocab/i.test(c.name)) ?? candidates[0])?.name;
}
