/**
 * Data files of `tfmc train` → examples for the model's inputs (see `task.ts` for the tasks).
 *
 * - Plain text (any file not ending in `.jsonl`/`.json`): for a language model, the whole text is
 *   one token stream cut into windows of `seq` tokens (`seq + 1` when the spec takes next-token
 *   labels as an input); the validation windows are the last ones, so no text is in both sets.
 * - JSONL (`.jsonl`/`.json`, one object per line; blank lines skipped): `{"source", "target"}`
 *   strings for an encoder-decoder, or `{"source_ids", "target_ids"}` arrays of token ids (no
 *   tokenizer: the ids are the model's, see `IdsTokenizer`); `{"text", "label"}` for a classifier
 *   (label: a class name, a class index, or a number for a regression head). Examples are split
 *   after a seeded shuffle.
 *   `{"tokens", "labels"}` for a token classifier is read by `token-labels.ts`.
 *
 * Every problem is a {@link DataError}: one paragraph naming the file, the line, the input and
 * what was expected.
 */
import { permutation } from '../../backends/tfjs/data.js';
import type { LabelInput, Task, TokenInput } from './task.js';
import { IdsTokenizer, type Tokenizer } from './tokenizer.js';

export class DataError extends Error {
  override name = 'DataError';
}

export type DataFormat = 'text' | 'jsonl';

export function dataFormat(file: string): DataFormat {
  return /\.jsonl?$/i.test(file) ? 'jsonl' : 'text';
}

export interface Record_ {
  line: number;
  value: Record<string, unknown>;
}

