/**
 * `tfmc generate` and `tfmc predict` with a model from a run directory, a checkpoint directory or a
 * spec with `--weights`, and `tfmc train` on token ids, as users run them: the built binary, real
 * files. The command lines docs/cli.md prints for generate, the lecture's example and weights from
 * elsewhere are run as printed (in bash, with `tfmc` the built binary), and what they say they print
 * is checked. Streaming (one write per token) is checked in-process through `main`, with a context
 * that records the writes.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/backends/tfjs/checkpoint.js';
import type { CliContext } from '../../src/cli/context.js';
import { main } from '../../src/cli/main.js';
import { BIN, expectNoStackTrace, FIXTURES, ROOT, tfmc, type Run } from './helpers.js';

const CLASSIFIER = path.join(FIXTURES, 'train', 'classifier.tfm');
const REVIEWS = path.join(FIXTURES, 'train', 'reviews.jsonl');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-generate-'));
  // The docs' paths (examples/..., runs/...) resolve inside tmp, so nothing is written to the repository.
  fs.mkdirSync(path.join(tmp, 'examples'));
  fs.cpSync(path.join(ROOT, 'examples', 'lecture'), path.join(tmp, 'examples', 'lecture'), { recursive: true });
  for (const f of ['tiny-lm.tfm', 'corpus.txt']) fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(tmp, 'examples', f));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[], timeout = 60_000): Run => tfmc(args, { cwd: tmp, timeout });

/** Runs a command line as printed in the docs: bash, with `tfmc` the built binary. */
function shell(line: string): Run {
  const script = `tfmc() { "${process.execPath}" "${BIN}" "$@"; }\n${line}\n`;
  const r = spawnSync('bash', ['-c', script], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined } });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The `tfmc` lines of the `sh` blocks under a heading of docs/cli.md (up to the next heading of that level or above). */
function docLines(heading: string): string[] {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'cli.md'), 'utf8');
  const start = doc.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/cli.md has no heading "${heading}"`);
  const level = heading.split(' ')[0].length;
  const rest = doc.slice(start + heading.length + 2);
  const end = rest.search(new RegExp(`\\n#{1,${level}} `));
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n')).filter((l) => l.startsWith('tfmc '));
}

/** What a doc line says it prints: `# prints 0 6 3` (stdout exactly), `# {...}` (stdout as JSON), else nothing checked. */
function promised(line: string): { text?: string; json?: unknown } {
  const comment = /\s#\s(.*)$/.exec(line)?.[1];
  if (comment?.startsWith('prints ')) return { text: comment.slice('prints '.length) };
  if (comment?.startsWith('{')) return { json: JSON.parse(comment) };
  return {};
}

