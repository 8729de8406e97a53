/**
 * Hugging Face tokenizer.json files of the three model kinds (byte-level BPE as GPT-2, WordPiece as
 * BERT, Unigram with Metaspace as T5; test/fixtures/tokenizers, written in the real format), read
 * by `@huggingface/tokenizers`: text round-trips, merges and pieces apply, the special tokens are
 * found, and a run directory's copy reads back as the same tokenizer.
 */
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readHfTokenizer } from '../../../src/cli/train/hf-tokenizer.js';
import { tokenizerFromJSON } from '../../../src/cli/train/tokenizer.js';
import { TfmcFileError } from '../../../src/diagnostics/file-error.js';

const DIR = join(import.meta.dirname, '../../fixtures/tokenizers');

describe('Hugging Face tokenizer.json', () => {
  it('byte-level BPE: any text round-trips, merges apply, <|endoftext|> starts and ends', () => {
    const t = readHfTokenizer(join(DIR, 'byte-level-bpe.json'));
    const text = 'the cat sat on the mat, naïve! 🙂';
    const ids = t.encode(text);
    expect(t.decode(ids)).toBe(text);
    expect(ids.slice(0, 3)).toEqual([116, 257, 261]); // "t", "he", "Ġcat": two merges applied
    expect([t.vocabSize, t.bos, t.eos, t.pad]).toEqual([266, 265, 265, 265]);
    expect(t.decode([...ids, t.eos])).toBe(text);
  });

  it('WordPiece: lower-cased words and ## continuations, [CLS] and [SEP]', () => {
    const t = readHfTokenizer(join(DIR, 'wordpiece.json'));
    const ids = t.encode('The cat sat on the mat playing');
    expect(ids).toEqual([5, 6, 7, 8, 5, 9, 15, 16]); // play + ##ing
    expect(t.decode(ids)).toBe('the cat sat on the mat playing');
    expect([t.bos, t.eos, t.pad]).toEqual([2, 3, 0]);
    expect(t.unknown('the ☃ cat')).toEqual(['☃']);
  });

  it('Unigram (SentencePiece, Metaspace): pieces by score, </s> ends', () => {
    const t = readHfTokenizer(join(DIR, 'unigram.json'));
    const ids = t.encode('the cats sat on the mat');
    expect(ids.slice(0, 3)).toEqual([4, 5, 9]); // ▁the ▁cat s
    expect(t.decode(ids)).toBe('the cats sat on the mat');
    expect([t.eos, t.pad]).toEqual([1, 0]);
  });

  it('a run directory keeps the file itself, and reads it back as the same tokenizer', () => {
    const t = readHfTokenizer(join(DIR, 'wordpiece.json'));
    const again = tokenizerFromJSON(JSON.parse(JSON.stringify(t.toJSON())));
    expect(again.kind).toBe('hf');
    expect(again.encode('the cat playing')).toEqual(t.encode('the cat playing'));
  });

  it('refuses a file that is not a tokenizer it reads, with TFM6104', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfmc-tok-'));
    const bad = join(dir, 'tokenizer.json');
    writeFileSync(bad, JSON.stringify({ model: { type: 'Mystery', vocab: {} } }));
    const err = (() => {
      try {
        readHfTokenizer(bad, 'tokenizer.json');
      } catch (e) {
        return e;
      }
    })() as TfmcFileError;
    expect(err).toBeInstanceOf(TfmcFileError);
    expect(err.code).toBe('TFM6104');
    expect(err.message).toBe('tokenizer.json: its model is "Mystery"; BPE, WordPiece and Unigram are read');
  });
});