/** Parses JSONL text; `file` names the file in messages. */
export function parseJsonl(text: string, file: string): Record_[] {
  const out: Record_[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new DataError(`${file}:${i + 1}: not valid JSON (${(e as Error).message}); each line of a .jsonl file must be one JSON object`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataError(`${file}:${i + 1}: expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  if (out.length === 0) throw new DataError(`${file} holds no examples (every line is blank)`);
  return out;
}

/** One training example: a value for each input the task fills. */
export type Example = Record<string, number[] | number>;

export interface Examples {
  train: Example[];
  validation: Example[];
  /** Pad value of each input (labels: their loss's ignore_index). */
  pad: Record<string, number>;
  /** Class names of a classifier whose labels were strings, index = class id. */
  classNames?: string[];
}

export interface ExampleOptions {
  /** Window length of a language model. */
  seq: number;
  /** Fraction of the examples held out for validation. */
  valFraction: number;
  seed: number;
  /** For messages. */
  file: string;
}

/** The texts a tokenizer is built from: the whole text, or the strings of every JSONL record. */
export function textsOf(task: Task, format: DataFormat, text: string, records: Record_[] | undefined): string[] {
  if (format === 'text') return [text];
  if (task.kind === 'seq2seq') return records!.flatMap((r) => [String(r.value.source ?? ''), String(r.value.target ?? '')]);
  if (task.kind === 'tag') return records!.flatMap((r) => (Array.isArray(r.value.tokens) ? r.value.tokens.map(String) : []));
  return records!.map((r) => String(r.value.text ?? ''));
}

const ID_FIELDS = ['source_ids', 'target_ids'] as const;

/**
 * Whether JSONL records give token ids (`source_ids`/`target_ids`) rather than text; every line
 * must then do so, and the model must be an encoder-decoder.
 */
export function usesTokenIds(task: Task, records: readonly Record_[], file: string): boolean {
  const hasIds = (r: Record_) => ID_FIELDS.some((k) => k in r.value);
  const first = records.find(hasIds);
  if (!first) return false;
  if (task.kind !== 'seq2seq') {
    throw new DataError(`${file}:${first.line}: "source_ids"/"target_ids" lines are for encoder-decoders (a source and a target token input), but this model is ${task.kind === 'lm' ? 'a decoder-only language model, which trains on plain text' : task.kind === 'tag' ? 'a token classifier, which trains on {"tokens", "labels"} lines' : 'a classifier, which trains on {"text", "label"} lines'}`);
  }
  const other = records.find((r) => !hasIds(r));
  if (other) throw new DataError(`${file}:${other.line}: expected "source_ids" and "target_ids" like line ${first.line}; a file gives either token ids or text, not both`);
  return true;
}

/** The tokenizer of token-id data: the model's vocabulary (the smallest embedding of its token inputs), its last id the start/end token. */
export function idsTokenizerFor(task: Task): IdsTokenizer {
  const inputs = task.kind === 'seq2seq' ? [task.source, task.target] : task.kind === 'lm' ? [task.ids] : [task.tokens];
  const rows = inputs.map((i) => i.vocab?.rows).filter((r): r is number => r !== undefined);
  if (rows.length === 0) throw new DataError(`token-id data needs to know the model's vocabulary, but no embedding reads input \`${inputs[0].name}\``);
  const vocab = Math.min(...rows);
  if (vocab < 2) throw new DataError(`token-id data needs a vocabulary of at least 2 ids (one is the start/end token); the model's has ${vocab}`);
  return new IdsTokenizer(vocab);
}

export function buildExamples(task: Task, tok: Tokenizer, format: DataFormat, text: string, records: Record_[] | undefined, o: ExampleOptions): Examples {
  if (task.kind === 'tag') throw new Error('internal: token classification examples are built by tagExamples (token-labels.ts)');
  if (task.kind === 'lm') {
    if (format !== 'text') {
      throw new DataError(`model input \`${task.ids.name}\` is a decoder-only language model's tokens, which tfmc train reads from a plain-text file; ${o.file} ends in .jsonl (rename it to .txt if it is plain text)`);
    }
    return lmExamples(task, tok, text, o);
  }
  if (format !== 'jsonl') {
    const want = task.kind === 'seq2seq' ? '{"source": ..., "target": ...}' : '{"text": ..., "label": ...}';
    throw new DataError(`this model (${task.kind === 'seq2seq' ? 'an encoder-decoder' : 'a classifier'}) trains on JSON lines ${want}, but ${o.file} is read as plain text; give a .jsonl file`);
  }
  const examples: Example[] = [];
  let classNames: string[] | undefined;
  if (task.kind === 'seq2seq') {
    for (const r of records!) {
      const ids = tok instanceof IdsTokenizer;
      const src = ids ? idsField(r, 'source_ids', tok, o.file) : tok.encode(stringField(r, 'source', o.file));
      const tgt = ids ? idsField(r, 'target_ids', tok, o.file) : tok.encode(stringField(r, 'target', o.file));
      if (ids) ignoredTargets(task.labels, tgt, r, o.file);
      fits(task.source, src.length, r, ids ? 'source_ids' : 'source', o.file);
      fits(task.target, tgt.length + 1, r, ids ? 'target_ids' : 'target', o.file);
      examples.push({ [task.source.name]: src, [task.target.name]: [tok.bos, ...tgt], [task.labels.name]: [...tgt, tok.eos] });
    }
  } else {
    // String labels are class names (sorted: the same data always gives the same class ids).
    const names = records!.map((r) => r.value.label).filter((l): l is string => typeof l === 'string');
    if (!task.regression && names.length > 0) classNames = [...new Set(names)].sort();
    for (const r of records!) {
      const text = stringField(r, 'text', o.file);
      const ids = tok.encode(text);
      fits(task.tokens, ids.length, r, 'text', o.file);
      const label = labelValue(task, r, classNames, o.file);
      examples.push({ [task.tokens.name]: ids, [task.labels.name]: task.labelShape.length ? [label] : label });
    }
  }
  const order = permutation(examples.length, o.seed);
  const shuffled = order.map((i) => examples[i]);
  const nVal = validationCount(shuffled.length, o.valFraction);
  const pad: Record<string, number> = {};
  if (task.kind === 'seq2seq') Object.assign(pad, { [task.source.name]: tok.pad, [task.target.name]: tok.pad, [task.labels.name]: task.labels.ignoreIndex });
  else pad[task.tokens.name] = tok.pad;
  return { train: shuffled.slice(nVal), validation: shuffled.slice(0, nVal), pad, classNames };
}

function lmExamples(task: Extract<Task, { kind: 'lm' }>, tok: Tokenizer, text: string, o: ExampleOptions): Examples {
  const ids = tok.encode(text);
  const width = task.labels ? o.seq + 1 : o.seq;
  const windows = Math.floor((ids.length - (task.labels ? 1 : 0)) / o.seq);
  if (windows < 2) {
    throw new DataError(`${o.file} is too short: it has ${ids.length} tokens, which makes ${windows} window${windows === 1 ? '' : 's'} of ${o.seq} tokens for input \`${task.ids.name}\`; training needs at least 2 (one for validation). Give more text or a smaller --seq`);
  }
  const all: Example[] = [];
  for (let w = 0; w < windows; w++) {
    const chunk = ids.slice(w * o.seq, w * o.seq + width);
    const ex: Example = { [task.ids.name]: chunk.slice(0, o.seq) };
    if (task.labels) ex[task.labels.name] = chunk.slice(1, o.seq + 1);
    all.push(ex);
  }
  const nVal = validationCount(all.length, o.valFraction);
  return { train: all.slice(0, all.length - nVal), validation: all.slice(all.length - nVal), pad: {} };
}

export function validationCount(n: number, fraction: number): number {
  if (fraction <= 0) return 0;
  return Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
}

function stringField(r: Record_, key: string, file: string): string {
  const v = r.value[key];
  if (typeof v === 'string') return v;
  const keys = Object.keys(r.value).map((k) => `"${k}"`).join(', ') || 'none';
  throw new DataError(`${file}:${r.line}: expected a string field "${key}"${v === undefined ? `, but the object has no such field (its fields: ${keys})` : `, got ${JSON.stringify(v)}`}`);
}

function idsField(r: Record_, key: string, tok: IdsTokenizer, file: string): number[] {
  const v = r.value[key];
  const last = tok.vocabSize - 1;
  if (!Array.isArray(v)) {
    const keys = Object.keys(r.value).map((k) => `"${k}"`).join(', ') || 'none';
    throw new DataError(`${file}:${r.line}: expected "${key}": an array of token ids such as [5, 8, 9]${v === undefined ? `, but the object has no such field (its fields: ${keys})` : `, got ${JSON.stringify(v)}`}`);
  }
  for (const id of v) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new DataError(`${file}:${r.line}: "${key}" holds ${JSON.stringify(id)}, which is not a token id (a whole number ≥ 0)`);
    if (id >= last) {
      throw new DataError(
        `${file}:${r.line}: "${key}" holds ${id}, but token ids must be 0 … ${last - 1}: the model's vocabulary has ${tok.vocabSize} ids and the last, ${last}, is the start/end token of token-id data; use a model with a larger vocabulary`,
      );
    }
  }
  return v as number[];
}

/** A target id the loss ignores (`ignore_index: 0`) would never be learned: refuse rather than train around it. */
function ignoredTargets(labels: LabelInput, ids: readonly number[], r: Record_, file: string): void {
  if (!ids.includes(labels.ignoreIndex)) return;
  throw new DataError(`${file}:${r.line}: "target_ids" holds ${labels.ignoreIndex}, which the loss on \`${labels.name}\` ignores (ignore_index: ${labels.ignoreIndex}), so it would never be learned; remove ignore_index from the loss (label padding then uses -100)`);
}

function fits(input: TokenInput, length: number, r: Record_, field: string, file: string): void {
  if (length === 0) throw new DataError(`${file}:${r.line}: "${field}" is empty; input \`${input.name}\` needs at least one token`);
  if (input.maxLength !== undefined && length > input.maxLength) {
    throw new DataError(`${file}:${r.line}: "${field}" is ${length} tokens long, but input \`${input.name}\` allows at most ${input.maxLength} (${input.dim} <= ${input.maxLength}); shorten the example or raise the bound with --set`);
  }
}

function labelValue(task: Extract<Task, { kind: 'classify' }>, r: Record_, classNames: string[] | undefined, file: string): number {
  const v = r.value.label;
  const l: LabelInput = task.labels;
  if (task.regression) {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    throw new DataError(`${file}:${r.line}: expected a number "label" for the regression target \`${l.name}\`, got ${JSON.stringify(v)}`);
  }
  if (classNames) {
    if (typeof v !== 'string') throw new DataError(`${file}:${r.line}: "label" must be a class name like the other lines' (${classNames.slice(0, 3).map((c) => JSON.stringify(c)).join(', ')}${classNames.length > 3 ? ', …' : ''}), got ${v === undefined ? 'no "label" field' : JSON.stringify(v)}`);
    const id = classNames.indexOf(v);
    if (l.classes !== undefined && id >= l.classes) {
      throw new DataError(`${file}: the data has ${classNames.length} distinct labels (${classNames.map((c) => JSON.stringify(c)).join(', ')}), but the model's \`${l.name}\` loss has ${l.classes} classes; set the number of classes with --set`);
    }
    return id;
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && (l.classes === undefined || v < l.classes)) return v;
  const range = l.classes !== undefined ? `an integer 0 ≤ label < ${l.classes}` : 'a non-negative integer';
  throw new DataError(`${file}:${r.line}: "label" must be a class name (a string) or ${range} for input \`${l.name}\`, got ${JSON.stringify(v)}${v === undefined ? ' (no "label" field)' : ''}`);
}

/**
 * The batch of a training step: the examples of epoch `floor((step-1) / perEpoch)` in a seeded
 * order, so the data of every step is known from the step alone — what makes `--resume` continue
 * exactly where a run stopped.
 */
export function batchForStep(examples: readonly Example[], step: number, batchSize: number, seed: number, pad: Record<string, number>): Record<string, number[] | number[][]> {
  const perEpoch = batchesPerEpoch(examples.length, batchSize);
  const epoch = Math.floor((step - 1) / perEpoch);
  const index = (step - 1) % perEpoch;
  const order = permutation(examples.length, (Math.imul(seed + 1, 0x9e3779b1) + epoch * 0x85ebca6b) >>> 0);
  const size = Math.min(batchSize, examples.length);
  return collate(order.slice(index * size, index * size + size).map((i) => examples[i]), pad);
}

export function batchesPerEpoch(n: number, batchSize: number): number {
  return n <= batchSize ? 1 : Math.floor(n / batchSize);
}

/** Batches of the validation examples (all of them, in order). */
export function validationBatches(examples: readonly Example[], batchSize: number, pad: Record<string, number>): Record<string, number[] | number[][]>[] {
  const out = [];
  for (let i = 0; i < examples.length; i += batchSize) out.push(collate(examples.slice(i, i + batchSize), pad));
  return out;
}

/** Stacks examples into a batch, padding token rows on the right to the longest of the batch. */
export function collate(examples: readonly Example[], pad: Record<string, number>): Record<string, number[] | number[][]> {
  const batch: Record<string, number[] | number[][]> = {};
  for (const name of Object.keys(examples[0])) {
    const rows = examples.map((e) => e[name]);
    if (typeof rows[0] === 'number') {
      batch[name] = rows as number[];
      continue;
    }
    const len = Math.max(...rows.map((r) => (r as number[]).length));
    const fill = pad[name] ?? 0;
    batch[name] = (rows as number[][]).map((r) => (r.length === len ? r : [...r, ...new Array<number>(len - r.length).fill(fill)]));
  }
  return batch;
}

/** Tokens in a batch that carry data, for tokens/s: every token of a language model's windows, the unpadded ones otherwise. */
export function batchTokens(batch: Record<string, number[] | number[][]>, task: Task, pad: number): number {
  const count = (rows: number[][], skipPad: boolean) => rows.reduce((n, r) => n + (skipPad ? r.filter((t) => t !== pad).length : r.length), 0);
  if (task.kind === 'lm') return count(batch[task.ids.name] as number[][], false);
  if (task.kind === 'seq2seq') return count(batch[task.source.name] as number[][], true) + count(batch[task.target.name] as number[][], true);
  return count(batch[task.tokens.name] as number[][], true);
}