function runDocLine(line: string): Run {
  const r = shell(line);
  expect({ line, status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
  expectNoStackTrace(r);
  const want = promised(line);
  if (want.text !== undefined) expect(r.stdout, line).toBe(`${want.text}\n`);
  if (want.json !== undefined) expect(JSON.parse(r.stdout), line).toEqual(want.json);
  return r;
}

/**
 * The lecture's run directory, trained by the first test (a few steps here when a block runs alone:
 * vitest -t), and a copy of its checkpoint outside the run: a plain checkpoint directory, with no
 * tokenizer (a checkpoint folder inside a run uses the run's tokenizer).
 */
function ensureLectureRun(): void {
  if (!fs.existsSync(path.join(tmp, 'runs', 'lecture', 'checkpoint'))) {
    const r = run(['train', 'examples/lecture/lecture.tfm', '--data', 'examples/lecture/pairs.jsonl', '--steps', '3', '--val-fraction', '0', '--out', 'runs/lecture']);
    expect(r.status).toBe(0);
  }
  if (!fs.existsSync(path.join(tmp, 'lecture-checkpoint'))) fs.cpSync(path.join(tmp, 'runs', 'lecture', 'checkpoint'), path.join(tmp, 'lecture-checkpoint'), { recursive: true });
}

/** A context for `main` that records every write to stdout. */
function recordingContext(): CliContext & { writes: string[]; stderr: string } {
  const ctx = {
    writes: [] as string[],
    stderr: '',
    out(s: string) {
      ctx.writes.push(s);
    },
    err(s: string) {
      ctx.stderr += s;
    },
    colorOut: false,
    colorErr: false,
    cwd: tmp,
    env: {},
    exitCode: 0,
  };
  return ctx;
}

describe("the lecture's example (docs/cli.md), as printed", { timeout: 300_000 }, () => {
  it('trains on token-id pairs, then answers 0 6 3 to 5 8 9, greedy and with beam search', () => {
    const lines = docLines("### The lecture's example: token ids in, token ids out");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((l) => promised(l).text === '0 6 3').length).toBeGreaterThanOrEqual(2);
    for (const line of lines) runDocLine(line);
    const info = JSON.parse(fs.readFileSync(path.join(tmp, 'runs', 'lecture', 'run.json'), 'utf8'));
    expect(info).toMatchObject({ task: 'seq2seq', tokenizer: 'ids', inputs: { source: 'src', target: 'tgt', labels: 'labels' } });
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'runs', 'lecture', 'tokenizer.json'), 'utf8'))).toEqual({ kind: 'ids', vocab: 11, start: 10, end: 10, pad: 10 });
  });

  it('runs the docs lines for weights from elsewhere: a safetensors file, a checkpoint, a spec with --weights, --steps 0', async () => {
    const lines = docLines('## Models and weights: run directories, checkpoints, specs with `--weights`');
    expect(lines.length).toBeGreaterThanOrEqual(6);
    for (const line of lines) runDocLine(line);
    // `tfmc train --steps 0` made a run directory with the initial weights and the tokenizer.
    const untrained = path.join(tmp, 'runs', 'untrained');
    expect((await readCheckpoint(path.join(untrained, 'checkpoint'))).manifest.step).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(untrained, 'tokenizer.json'), 'utf8')).kind).toBe('ids');
    expect(run(['generate', untrained, '--ids', '5,8,9', '--format', 'json']).status).toBe(0);
    // The spec's initial weights with --seed 1 are those of a compile with seed 1 (and differ from seed 0's).
    const again = run(['weights', 'export', 'examples/lecture/lecture.tfm', '--seed', '1', '-o', 'init-again.safetensors']);
    expect(again.status).toBe(0);
    expect(fs.readFileSync(path.join(tmp, 'init-again.safetensors'))).toEqual(fs.readFileSync(path.join(tmp, 'init.safetensors')));
    expect(run(['weights', 'export', 'examples/lecture/lecture.tfm', '-o', 'init0.safetensors']).stdout).toBe('✓ Lecture: initial weights (seed 0), 47 tensors (1,290 parameters) → init0.safetensors\n');
    expect(fs.readFileSync(path.join(tmp, 'init0.safetensors'))).not.toEqual(fs.readFileSync(path.join(tmp, 'init.safetensors')));
  });
});

