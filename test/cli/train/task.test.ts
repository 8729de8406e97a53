/** Which data a spec trains on, read from its inputs (src/cli/train/task.ts), on real specs. */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFile, checkSource } from '../../../src/index.js';
import { analyzeTask, TaskError, vocabKey } from '../../../src/cli/train/task.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const model = (file: string, name?: string) => {
  const r = checkFile(path.join(ROOT, file));
  return name ? r.models.find((m) => m.name === name)! : r.models[0];
};

describe('analyzeTask', () => {
  it('a decoder-only LM that shifts its own ids needs only `ids`, bounded by ctx and the embedding rows', () => {
    const task = analyzeTask(model('examples/tiny-lm.tfm'));
    expect(task).toEqual({ kind: 'lm', ids: { name: 'ids', dim: 'seq', maxLength: 64, vocab: { rows: 64, module: 'wte' } } });
    expect(vocabKey(model('examples/tiny-lm.tfm'), 64)).toBe('vocab');
  });

  it('a decoder-only LM with a label input gets next-token labels (padding = its ignore_index)', () => {
    const task = analyzeTask(model('examples/addition.tfm'));
    expect(task).toMatchObject({ kind: 'lm', ids: { name: 'ids' }, labels: { name: 'labels', ignoreIndex: 0, classes: 14 } });
  });

  it('an encoder-decoder: the token input shaped like the labels is the target', () => {
    const task = analyzeTask(model('examples/reverse.tfm'));
    expect(task).toMatchObject({ kind: 'seq2seq', source: { name: 'src', maxLength: 24 }, target: { name: 'tgt', maxLength: 24 }, labels: { name: 'labels', ignoreIndex: 0 } });
  });

  it('a classifier: one token input and int32 [batch] labels with the classes of its logits', () => {
    const task = analyzeTask(model('test/cli/fixtures/train/classifier.tfm'));
    expect(task).toMatchObject({ kind: 'classify', regression: false, tokens: { name: 'tokens' }, labels: { name: 'labels', classes: 2 } });
  });

  it('BERT (two label inputs) and ViT (images) are refused naming the input', () => {
    expect(() => analyzeTask(model('specs/bert.tfm', 'BertTiny'))).toThrow(TaskError);
    expect(() => analyzeTask(model('specs/bert.tfm', 'BertTiny'))).toThrow(/trains on inputs `ids`, `segments`, `mlm_labels`, `nsp_labels`/);
    expect(() => analyzeTask(model('specs/vit.tfm'))).toThrow(/input `images` .* is neither token ids read by an embedding nor the targets of a loss/);
  });

  it('a model without a loss has nothing to train', () => {
    const r = checkSource('model M {\n  input ids: int32[batch, seq]\n  output y = Embedding(10, 4)(ids)\n}\n', 'm.tfm');
    expect(() => analyzeTask(r.models[0])).toThrow(/declares no loss/);
  });
});
