/**
 * Token classification data (src/cli/train/token-labels.ts), the task that reads it
 * (src/cli/train/task.ts) and the refusal of data made for another task (src/cli/train/data-fit.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../../src/index.js';
import { collate, DataError, parseJsonl } from '../../../src/cli/train/data.js';
import { checkDataFits } from '../../../src/cli/train/data-fit.js';
import { analyzeTask, type Task } from '../../../src/cli/train/task.js';
import { readTaggedLines, tagExamples, tagTokenizer } from '../../../src/cli/train/token-labels.js';
import { tokenizerFromJSON, TokenVocabTokenizer, UNK } from '../../../src/cli/train/tokenizer.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const taskOf = (file: string) => analyzeTask(checkFile(path.join(ROOT, file)).models[0]);
const NER = 'examples/ner/ner.tfm';
const jsonl = (...lines: object[]) => parseJsonl(lines.map((l) => JSON.stringify(l)).join('\n'), 'd.jsonl');
const opts = { valFraction: 0.5, seed: 1, file: 'd.jsonl' };
type TagTask = Extract<Task, { kind: 'tag' }>;

describe('the token-classification task', () => {
  it('labels [batch, seq] with fewer classes than the embedding has rows: a token classifier', () => {
    expect(taskOf(NER)).toEqual({
      kind: 'tag',
      tokens: { name: 'tokens', dim: 'seq', maxLength: 16, vocab: { rows: 64, module: 'embed' } },
      labels: { name: 'labels', ignoreIndex: -100, classes: 5 },
    });
  });

  it('labels with as many classes as the embedding has rows stay next-token labels (a language model)', () => {
    expect(taskOf('examples/addition.tfm').kind).toBe('lm');
  });
});

describe('TokenVocabTokenizer', () => {
  it('one id per listed token (sorted vocabulary after the 4 specials), <unk> for unseen tokens, rebuilt from its JSON', () => {
    const tok = TokenVocabTokenizer.fromTokens([['Paris', 'in'], ['Ada', 'in']]);
    expect(tok.tokens).toEqual(['Ada', 'Paris', 'in']);
    expect(tok.vocabSize).toBe(7);
    expect(tok.encodePieces(['Ada', 'in', 'Rome'])).toEqual([4, 6, UNK]);
    expect(tok.encode('  Ada\tin Paris ')).toEqual([4, 6, 5]);
    expect(tok.decode([0, 4, 6, 5])).toBe('Ada in Paris');
    expect(tok.unknown('Ada in Rome  Oslo Rome')).toEqual(['Rome', 'Oslo']);
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(back.kind).toBe('tokens');
    expect(back.encode('Paris in')).toEqual([5, 6]);
  });
});

describe('tagExamples', () => {
  const task = taskOf(NER) as TagTask;

  it('class names are sorted to indices; token rows pad with <pad>, label rows with the loss\'s ignore_index', () => {
    const records = jsonl({ tokens: ['Ada', 'lives', 'in', 'Paris'], labels: ['B-PER', 'O', 'O', 'B-LOC'] }, { tokens: ['Oslo'], labels: ['B-LOC'] });
    const tok = tagTokenizer(readTaggedLines(records, 'd.jsonl'));
    const ex = tagExamples(task, tok, records, opts);
    expect(ex.classNames).toEqual(['B-LOC', 'B-PER', 'O']);
    expect(ex.pad).toEqual({ tokens: 0, labels: -100 });
    const all = [...ex.train, ...ex.validation];
    expect(all).toHaveLength(2);
    const batch = collate(all.sort((a, b) => (b.tokens as number[]).length - (a.tokens as number[]).length), ex.pad);
    expect(batch.labels).toEqual([
      [1, 2, 2, 0],
      [0, -100, -100, -100],
    ]);
    expect((batch.tokens as number[][])[1].slice(1)).toEqual([0, 0, 0]);
  });

  it('integer labels are class indices, checked against the classes of the logits', () => {
    const ok = jsonl({ tokens: ['a', 'b'], labels: [4, 0] }, { tokens: ['c'], labels: [1] });
    const ex = tagExamples(task, tagTokenizer(readTaggedLines(ok, 'd.jsonl')), ok, opts);
    expect(ex.classNames).toBeUndefined();
    const bad = jsonl({ tokens: ['a', 'b'], labels: [4, 5] });
    expect(() => tagExamples(task, tagTokenizer(readTaggedLines(bad, 'd.jsonl')), bad, opts)).toThrow('d.jsonl:1: label 2 is 5, but the model\'s `labels` has 5 classes (0 ≤ label < 5)');
  });

  it('refuses, naming the line: a labels count other than the tokens count, missing fields, mixed label kinds, too many classes, too long', () => {
    const fail = (...lines: object[]) => () => {
      const records = jsonl(...lines);
      tagExamples(task, tagTokenizer(readTaggedLines(records, 'd.jsonl')), records, opts);
    };
    expect(fail({ tokens: ['a'], labels: ['O'] }, { tokens: ['a', 'b', 'c'], labels: ['O', 'O'] })).toThrow('d.jsonl:2: 3 tokens but 2 labels; "labels" must have one label per token');
    expect(fail({ tokens: ['a'] })).toThrow(/^d\.jsonl:1: expected "labels", a list with one label per token, but the object has no such field \(its fields: "tokens"\)/);
    expect(fail({ text: 'a b', labels: ['O', 'O'] })).toThrow(/d\.jsonl:1: expected "tokens", a list of strings/);
    expect(fail({ tokens: ['a', 7], labels: ['O', 'O'] })).toThrow('d.jsonl:1: token 2 of "tokens" is 7; every token must be a non-empty string');
    expect(fail({ tokens: ['a'], labels: ['O'] }, { tokens: ['b'], labels: [1] })).toThrow("d.jsonl:2: label 1 is 1, but it must be a class name (a string), like line 1's");
    expect(fail({ tokens: ['a', 'b', 'c', 'd', 'e', 'f'], labels: ['A', 'B', 'C', 'D', 'E', 'F'] })).toThrow(/the data has 6 distinct labels .* have 5 classes; set the number of classes with --set/);
    expect(fail({ tokens: Array.from({ length: 17 }, (_, i) => `w${i}`), labels: Array(17).fill('O') })).toThrow('d.jsonl:1: 17 tokens, but input `tokens` allows at most 16 (seq <= 16)');
    expect(fail({ tokens: ['a'], labels: ['O'] }, { tokens: ['a'], labels: ['O'] })).not.toThrow();
  });
});

describe('checkDataFits: data made for another task is refused, naming the model\'s input and the format it expects', () => {
  const ner = taskOf(NER);
  const lm = taskOf('examples/tiny-lm.tfm');
  const classifier = taskOf('test/cli/fixtures/train/classifier.tfm');
  const reviews = parseJsonl(fs.readFileSync(path.join(ROOT, 'test/cli/fixtures/train/reviews.jsonl'), 'utf8'), 'reviews.jsonl');
  const tagged = parseJsonl(fs.readFileSync(path.join(ROOT, 'examples/ner/train.jsonl'), 'utf8'), 'train.jsonl');

  it('plain text given to a token classifier', () => {
    expect(() => checkDataFits(ner, 'TinyNer', 'text', 'some words', undefined, 'corpus.txt')).toThrow(
      'corpus.txt is read as plain text (it does not end in .jsonl or .json), but model `TinyNer` is a token classifier (input `tokens`, a label per token in `labels`), which trains on JSON lines {"tokens": ["Ada", "lives", "in", "Paris"], "labels": ["B-PER", "O", "O", "B-LOC"]} in a .jsonl file, one label per token',
    );
  });

  it('{"text","label"} given to a language model or a token classifier; {"tokens","labels"} to a text classifier', () => {
    expect(() => checkDataFits(lm, 'TinyLM', 'jsonl', '', reviews, 'reviews.jsonl')).toThrow(
      'reviews.jsonl holds JSON lines (a text classifier\'s {"text", "label"} examples), but model `TinyLM` is a decoder-only language model (input `ids`), which trains on plain text in a .txt file',
    );
    const text = fs.readFileSync(path.join(ROOT, 'test/cli/fixtures/train/reviews.jsonl'), 'utf8');
    expect(() => checkDataFits(lm, 'TinyLM', 'text', text, undefined, 'reviews.txt')).toThrow(/^reviews\.txt:1: this line is a JSON object of a text classifier's/);
    expect(() => checkDataFits(ner, 'TinyNer', 'jsonl', '', reviews, 'reviews.jsonl')).toThrow(/^reviews\.jsonl:1: this line is one of a text classifier's \{"text", "label"\} examples, but model `TinyNer` is a token classifier/);
    expect(() => checkDataFits(classifier, 'TinyClassifier', 'jsonl', '', tagged, 'train.jsonl')).toThrow(/^train\.jsonl:1: this line is one of a token classifier's \{"tokens", "labels"\} lines, but model `TinyClassifier` is a text classifier .* \{"text": "\.\.\.", "label": "pos"\}/);
  });

  it('data of the model\'s own task passes (a missing field is left to the reader, which names it)', () => {
    expect(() => checkDataFits(ner, 'TinyNer', 'jsonl', '', tagged, 'train.jsonl')).not.toThrow();
    expect(() => checkDataFits(classifier, 'TinyClassifier', 'jsonl', '', reviews, 'reviews.jsonl')).not.toThrow();
    expect(() => checkDataFits(lm, 'TinyLM', 'text', 'plain {text}', undefined, 'corpus.txt')).not.toThrow();
    expect(() => checkDataFits(ner, 'TinyNer', 'jsonl', '', jsonl({ tokens: ['a'] }), 'd.jsonl')).not.toThrow(DataError);
  });
});