describe('tfmc generate: text, streaming, notes', { timeout: 300_000 }, () => {
  const lines = docLines('### `tfmc generate MODEL`');
  beforeAll(() => {
    ensureLectureRun();
    // The docs' first line trains the run the others generate from.
    expect(lines[0]).toMatch(/^tfmc train .* --out runs\/tiny-lm$/);
    runDocLine(lines[0]);
  });

  it('runs the docs lines as printed: greedy, temperature 0 (the same text), sampling, beam search, a prompt with a newline, ids', () => {
    expect(lines).toHaveLength(7);
    const [greedy, cold, , beam, newline, ids] = lines.slice(1).map(runDocLine);
    expect(greedy.stdout).toMatch(/^The keeper [\s\S]+\n$/);
    // Greedy with 40 new tokens is the start of greedy with the default 64.
    expect(cold.stdout.startsWith(greedy.stdout.slice(0, -1))).toBe(true);
    expect(beam.stdout).toMatch(/^In winter [\s\S]+\n$/);
    const [result] = JSON.parse(newline.stdout).results;
    expect(result).toMatchObject({ prompt: 'The keeper\nsaid ', finished: 'length', limit: 'max-new-tokens' });
    expect(result.tokens).toHaveLength(20);
    expect(ids.stdout).toMatch(/^\d+( \d+){4}\n$/);
  });

  it('prints each token as it is chosen: one write per token', async () => {
    for (const format of ['text', 'ids']) {
      const ctx = recordingContext();
      const code = await main(['generate', 'runs/tiny-lm', '--prompt', 'The ', '--max-new-tokens', '12', '--format', format], ctx);
      expect({ code, stderr: ctx.stderr }).toMatchObject({ code: 0 });
      const binary = run(['generate', 'runs/tiny-lm', '--prompt', 'The ', '--max-new-tokens', '12', '--format', format]);
      expect(ctx.writes.join('')).toBe(binary.stdout);
      // ids: one write per token, then the newline. text: the prompt (written with the first token),
      // then one write per token that has text (special tokens have none), then the newline.
      expect(ctx.writes.at(-1)).toBe('\n');
      if (format === 'ids') {
        expect(ctx.writes).toHaveLength(13);
        expect(ctx.writes.slice(1, -1).every((w) => /^ \d+$/.test(w))).toBe(true);
      } else {
        expect(ctx.writes[0]).toBe('The ');
        const pieces = ctx.writes.slice(1, -1);
        expect(pieces.length).toBeGreaterThanOrEqual(6);
        expect(pieces.every((w) => [...w].length === 1)).toBe(true);
      }
    }
  });

  it('says which length limit stopped the output and how to raise it; --quiet silences the note', () => {
    const capped = run(['generate', 'runs/tiny-lm', '--prompt', 'The ', '--max-new-tokens', '3']);
    expect(capped.status).toBe(0);
    expect(capped.stderr).toContain('note: stopped after 3 new tokens, the limit of --max-new-tokens 3, before the end token; raise it with --max-new-tokens N\n');
    const quiet = run(['-q', 'generate', 'runs/tiny-lm', '--prompt', 'The ', '--max-new-tokens', '3']);
    expect(quiet.stdout).toBe(capped.stdout);
    expect(quiet.stderr).not.toContain('note:');
    // The model's own limit: ctx = 64, so a 60-character prompt leaves room for 5 new tokens.
    const long = run(['generate', 'runs/tiny-lm', '--prompt', 'a'.repeat(60), '--max-new-tokens', '20', '--format', 'json']);
    expect(long.status).toBe(0);
    expect(JSON.parse(long.stdout).results[0]).toMatchObject({ finished: 'length', limit: 'max-length' });
    expect(long.stderr).toContain("note: stopped after 5 new tokens at the model's maximum length: `ids` holds at most 64 tokens (config `ctx` = 64) and starts with the prompt's 60 tokens; a longer output needs a model built with a larger `ctx`\n");
    // An encoder-decoder without an end token runs into its target's limit (max_len = 8).
    const endless = run(['generate', 'lecture-checkpoint', '--ids', '5,8,9', '--start-token', '10']);
    expect(endless.stdout).toMatch(/^\d+( \d+){7}\n$/);
    expect(endless.stderr).toContain("note: stopped after 8 new tokens at the model's maximum length: `tgt` holds at most 8 tokens (config `max_len` = 8) and starts with the start token; a longer output needs a model built with a larger `max_len`\n");
  });

  it('names the characters of a prompt the tokenizer does not know (they became <unk>)', () => {
    const r = run(['generate', 'runs/tiny-lm', '--prompt', 'The §ea Ж', '--max-new-tokens', '2']);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith('The §ea Ж')).toBe(true);
    expect(r.stderr).toMatch(/note: the prompt "The §ea Ж" has characters the run's char tokenizer does not know: "§", "Ж"; they became <unk> \(the tokenizer has 4 special tokens and \d+ distinct characters, from the training data\)\n/);
    expect(run(['-q', 'generate', 'runs/tiny-lm', '--prompt', 'The §', '--max-new-tokens', '2']).stderr).not.toContain('note:');
  });

  it('gives each of several prompts the line it gets alone, with notes naming the input', () => {
    const both = run(['generate', 'runs/tiny-lm', '--prompt', 'The ', '--prompt', 'In winter ', '--max-new-tokens', '6', '--format', 'ids']);
    const one = run(['generate', 'runs/tiny-lm', '--prompt', 'In winter ', '--max-new-tokens', '6', '--format', 'ids']);
    expect(both.stdout.split('\n')[1]).toBe(one.stdout.trimEnd());
    expect(both.stderr).toContain('note: input 2: stopped after 6 new tokens');
  });
});

