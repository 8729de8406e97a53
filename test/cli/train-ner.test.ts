/**
 * Token classification end to end with the built binary: `examples/ner/` trained with the
 * commands docs/cli.md shows, `tfmc predict` printing a label per token, and data of another
 * task refused before anything is written.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoStackTrace, ROOT, tfmc, type Run } from './helpers.js';

let tmp: string;
beforeAll(() => {
  // The commands run as docs/cli.md writes them, from a folder holding a copy of examples/ner.
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-ner-'));
  fs.cpSync(path.join(ROOT, 'examples', 'ner'), path.join(tmp, 'examples', 'ner'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'examples', 'corpus.txt'), path.join(tmp, 'corpus.txt'));
  fs.copyFileSync(path.join(ROOT, 'examples', 'tiny-lm.tfm'), path.join(tmp, 'tiny-lm.tfm'));
  fs.copyFileSync(path.join(ROOT, 'test', 'cli', 'fixtures', 'train', 'reviews.jsonl'), path.join(tmp, 'reviews.jsonl'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const run = (args: string[]): Run => tfmc(args, { cwd: tmp, timeout: 60_000, env: { TFMC_PROGRESS: 'plain' } });
const LABELS = ['B-LOC', 'B-ORG', 'B-PER', 'I-PER', 'O'];

describe('tfmc train on token-labelled JSON lines (examples/ner)', { timeout: 120_000 }, () => {
  it('trains a token classifier (loss falls), and predict prints a label per token', () => {
    const r = run(['train', 'examples/ner/ner.tfm', '--data', 'examples/ner/train.jsonl', '--steps', '60', '--out', 'runs/ner']);
    expectNoStackTrace(r);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('a token classifier on `tokens` (a label per token)');
    expect(r.stderr).toContain('tokens tokenizer with 34 tokens');
    expect(r.stderr).toContain('next: tfmc predict runs/ner --input "..."');
    const out = path.join(tmp, 'runs', 'ner');
    const info = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(info).toMatchObject({ task: 'tag', tokenizer: 'tokens', classNames: LABELS, inputs: { tokens: 'tokens', labels: 'labels' } });
    const evals = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'eval');
    expect(evals[evals.length - 1].loss).toBeLessThan(evals[0].loss * 0.6);
    expect(evals[0].perplexity).toBeUndefined();

    const human = run(['predict', 'runs/ner', '--input', 'Ada lives in Paris']);
    expect(human.status, human.stderr).toBe(0);
    const lines = human.stdout.split('\n');
    expect(lines.slice(0, 4).map((l) => l.split('\t')[0])).toEqual(['Ada', 'lives', 'in', 'Paris']);
    for (const l of lines.slice(0, 4)) expect(l).toMatch(new RegExp(`^\\S+\\t(${LABELS.join('|')}) \\(\\d+\\.\\d%\\)$`));
    expect(lines.slice(4)).toEqual(['', '']);

    const json = run(['predict', 'runs/ner', '--input', 'Ada lives in Paris', '--input', 'Globex opened an office in Zurich', '--format', 'json']);
    expect(json.status).toBe(0);
    const { predictions } = JSON.parse(json.stdout);
    expect(predictions.map((p: { tokens: unknown[] }) => p.tokens.length)).toEqual([4, 6]);
    // The entities the data teaches (60 steps of 48 lines): a person, a place, "lives"/"in" outside any.
    expect(predictions[0].tokens.map((t: { label: string }) => t.label)).toEqual(['B-PER', 'O', 'O', 'B-LOC']);
    expect(predictions[1].tokens[0]).toMatchObject({ token: 'Globex', label: expect.stringMatching(/^(B-ORG|B-PER|B-LOC|I-PER|O)$/) });

    // A word the data did not have is <unk>, named in a note.
    expect(json.stderr).toContain('note: the input "Globex opened an office in Zurich" has words the run\'s tokens tokenizer does not know: "Zurich"');

    // Through model-source.ts like the other tasks: a spec with --weights (the run's tokenizer; a
    // spec has no class names, so labels are class indices) and a checkpoint directory with --ids.
    const spec = run(['predict', 'examples/ner/ner.tfm', '--weights', 'runs/ner', '--input', 'Ada lives in Paris', '--format', 'json']);
    expect(spec.status, spec.stderr).toBe(0);
    const bySpec = JSON.parse(spec.stdout).predictions[0].tokens;
    expect(bySpec.map((t: { token: string }) => t.token)).toEqual(['Ada', 'lives', 'in', 'Paris']);
    expect(bySpec.map((t: { label: string }) => LABELS[Number(t.label)])).toEqual(predictions[0].tokens.map((t: { label: string }) => t.label));
    fs.cpSync(path.join(out, 'best'), path.join(tmp, 'ner-ckpt'), { recursive: true });
    const ids = run(['predict', 'ner-ckpt', '--ids', '4,5']);
    expect(ids.status, ids.stderr).toBe(0);
    expect(ids.stdout).toMatch(/^4\t[0-4] \(\d+\.\d%\)\n5\t[0-4] \(\d+\.\d%\)\n\n$/);
    const noTok = run(['predict', 'ner-ckpt', '--input', 'Ada']);
    expect(noTok.status).toBe(2);
    expect(noTok.stderr).toContain('holds no tokenizer');

    const gen = run(['generate', 'runs/ner', '--prompt', 'Ada']);
    expect(gen.status).toBe(1);
    expect(gen.stderr).toContain('holds a token classifier, which does not generate text; use tfmc predict');
  });

  it('refuses data made for another task, naming the input and the expected format, and writes nothing', () => {
    const cases: Array<[string[], RegExp]> = [
      [['examples/ner/ner.tfm', '--data', 'corpus.txt'], /^error: corpus\.txt is read as plain text .* model `TinyNer` is a token classifier \(input `tokens`, a label per token in `labels`\), which trains on JSON lines \{"tokens": \[/m],
      [['examples/ner/ner.tfm', '--data', 'reviews.jsonl'], /^error: reviews\.jsonl:1: this line is one of a text classifier's \{"text", "label"\} examples, but model `TinyNer` is a token classifier/m],
      [['tiny-lm.tfm', '--data', 'reviews.jsonl'], /^error: reviews\.jsonl holds JSON lines \(a text classifier's \{"text", "label"\} examples\), but model `TinyLM` is a decoder-only language model \(input `ids`\), which trains on plain text/m],
      [['tiny-lm.tfm', '--data', 'examples/ner/train.jsonl'], /holds JSON lines \(a token classifier's \{"tokens", "labels"\} lines\), but model `TinyLM` is a decoder-only language model/],
    ];
    fs.writeFileSync(path.join(tmp, 'short.jsonl'), '{"tokens": ["Ada", "lives"], "labels": ["B-PER", "O"]}\n{"tokens": ["Ada", "lives", "in", "Oslo"], "labels": ["B-PER", "O", "O"]}\n');
    cases.push([['examples/ner/ner.tfm', '--data', 'short.jsonl'], /^error: short\.jsonl:2: 4 tokens but 3 labels; "labels" must have one label per token/m]);
    for (const [args, message] of cases) {
      const r = run(['train', ...args, '--steps', '1', '--out', 'runs/refused']);
      expectNoStackTrace(r);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(path.join(tmp, 'runs', 'refused'))).toBe(false);
    }
    const tok = run(['train', 'examples/ner/ner.tfm', '--data', 'examples/ner/train.jsonl', '--tokenizer', 'char', '--out', 'runs/refused']);
    expect(tok.status).toBe(2);
    expect(tok.stderr).toContain('--tokenizer char does not apply to model `TinyNer`, a token classifier');
  });
});
