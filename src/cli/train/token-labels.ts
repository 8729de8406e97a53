/**
 * Token classification data (NER, part-of-speech tags): JSONL `{"tokens": [...], "labels": [...]}`,
 * one label per listed token, for a `tag` task (`task.ts`).
 *
 * - One model position per listed token: the tokens are not split further, and the vocabulary is
 *   the distinct tokens of the data (`TokenVocabTokenizer`, `tokenizer.json` kind `tokens`).
 * - Labels are class names (every line's names together, sorted: index = class id) or integer
 *   class indices `0 ≤ label < classes`; one file uses one kind.
 * - Token rows are padded with `<pad>` (0), label rows with the loss's `ignore_index`, so padding
 *   positions count neither in the loss nor in the accuracy.
 */
import { permutation } from '../../backends/tfjs/data.js';
import { DataError, validationCount, type Example, type Examples, type Record_ } from './data.js';
import type { Task } from './task.js';
import { TokenVocabTokenizer } from './tokenizer.js';

type TagTask = Extract<Task, { kind: 'tag' }>;

export const TAG_FORMAT = '{"tokens": ["Ada", "lives", "in", "Paris"], "labels": ["B-PER", "O", "O", "B-LOC"]}';

export interface TaggedLine {
  line: number;
  tokens: string[];
  labels: Array<string | number>;
}

/** The lines of a token-classification file, checked: tokens are strings, one label per token. */
export function readTaggedLines(records: readonly Record_[], file: string): TaggedLine[] {
  return records.map((r) => {
    const where = `${file}:${r.line}`;
    const tokens = r.value.tokens;
    const labels = r.value.labels;
    const fields = Object.keys(r.value).map((k) => `"${k}"`).join(', ') || 'none';
    if (!Array.isArray(tokens)) {
      throw new DataError(`${where}: expected "tokens", a list of strings${tokens === undefined ? `, but the object has no such field (its fields: ${fields})` : `, got ${JSON.stringify(tokens)}`}; a token classifier trains on JSON lines ${TAG_FORMAT}`);
    }
    if (!Array.isArray(labels)) {
      throw new DataError(`${where}: expected "labels", a list with one label per token${labels === undefined ? `, but the object has no such field (its fields: ${fields})` : `, got ${JSON.stringify(labels)}`}; a token classifier trains on JSON lines ${TAG_FORMAT}`);
    }
    const bad = tokens.findIndex((t) => typeof t !== 'string' || t === '');
    if (bad >= 0) throw new DataError(`${where}: token ${bad + 1} of "tokens" is ${JSON.stringify(tokens[bad])}; every token must be a non-empty string`);
    if (tokens.length === 0) throw new DataError(`${where}: "tokens" is empty; every line needs at least one token`);
    if (labels.length !== tokens.length) {
      throw new DataError(`${where}: ${tokens.length} token${tokens.length === 1 ? '' : 's'} but ${labels.length} label${labels.length === 1 ? '' : 's'}; "labels" must have one label per token`);
    }
    return { line: r.line, tokens: tokens as string[], labels: labels as Array<string | number> };
  });
}

/** The vocabulary of the data's tokens. */
export function tagTokenizer(lines: readonly TaggedLine[]): TokenVocabTokenizer {
  return TokenVocabTokenizer.fromTokens(lines.map((l) => l.tokens));
}

/** Class names of the data (sorted), or undefined when its labels are integer indices. */
export function tagClassNames(task: TagTask, lines: readonly TaggedLine[], file: string): string[] | undefined {
  const first = lines[0];
  const byName = typeof first.labels[0] === 'string';
  for (const l of lines) {
    const i = l.labels.findIndex((v) => (byName ? typeof v !== 'string' : !(typeof v === 'number' && Number.isInteger(v))));
    if (i < 0) continue;
    const want = byName ? `a class name (a string), like line ${first.line}'s` : `an integer class index, like line ${first.line}'s`;
    throw new DataError(`${file}:${l.line}: label ${i + 1} is ${JSON.stringify(l.labels[i])}, but it must be ${want}; one file uses class names or class indices, not both`);
  }
  const classes = task.labels.classes;
  if (!byName) {
    for (const l of lines) {
      const i = l.labels.findIndex((v) => (v as number) < 0 || (classes !== undefined && (v as number) >= classes));
      if (i >= 0) throw new DataError(`${file}:${l.line}: label ${i + 1} is ${l.labels[i]}, but the model's \`${task.labels.name}\` has ${classes} classes (0 ≤ label < ${classes})`);
    }
    return undefined;
  }
  const names = [...new Set(lines.flatMap((l) => l.labels as string[]))].sort();
  if (classes !== undefined && names.length > classes) {
    throw new DataError(`${file}: the data has ${names.length} distinct labels (${names.map((c) => JSON.stringify(c)).join(', ')}), but the logits the loss compares with \`${task.labels.name}\` have ${classes} classes; set the number of classes with --set`);
  }
  return names;
}

/** The examples of a token-classification file, split into training and validation after a seeded shuffle. */
export function tagExamples(task: TagTask, tok: TokenVocabTokenizer, records: readonly Record_[], o: { valFraction: number; seed: number; file: string }): Examples {
  const lines = readTaggedLines(records, o.file);
  const classNames = tagClassNames(task, lines, o.file);
  const examples = lineExamples(task, tok, lines, classNames, o.file);
  const shuffled = permutation(examples.length, o.seed).map((i) => examples[i]);
  const nVal = validationCount(shuffled.length, o.valFraction);
  const pad = { [task.tokens.name]: tok.pad, [task.labels.name]: task.labels.ignoreIndex };
  return { train: shuffled.slice(nVal), validation: shuffled.slice(0, nVal), pad, classNames };
}

/** One example per line: token ids and class ids, as long as the line. */
function lineExamples(task: TagTask, tok: TokenVocabTokenizer, lines: readonly TaggedLine[], classNames: string[] | undefined, file: string): Example[] {
  const max = task.tokens.maxLength;
  return lines.map((l) => {
    if (max !== undefined && l.tokens.length > max) {
      throw new DataError(`${file}:${l.line}: ${l.tokens.length} tokens, but input \`${task.tokens.name}\` allows at most ${max} (${task.tokens.dim} <= ${max}); shorten the line or raise the bound with --set`);
    }
    const labels = classNames ? l.labels.map((v) => classNames.indexOf(v as string)) : (l.labels as number[]);
    return { [task.tokens.name]: tok.encodePieces(l.tokens), [task.labels.name]: labels };
  });
}