describe('tfmc generate and predict: every bad input is one clear error', { timeout: 120_000 }, () => {
  beforeAll(() => {
    ensureLectureRun();
    fs.writeFileSync(path.join(tmp, 'weights.safetensors'), 'not read: the command stops before');
    fs.mkdirSync(path.join(tmp, 'not-a-run'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'not-a-run', 'notes.txt'), 'hello\n');
  });

  const cases: Array<[string, string[], number, RegExp]> = [
    ['a spec without --weights', ['generate', 'examples/lecture/lecture.tfm', '--ids', '5,8,9'], 2, /^error: examples\/lecture\/lecture\.tfm is a spec: say which weights to use with --weights FILE_OR_DIR \(a checkpoint directory, a tfmc train run directory or a \.safetensors file\); for its initial weights, tfmc train examples\/lecture\/lecture\.tfm --data FILE --steps 0 makes a run directory\n$/],
    ['a safetensors file without its spec', ['generate', 'weights.safetensors', '--ids', '1'], 2, /^error: weights\.safetensors holds weights but not the model they belong to: give the spec first, as in tfmc generate SPEC --weights weights\.safetensors\n$/],
    ['a file that is not a spec', ['generate', 'examples/lecture/pairs.jsonl', '--ids', '1'], 2, /^error: examples\/lecture\/pairs\.jsonl is not a \.tfm spec: tfmc generate takes a tfmc train run directory, a checkpoint directory, or a \.tfm spec with --weights\n$/],
    ['a path that does not exist', ['generate', 'runs/nope', '--ids', '1'], 2, /^error: cannot read 'runs\/nope': no such file or directory\n$/],
    ['a directory that is neither a run nor a checkpoint', ['generate', 'not-a-run', '--ids', '1'], 1, /^error: not-a-run is neither a tfmc train run directory \(it has no run\.json\) nor a checkpoint directory \(it has no manifest\.json\); give one of those, or a \.tfm spec with --weights\n$/],
    ['text for a checkpoint, which has no tokenizer', ['generate', 'lecture-checkpoint', '--source', 'abc'], 2, /^error: lecture-checkpoint is a checkpoint directory, which holds no tokenizer \(a tfmc train run directory does\), so it cannot read text: give token ids with --ids 5,8,9 instead of --source\n$/],
    ['text for a run trained on token ids', ['generate', 'runs/lecture', '--source', 'abc'], 2, /^error: runs\/lecture was trained on token ids \("source_ids"\/"target_ids" data\): give the input as token ids, e.g\. --ids 5,8,9\n$/],
    ['--format text without a text tokenizer', ['generate', 'runs/lecture', '--ids', '5,8,9', '--format', 'text'], 2, /^error: --format text needs a tokenizer to turn ids into text, and runs\/lecture was trained on token ids: use --format ids or json\n$/],
    ['ids that are not numbers', ['generate', 'runs/lecture', '--ids', '5,8,x'], 2, /'x' is not a token id \(a whole number ≥ 0\); write the ids as 5,8,9/],
    ['text and ids together', ['generate', 'runs/tiny-lm', '--ids', '5', '--prompt', 'a'], 2, /^error: give text \(--prompt\/--source\) or token ids \(--ids\), not both\n$/],
    ['nothing to generate from', ['generate', 'runs/lecture'], 2, /^error: nothing to generate from: give --prompt TEXT \(--source TEXT for an encoder-decoder\), or token ids with --ids 5,8,9\n$/],
    ['--weights with a run directory', ['generate', 'runs/lecture', '--weights', 'runs/lecture', '--ids', '1'], 2, /^error: --weights goes with a spec \(tfmc generate SPEC --weights W\): runs\/lecture is a run directory, whose model and weights are fixed\n$/],
    ['an encoder-decoder checkpoint without --start-token', ['generate', 'lecture-checkpoint', '--ids', '5,8,9'], 2, /error: `Lecture` is an encoder-decoder, whose output starts from a start token, and lecture-checkpoint is a checkpoint directory, which holds no tokenizer \(a tfmc train run directory does\): give it with --start-token ID\n$/],
    ['an id outside the vocabulary', ['generate', 'runs/lecture', '--ids', '5,8,11'], 1, /error: input `src`: value 11 at \[0, 2\] is out of range: token ids of `embed` \(11 rows\) must be 0 ≤ id < 11\n$/],
    ['a source longer than the model allows', ['generate', 'runs/lecture', '--ids', '1,2,3,4,5,6,7,8,9'], 1, /error: input `src`: `src_len` is 9, but the model allows at most 8/],
    ['weights that do not fit the spec', ['generate', 'examples/tiny-lm.tfm', '--weights', 'runs/lecture', '--ids', '1'], 1, /error: checkpoint .*: its weights do not fit model `TinyLM` \(the checkpoint holds `Lecture`\)/],
    ['a --model the spec does not declare', ['generate', 'examples/lecture/lecture.tfm', '--model', 'Lectur', '--weights', 'runs/lecture', '--ids', '1'], 2, /has no model named `Lectur` \(did you mean `Lecture`\?/],
    ['beam search with a temperature', ['generate', 'runs/lecture', '--ids', '5,8,9', '--num-beams', '2', '--temperature', '0.5'], 1, /error: generate: `temperature`, `topK` and `topP` apply to sampling, but the strategy is 'beam'\n$/],
    ['a negative temperature', ['generate', 'runs/lecture', '--ids', '5', '--temperature', '-1'], 2, /expected a number ≥ 0/],
    ['predict on an encoder-decoder run', ['predict', 'runs/lecture', '--ids', '1,2'], 1, /^error: runs\/lecture holds a sequence-to-sequence model; tfmc predict is for classifiers and regression heads \(use tfmc generate runs\/lecture --ids 1,2,3 instead\)\n$/],
    ['predict on text without a tokenizer', ['predict', 'lecture-checkpoint', '--input', 'abc'], 2, /^error: lecture-checkpoint is a checkpoint directory, which holds no tokenizer .*: give token ids with --ids 5,8,9\n$/],
  ];
  it.each(cases)('%s', (_, args, status, message) => {
    const r = run(args);
    expect({ status: r.status, stderr: r.stderr.replace(/^backend: .*\n/, '') }).toMatchObject({ status, stderr: expect.stringMatching(message) });
    expect(r.stdout).toBe('');
    expectNoStackTrace(r);
  });
});

describe('tfmc predict with token ids, from a checkpoint and from a spec with --weights', { timeout: 120_000 }, () => {
  it('gives the run directory its class names and the others class indices, with the same probabilities', () => {
    const trained = run(['train', CLASSIFIER, '--data', REVIEWS, '--steps', '2', '--batch', '4', '--out', 'runs/classifier']);
    expect(trained.status).toBe(0);
    const fromRun = run(['predict', 'runs/classifier', '--ids', '5,6,7', '--format', 'json']);
    expect(fromRun.status).toBe(0);
    const [p] = JSON.parse(fromRun.stdout).predictions;
    expect(p.ids).toEqual([5, 6, 7]);
    expect(['neg', 'pos']).toContain(p.label);
    expect(run(['weights', 'export', 'runs/classifier', '-o', 'classifier.safetensors']).status).toBe(0);
    // The checkpoint the run directory stands for: its best one when it has one.
    const used = fs.existsSync(path.join(tmp, 'runs', 'classifier', 'best')) ? 'best' : 'checkpoint';
    fs.cpSync(path.join(tmp, 'runs', 'classifier', used), path.join(tmp, 'classifier-checkpoint'), { recursive: true });
    for (const args of [['classifier-checkpoint'], [CLASSIFIER, '--weights', 'classifier.safetensors']]) {
      const r = run(['predict', ...args, '--ids', '5,6,7', '--format', 'json']);
      expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
      const [q] = JSON.parse(r.stdout).predictions;
      expect(q.label).toBe(String(['neg', 'pos'].indexOf(p.label)));
      expect(q.probability).toBeCloseTo(p.probability, 6);
    }
    const human = run(['predict', 'classifier-checkpoint', '--ids', '5,6,7']);
    expect(human.stdout).toMatch(/^5,6,7\t[01] \(\d+\.\d%\)\t[01] \d+\.\d%\n$/);
    const unknown = run(['predict', 'runs/classifier', '--input', 'good Ж day']);
    expect(unknown.stderr).toContain('note: the input "good Ж day" has characters the run\'s char tokenizer does not know: "Ж"; they became <unk>');
  });
});

describe('tfmc train on token ids: bad data is one clear error, nothing written', { timeout: 60_000 }, () => {
  const write = (name: string, text: string) => fs.writeFileSync(path.join(tmp, name), text);
  const LECTURE = 'examples/lecture/lecture.tfm';
  const expectRefused = (args: string[], status: number, message: RegExp, out: string) => {
    const r = run([...args, '--out', out]);
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status, stderr: expect.stringMatching(message) });
    expectNoStackTrace(r);
    expect(fs.existsSync(path.join(tmp, out))).toBe(false);
  };

  it('an id that is the start/end token or beyond names the line and the range', () => {
    write('big-id.jsonl', '{"source_ids": [1, 2], "target_ids": [3]}\n{"source_ids": [1, 10], "target_ids": [3]}\n');
    expectRefused(['train', LECTURE, '--data', 'big-id.jsonl'], 1, /big-id\.jsonl:2: "source_ids" holds 10, but token ids must be 0 … 9: the model's vocabulary has 11 ids and the last, 10, is the start\/end token of token-id data; use a model with a larger vocabulary\n/, 'big-id');
  });

  it('ids that are not whole numbers, a missing field, and text mixed with ids', () => {
    write('frac.jsonl', '{"source_ids": [1.5], "target_ids": [3]}\n');
    expectRefused(['train', LECTURE, '--data', 'frac.jsonl'], 1, /frac\.jsonl:1: "source_ids" holds 1\.5, which is not a token id \(a whole number ≥ 0\)/, 'frac');
    write('no-target.jsonl', '{"source_ids": [1, 2]}\n');
    expectRefused(['train', LECTURE, '--data', 'no-target.jsonl'], 1, /no-target\.jsonl:1: expected "target_ids": an array of token ids such as \[5, 8, 9\], but the object has no such field \(its fields: "source_ids"\)/, 'no-target');
    write('mixed.jsonl', '{"source_ids": [1], "target_ids": [3]}\n{"source": "ab", "target": "ba"}\n');
    expectRefused(['train', LECTURE, '--data', 'mixed.jsonl'], 1, /mixed\.jsonl:2: expected "source_ids" and "target_ids" like line 1; a file gives either token ids or text, not both/, 'mixed');
  });

  it('token ids for a model that is not an encoder-decoder, --tokenizer with ids, a loss that ignores a target id', () => {
    write('ids.jsonl', '{"source_ids": [1, 2], "target_ids": [0, 3]}\n{"source_ids": [4], "target_ids": [5]}\n');
    expectRefused(['train', CLASSIFIER, '--data', 'ids.jsonl'], 1, /ids\.jsonl:1: "source_ids"\/"target_ids" lines are for encoder-decoders .* but this model is a classifier/, 'ids-classifier');
    expectRefused(['train', LECTURE, '--data', 'ids.jsonl', '--tokenizer', 'char'], 2, /^error: ids\.jsonl gives token ids \("source_ids"\/"target_ids"\), which need no tokenizer: drop --tokenizer char\n$/, 'ids-tokenizer');
    // examples/reverse.tfm pads with 0 (`ignore_index: 0`): a target id 0 would never be learned.
    expectRefused(['train', path.join(ROOT, 'examples', 'reverse.tfm'), '--data', 'ids.jsonl'], 1, /ids\.jsonl:1: "target_ids" holds 0, which the loss on `labels` ignores \(ignore_index: 0\), so it would never be learned; remove ignore_index from the loss/, 'ids-ignored');
  });
});
