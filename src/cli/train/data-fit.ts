/**
 * Does a data file fit the model's task? Checked before a tokenizer is built, so a file of
 * another task (plain text for a token classifier, `{"text", "label"}` lines for a language
 * model) is refused with one paragraph naming the model's input and the format it expects,
 * instead of training something else.
 */
import { DataError, type DataFormat, type Record_ } from './data.js';
import type { Task } from './task.js';
import { TAG_FORMAT } from './token-labels.js';

/** The JSONL formats `tfmc train` reads, by the fields that identify them. */
const JSONL_FORMATS: ReadonlyArray<{ task: Task['kind']; fields: readonly string[]; what: string }> = [
  { task: 'seq2seq', fields: ['source', 'target'], what: 'an encoder-decoder\'s {"source", "target"} pairs' },
  { task: 'classify', fields: ['text', 'label'], what: 'a text classifier\'s {"text", "label"} examples' },
  { task: 'tag', fields: ['tokens', 'labels'], what: 'a token classifier\'s {"tokens", "labels"} lines' },
];

/** What the model is, for messages. */
export function describeModelTask(task: Task): string {
  if (task.kind === 'lm') return `a decoder-only language model (input \`${task.ids.name}\`)`;
  if (task.kind === 'seq2seq') return `an encoder-decoder (inputs \`${task.source.name}\` → \`${task.target.name}\`)`;
  if (task.kind === 'tag') return `a token classifier (input \`${task.tokens.name}\`, a label per token in \`${task.labels.name}\`)`;
  return `${task.regression ? 'a regression head' : 'a text classifier'} (input \`${task.tokens.name}\`, labels \`${task.labels.name}\`)`;
}

/** The data the model trains on, as a user writes it. */
export function expectedData(task: Task): string {
  if (task.kind === 'lm') return 'plain text in a .txt file (the whole text is one token stream, cut into windows)';
  if (task.kind === 'seq2seq') return 'JSON lines {"source": "...", "target": "..."} in a .jsonl file';
  if (task.kind === 'tag') return `JSON lines ${TAG_FORMAT} in a .jsonl file, one label per token`;
  return `JSON lines {"text": "...", "label": ${task.regression ? '0.5' : '"pos"'}} in a .jsonl file`;
}

/**
 * Refuses a data file made for another task. `records` are the parsed lines of a JSONL file.
 * Lines that merely lack a field are left to the readers of each format, which name the field.
 */
export function checkDataFits(task: Task, model: string, format: DataFormat, text: string, records: readonly Record_[] | undefined, file: string): void {
  const refuse = (where: string, got: string) => {
    throw new DataError(`${where} ${got}, but model \`${model}\` is ${describeModelTask(task)}, which trains on ${expectedData(task)}`);
  };
  if (task.kind === 'lm') {
    if (format === 'jsonl') {
      const other = records?.length ? formatOf(records[0]) : undefined;
      refuse(file, `holds JSON lines${other ? ` (${other.what})` : ''}`);
    }
    // A .txt file of JSON lines made for another task would train a language model on JSON.
    const first = text.split(/\r?\n/).findIndex((l) => l.trim() !== '');
    if (first >= 0) {
      const other = formatOf({ line: first + 1, value: parseObject(text.split(/\r?\n/)[first]) });
      if (other) refuse(`${file}:${first + 1}:`, `this line is a JSON object of ${other.what}`);
    }
    return;
  }
  if (format !== 'jsonl') refuse(file, 'is read as plain text (it does not end in .jsonl or .json)');
  const own = JSONL_FORMATS.find((f) => f.task === task.kind)!;
  for (const r of records ?? []) {
    if (own.fields.every((k) => k in r.value)) continue;
    const other = formatOf(r);
    if (other) refuse(`${file}:${r.line}:`, `this line is one of ${other.what}`);
  }
}

function formatOf(r: Record_): (typeof JSONL_FORMATS)[number] | undefined {
  return JSONL_FORMATS.find((f) => f.fields.every((k) => k in r.value));
}

function parseObject(line: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(line);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
