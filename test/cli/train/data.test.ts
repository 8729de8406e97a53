/** Data files → examples and batches (src/cli/train/data.ts), tokenizers and the loss plot. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../../src/index.js';
import { batchForStep, buildExamples, collate, DataError, parseJsonl, textsOf } from '../../../src/cli/train/data.js';
import { lossSvg, movingAverage, ticks } from '../../../src/cli/train/loss-plot.js';
import { formatDuration, progressLine } from '../../../src/cli/train/progress.js';
import { analyzeTask } from '../../../src/cli/train/task.js';
import { BOS, CharTokenizer, EOS, Gpt2BpeTokenizer, tokenizerFromJSON } from '../../../src/cli/train/tokenizer.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const taskOf = (file: string) => analyzeTask(checkFile(path.join(ROOT, file)).models[0]);
const opts = { seq: 4, valFraction: 0.25, seed: 1, file: 'd.txt' };

describe('CharTokenizer', () => {
  it('round-trips text, maps unseen characters to <unk>, and is rebuilt from its JSON', () => {
    const tok = CharTokenizer.fromTexts(['abca', 'é!']);
    expect(tok.vocabSize).toBe(4 + 5);
    expect(tok.decode(tok.encode('abc!é'))).toBe('abc!é');
    expect(tok.encode('z')).toEqual([3]);
    expect(tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON()))).encode('cab')).toEqual(tok.encode('cab'));
    expect(() => tokenizerFromJSON({ kind: 'wordpiece' })).toThrow(/not a tfmc tokenizer/);
  });
});

describe('Gpt2BpeTokenizer', () => {
  it("encodes with GPT-2's merges, decodes losslessly, and uses <|endoftext|> as start, end and padding", () => {
    const tok = tokenizerFromJSON(new Gpt2BpeTokenizer().toJSON());
    expect(tok.encode('The keeper climbed the stairs.')).toEqual([464, 28356, 19952, 262, 16046, 13]);
    expect(tok.decode([...tok.encode('Ünïcode & tabs\t'), tok.eos])).toBe('Ünïcode & tabs\t');
    expect([tok.vocabSize, tok.pad, tok.bos, tok.eos]).toEqual([50257, 50256, 50256, 50256]);
  });
});

describe('examples', () => {
  it('a language model cuts the text into windows; validation is the last ones', () => {
    const task = taskOf('examples/tiny-lm.tfm');
    const text = 'abcdefghijklmnopqrstuvwxyz';
    const tok = CharTokenizer.fromTexts([text]);
    const ex = buildExamples(task, tok, 'text', text, undefined, opts);
    expect(ex.train.map((e) => tok.decode(e.ids as number[]))).toEqual(['abcd', 'efgh', 'ijkl', 'mnop']);
    expect(ex.validation.map((e) => tok.decode(e.ids as number[]))).toEqual(['qrst', 'uvwx']);
  });

  it('with a label input, labels are the next tokens', () => {
    const task = taskOf('examples/addition.tfm');
    const tok = CharTokenizer.fromTexts(['0123456789']);
    const ex = buildExamples(task, tok, 'text', '0123456789', undefined, { ...opts, valFraction: 0 });
    expect(ex.train[0]).toEqual({ ids: tok.encode('0123'), labels: tok.encode('1234') });
  });

  it('an encoder-decoder gets <bos> + target as decoder input and target + <eos> as labels', () => {
    const task = taskOf('examples/reverse.tfm');
    const records = parseJsonl('{"source": "12", "target": "21"}\n\n{"source": "345", "target": "543"}\n', 'p.jsonl');
    const tok = CharTokenizer.fromTexts(textsOf(task, 'jsonl', '', records));
    const ex = buildExamples(task, tok, 'jsonl', '', records, { ...opts, valFraction: 0 });
    const first = ex.train.find((e) => (e.src as number[]).length === 2)!;
    expect(first).toEqual({ src: tok.encode('12'), tgt: [BOS, ...tok.encode('21')], labels: [...tok.encode('21'), EOS] });
    expect(ex.pad).toEqual({ src: 0, tgt: 0, labels: 0 });
  });

  it('a classifier maps string labels to sorted class ids', () => {
    const task = taskOf('test/cli/fixtures/train/classifier.tfm');
    const records = parseJsonl('{"text": "ok", "label": "pos"}\n{"text": "no", "label": "neg"}\n', 'r.jsonl');
    const tok = CharTokenizer.fromTexts(textsOf(task, 'jsonl', '', records));
    const ex = buildExamples(task, tok, 'jsonl', '', records, { ...opts, valFraction: 0 });
    expect(ex.classNames).toEqual(['neg', 'pos']);
    expect(ex.train.map((e) => e.labels).sort()).toEqual([0, 1]);
  });

  it('data that does not fit says the file, line, field and input', () => {
    const s2s = taskOf('examples/reverse.tfm');
    const tok = CharTokenizer.fromTexts(['0123456789']);
    const long = parseJsonl(`{"source": "${'1'.repeat(30)}", "target": "1"}\n`, 'p.jsonl');
    expect(() => buildExamples(s2s, tok, 'jsonl', '', long, { ...opts, file: 'p.jsonl' })).toThrow(/p\.jsonl:1: "source" is 30 tokens long, but input `src` allows at most 24 \(src_len <= 24\)/);
    const missing = parseJsonl('{"source": "1"}\n', 'p.jsonl');
    expect(() => buildExamples(s2s, tok, 'jsonl', '', missing, { ...opts, file: 'p.jsonl' })).toThrow(/p\.jsonl:1: expected a string field "target", but the object has no such field \(its fields: "source"\)/);
    expect(() => buildExamples(s2s, tok, 'text', '123', undefined, opts)).toThrow(/trains on JSON lines \{"source": \.\.\., "target": \.\.\.\}/);
    expect(() => buildExamples(taskOf('examples/tiny-lm.tfm'), tok, 'text', '12345', undefined, opts)).toThrow(/d\.txt is too short: it has 5 tokens/);
    expect(() => parseJsonl('[1, 2]\n', 'a.jsonl')).toThrow(DataError);
    expect(() => parseJsonl('\n\n', 'a.jsonl')).toThrow(/holds no examples/);
  });
});

describe('batches', () => {
  it('the batch of a step depends on the step and seed only, and an epoch visits every example once', () => {
    const examples = Array.from({ length: 8 }, (_, i) => ({ ids: [i + 10, i + 10] }));
    const epoch = (first: number) => [0, 1, 2, 3].flatMap((k) => (batchForStep(examples, first + k, 2, 7, {}).ids as number[][]).map((r) => r[0]));
    expect(epoch(1).sort()).toEqual([10, 11, 12, 13, 14, 15, 16, 17]);
    expect(batchForStep(examples, 3, 2, 7, {})).toEqual(batchForStep(examples, 3, 2, 7, {}));
    expect(epoch(5)).not.toEqual(epoch(1)); // a new order each epoch
  });

  it('collate pads token rows with each input\'s pad value', () => {
    expect(collate([{ a: [1], b: [1], n: 3 }, { a: [1, 2, 3], b: [4, 5], n: 4 }], { b: -100 })).toEqual({ a: [[1, 0, 0], [1, 2, 3]], b: [[1, -100], [4, 5]], n: [3, 4] });
  });
});

describe('loss plot and progress', () => {
  it('draws the training curve, its average and validation points in a standalone SVG', () => {
    const train = Array.from({ length: 50 }, (_, i) => ({ step: i + 1, loss: 4 - i / 20 }));
    const svg = lossSvg(train, [{ step: 0, loss: 4.2 }, { step: 50, loss: 1.6 }], 'TinyLM: <loss>');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg.match(/<circle /g)).toHaveLength(3); // two validation points and the legend's
    expect(svg).toContain('TinyLM: &lt;loss&gt;');
    expect(svg).not.toContain('NaN');
    expect(lossSvg([], [], 'empty')).not.toContain('NaN');
    expect(movingAverage([{ step: 1, loss: 2 }, { step: 2, loss: 4 }, { step: 3, loss: 6 }], 2).map((p) => p.loss)).toEqual([2, 3, 5]);
    expect(ticks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('progress lines show loss, tokens/s and ETA', () => {
    expect(progressLine({ step: 5, total: 100, loss: 2.5, tokensPerSecond: 1234.4, eta: 65 }, false)).toBe('step   5/100  loss 2.5000  1,234 tok/s  ETA 1:05');
    expect(progressLine({ step: 50, total: 100, loss: 1, tokensPerSecond: 1, eta: 1 }, true)).toContain('[===========>            ]');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(NaN)).toBe('--:--');
  });
});
