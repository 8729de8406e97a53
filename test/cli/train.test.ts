/**
 * `tfmc train`, `predict`, `generate` and `init` as users run them: the built binary in child
 * processes, real files, real signals (SIGINT, SIGKILL). Tiny models and few steps keep the file
 * short; each assertion is about behaviour (the loss falls, a resumed run equals a straight one,
 * an interrupted run leaves a loadable checkpoint), not about timing.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/backends/tfjs/checkpoint.js';
import { BIN, expectNoStackTrace, FIXTURES, ROOT, tfmc, type Run } from './helpers.js';

const EXAMPLES = path.join(ROOT, 'examples');
const SPEC = path.join(EXAMPLES, 'tiny-lm.tfm');
const CORPUS = path.join(EXAMPLES, 'corpus.txt');
const TRAIN_FIXTURES = path.join(FIXTURES, 'train');
/** Settings of the mechanics tests: small batches, evaluation only before and after training. */
const SMALL = ['--batch', '4', '--seq', '16', '--warmup', '2', '--eval-every', '1000'];

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfmc-train-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

const run = (args: string[], timeout = 60_000): Run => tfmc(args, { cwd: tmp, timeout });
const metricsOf = (dir: string) =>
  fs
    .readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { type: string; step: number; loss: number; lr?: number; perplexity?: Record<string, number> });

/** A training process we can signal: resolves with its exit code and output. */
function start(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1' } });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!ok()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const stepsLogged = (dir: string) => (fs.existsSync(path.join(dir, 'metrics.jsonl')) ? metricsOf(dir).filter((m) => m.type === 'step').length : 0);

describe('tfmc train', { timeout: 120_000 }, () => {
  it('trains the shipped example: the validation loss falls, and the run directory holds metrics, plot, tokenizer and checkpoint', async () => {
    const out = path.join(tmp, 'learns');
    const r = run(['train', SPEC, '--data', CORPUS, '--steps', '40', '--batch', '8', '--seq', '32', '--lr', '3e-3', '--eval-every', '20', '--save-every', '20', '--out', out]);
    expect(r.stderr).toMatch(/^backend: (node|native)$/m);
    expect(r.status).toBe(0);
    const evals = metricsOf(out).filter((m) => m.type === 'eval');
    expect(evals[0].step).toBe(0);
    expect(evals.at(-1)!.step).toBe(40);
    // A character model starts near ln(64) ≈ 4.2 and quickly learns the letter frequencies.
    expect(evals.at(-1)!.loss).toBeLessThan(evals[0].loss - 1);
    expect(metricsOf(out).filter((m) => m.type === 'step').map((m) => m.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(fs.readFileSync(path.join(out, 'loss.svg'), 'utf8')).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<path d="M[\s\S]*<\/svg>\n$/);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'tokenizer.json'), 'utf8')).kind).toBe('char');
    const ckpt = await readCheckpoint(path.join(out, 'checkpoint')); // verifies every checksum
    expect(ckpt.manifest.step).toBe(40);
    expect(ckpt.optimizer?.step).toBe(40);
    expect(r.stderr).toMatch(/trained 40 steps in .* tokens\/s\); validation loss [\d.]+ → [\d.]+/);

    const g = run(['generate', out, '--prompt', 'The ', '--max-new-tokens', '12', '--format', 'json']);
    expect(g.status).toBe(0);
    const [result] = JSON.parse(g.stdout).results;
    expect(result.tokens).toHaveLength(12);
    expect(result.text).toHaveLength(12);
  });

  it('with dropout 0.1, N steps straight and N/2 + --resume N/2 (two runs of the same --seed) give bit-identical weights and optimizer state', () => {
    const straight = path.join(tmp, 'straight');
    const split = path.join(tmp, 'split');
    const args = (out: string, steps: number, ...more: string[]) => ['train', SPEC, '--data', CORPUS, ...SMALL, '--set', 'dropout=0.1', '--steps', String(steps), '--out', out, ...more];
    expect(run(args(straight, 8)).status).toBe(0);
    expect(run(args(split, 4)).status).toBe(0);
    const resumed = run(args(split, 8, '--resume'));
    expect({ status: resumed.status, stderr: resumed.stderr }).toMatchObject({ status: 0 });
    expect(resumed.stderr).toContain('resuming at step 4');
    const bytes = (dir: string, f: string) => fs.readFileSync(path.join(dir, 'checkpoint', f));
    expect(bytes(split, 'weights.bin').equals(bytes(straight, 'weights.bin'))).toBe(true);
    expect(bytes(split, 'optimizer.bin').equals(bytes(straight, 'optimizer.bin'))).toBe(true);
    const losses = (dir: string) => metricsOf(dir).filter((m) => m.type === 'step').map((m) => m.loss);
    expect(losses(split)).toEqual(losses(straight));
  });

  it('an interrupted run (Ctrl-C) resumed with --resume equals a straight run, with dropout 0.1 and a cosine schedule', async () => {
    const args = (out: string) => ['train', SPEC, '--data', CORPUS, ...SMALL, '--set', 'dropout=0.1', '--schedule', 'cosine', '--steps', '24', '--out', out];
    const straight = path.join(tmp, 'cosine-straight');
    expect(run(args(straight)).status).toBe(0);
    const out = path.join(tmp, 'cosine-interrupted');
    const p = start(args(out));
    await waitFor('three training steps', () => stepsLogged(out) >= 3);
    p.child.kill('SIGINT');
    const { code, stderr } = await p.done;
    expect({ code, stderr }).toMatchObject({ code: 130 });
    const resumed = run([...args(out), '--resume']);
    expect(resumed.status).toBe(0);
    const bytes = (dir: string, f: string) => fs.readFileSync(path.join(dir, 'checkpoint', f));
    expect(bytes(out, 'weights.bin').equals(bytes(straight, 'weights.bin'))).toBe(true);
    expect(bytes(out, 'optimizer.bin').equals(bytes(straight, 'optimizer.bin'))).toBe(true);
    // The schedule: warm-up to --lr (1e-3 by default) at step --warmup (2), cosine decay to 0 at the last step.
    const lrs = metricsOf(straight).filter((m) => m.type === 'step').map((m) => m.lr!);
    expect([lrs[0], lrs[1], lrs[23]]).toEqual([5e-4, 1e-3, 0]);
    expect(lrs[12]).toBeCloseTo(5e-4, 15); // step 13: half-way through the decay from step 2 to step 24
    expect(lrs[7]).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos((Math.PI * 6) / 22)), 15);
  });

  it('keeps the best checkpoint by validation loss, stops early after --patience evaluations without improvement, and generate uses the best', async () => {
    const out = path.join(tmp, 'patience');
    // A large learning rate without clipping: the validation loss soon goes up and down.
    const args = ['train', SPEC, '--data', CORPUS, ...SMALL, '--lr', '0.05', '--clip-norm', '0', '--warmup', '0', '--eval-every', '1', '--patience', '2', '--steps', '60', '--out', out];
    const r = run(args);
    expect(r.status).toBe(0);
    const evals = metricsOf(out).filter((m) => m.type === 'eval');
    const after0 = evals.filter((m) => m.step > 0);
    const min = Math.min(...after0.map((m) => m.loss));
    const best = after0.find((m) => m.loss === min)!;
    const last = evals.at(-1)!;
    expect(last.step).toBeLessThan(60);
    expect(after0.filter((m) => m.step > best.step)).toHaveLength(2);
    expect(r.stderr).toContain(`early stopping at step ${last.step} of 60: the validation loss has not improved for 2 evaluations (best ${min.toFixed(4)} at step ${best.step})`);
    const bestCkpt = await readCheckpoint(path.join(out, 'best'));
    expect([bestCkpt.manifest.step, bestCkpt.manifest.metrics?.validationLoss]).toEqual([best.step, min]);
    expect((await readCheckpoint(path.join(out, 'checkpoint'))).manifest.step).toBe(last.step);
    // Perplexity: exp of the token-level validation cross-entropy, in metrics.jsonl, the progress and the plot.
    for (const m of evals) expect(m.perplexity!.next_token / Math.exp(m.loss)).toBeCloseTo(1, 5);
    expect(r.stderr).toMatch(/eval at step 1: validation loss [\d.]+, perplexity [\d.]+, accuracy [\d.]+%/);
    expect(fs.readFileSync(path.join(out, 'loss.svg'), 'utf8')).toContain('validation perplexity');

    const g = run(['generate', out, '--prompt', 'The ', '--max-new-tokens', '4']);
    expect(g.status).toBe(0);
    expect(g.stderr).toContain(`checkpoint: ${path.join('patience', 'best')} (the best: step ${best.step}, validation loss ${min.toFixed(4)}; the latest, step ${last.step}, is`);
    const latest = run(['generate', path.join(out, 'checkpoint'), '--prompt', 'The ', '--max-new-tokens', '4']);
    expect(latest.stderr).toContain(`(the latest: step ${last.step}; the best is`);

    // Resumed as it was, the run has nothing to do (and a kill between the two renames of a best/
    // save is repaired); without patience it trains on, and a worse loss never replaces best/.
    fs.renameSync(path.join(out, 'best'), path.join(out, 'best.old-1-0badcafe'));
    const same = run([...args.slice(0, -2), '--out', out, '--resume']);
    expect(same.status).toBe(0);
    expect(same.stderr).toContain(`the run stopped early at step ${last.step}`);
    expect((await readCheckpoint(path.join(out, 'best'))).manifest.step).toBe(best.step);
    expect(fs.readdirSync(out).filter((f) => f.includes('.old-'))).toEqual([]);
    const more = run(['train', SPEC, '--data', CORPUS, '--out', out, '--resume', '--patience', 'off', '--steps', String(last.step + 3)]);
    expect(more.status).toBe(0);
    const later = metricsOf(out).filter((m) => m.type === 'eval' && m.step > last.step);
    expect(later.map((m) => m.step)).toEqual([last.step + 1, last.step + 2, last.step + 3]);
    const now = await readCheckpoint(path.join(out, 'best'));
    const lowest = Math.min(min, ...later.map((m) => m.loss));
    expect(now.manifest.metrics?.validationLoss).toBe(lowest);
    if (lowest === min) expect(now.manifest.step).toBe(best.step);
  });

  it('Ctrl-C (SIGINT) stops after the current step, saves a loadable checkpoint, exits 130, and --resume continues from it', async () => {
    const out = path.join(tmp, 'sigint');
    const p = start(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', '100000', '--save-every', '100000', '--eval-every', '100000', '--out', out]);
    await waitFor('three training steps', () => stepsLogged(out) >= 3);
    p.child.kill('SIGINT');
    const { code, stderr } = await p.done;
    expect(code).toBe(130);
    const at = Number(/interrupted at step (\d+) of 100000: checkpoint saved to /.exec(stderr)?.[1]);
    expect(at).toBeGreaterThanOrEqual(3);
    expect(stderr).toContain('--resume');
    const ckpt = await readCheckpoint(path.join(out, 'checkpoint'));
    expect(ckpt.manifest.step).toBe(at);
    expect(stepsLogged(out)).toBe(at);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const more = run(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', String(at + 2), '--out', out, '--resume']);
    expect(more.status).toBe(0);
    expect(more.stderr).toContain(`resuming at step ${at}`);
    expect((await readCheckpoint(path.join(out, 'checkpoint'))).manifest.step).toBe(at + 2);
  });

  it('a killed process (SIGKILL) loses at most the steps since its last checkpoint, never leaves a half-written one, and resumes', async () => {
    const out = path.join(tmp, 'sigkill');
    const p = start(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', '100000', '--save-every', '3', '--eval-every', '100000', '--out', out]);
    await waitFor('a checkpoint and more steps', () => fs.existsSync(path.join(out, 'checkpoint', 'manifest.json')) && stepsLogged(out) >= 8);
    p.child.kill('SIGKILL');
    const { signal } = await p.done;
    expect(signal).toBe('SIGKILL');
    const logged = stepsLogged(out);
    // The checkpoint is whole (every checksum verifies) and at most 3 steps (--save-every) behind.
    const ckpt = await readCheckpoint(path.join(out, 'checkpoint'));
    expect(ckpt.manifest.step % 3).toBe(0);
    expect(logged - ckpt.manifest.step).toBeLessThanOrEqual(3);

    const more = run(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', String(ckpt.manifest.step + 2), '--out', out, '--resume']);
    expect(more.status).toBe(0);
    expect(more.stderr).toContain(`resuming at step ${ckpt.manifest.step}`);
    // metrics.jsonl was cut back to the checkpoint: every step appears once, in order.
    const steps = metricsOf(out).filter((m) => m.type === 'step').map((m) => m.step);
    expect(steps).toEqual(Array.from({ length: ckpt.manifest.step + 2 }, (_, i) => i + 1));
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });

  it('trains a classifier on JSONL {"text","label"} and predicts labels with probabilities', () => {
    const out = path.join(tmp, 'classifier');
    const r = run(['train', path.join(TRAIN_FIXTURES, 'classifier.tfm'), '--data', path.join(TRAIN_FIXTURES, 'reviews.jsonl'), '--steps', '4', '--batch', '4', '--out', out]);
    expect(r.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'))).toMatchObject({ task: 'classify', classNames: ['neg', 'pos'], inputs: { tokens: 'tokens', labels: 'labels' } });
    const p = run(['predict', out, '--input', 'good day', '--input', 'so bad', '--format', 'json']);
    expect(p.status).toBe(0);
    const { predictions } = JSON.parse(p.stdout);
    expect(predictions).toHaveLength(2);
    for (const pr of predictions) {
      expect(['neg', 'pos']).toContain(pr.label);
      expect(pr.probabilities.neg + pr.probabilities.pos).toBeCloseTo(1, 5);
      expect(pr.probability).toBe(Math.max(pr.probabilities.neg, pr.probabilities.pos));
    }
    const human = run(['predict', out, '--input', 'good day']);
    expect(human.stdout).toMatch(/^"good day"\t(neg|pos) \(\d+\.\d%\)\t(neg|pos) \d+\.\d%\n$/);
    const wrong = run(['generate', out, '--prompt', 'x']);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('use tfmc predict');
  });

  it('trains an encoder-decoder on JSONL {"source","target"} and generates from a source', () => {
    const out = path.join(tmp, 'seq2seq');
    const r = run(['train', path.join(EXAMPLES, 'reverse.tfm'), '--data', path.join(TRAIN_FIXTURES, 'pairs.jsonl'), '--set', 'vocab=14', '--steps', '2', '--batch', '4', '--out', out]);
    expect(r.status).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'))).toMatchObject({ task: 'seq2seq', inputs: { source: 'src', target: 'tgt', labels: 'labels' } });
    const g = run(['generate', out, '--source', '123', '--max-new-tokens', '4', '--format', 'json']);
    expect(g.status).toBe(0);
    expect(JSON.parse(g.stdout).results[0].tokens.length).toBeLessThanOrEqual(4);
  });
});

describe('examples/tiny-lm.sh', { timeout: 120_000 }, () => {
  it('trains the tiny LM with tfmc train and generates from it, greedy and sampled', () => {
    const env = { ...process.env, STEPS: '3', BATCH: '4', SEQ: '16', OUT: path.join(tmp, 'script-run') };
    const r = spawnSync('bash', [path.join(EXAMPLES, 'tiny-lm.sh')], { cwd: tmp, env, encoding: 'utf8', timeout: 110_000 });
    expect({ status: r.status, stderr: r.stderr }).toMatchObject({ status: 0 });
    expect(r.stderr).toContain('trained 3 steps');
    // The generated text may hold newlines (the corpus has them): match the prompts after the headers.
    expect(r.stdout).toMatch(/^--- greedy\nThe keeper [\s\S]+--- sampled \(temperature 0\.8, top-k 8\)\nIn winter [\s\S]+$/);
  });
});

describe('tfmc train: bad input is one clear paragraph, exit 1 or 2, nothing written', { timeout: 60_000 }, () => {
  const expectClean = (r: Run, status: number, pattern: RegExp) => {
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(pattern);
    expectNoStackTrace(r);
  };

  it('a missing data file is a usage error', () => {
    expectClean(run(['train', SPEC, '--data', 'nope.txt', '--out', 'x']), 2, /error: cannot read 'nope\.txt': no such file/);
    expect(fs.existsSync(path.join(tmp, 'x'))).toBe(false);
  });

  it('malformed JSONL names the file and the line', () => {
    const r = run(['train', path.join(EXAMPLES, 'reverse.tfm'), '--data', path.join(TRAIN_FIXTURES, 'malformed.jsonl'), '--set', 'vocab=14', '--out', 'bad-jsonl']);
    expectClean(r, 1, /malformed\.jsonl:3: not valid JSON .*each line of a \.jsonl file must be one JSON object/);
    expect(fs.existsSync(path.join(tmp, 'bad-jsonl'))).toBe(false);
  });

  it('JSONL without the fields the model needs says which field and line', () => {
    const data = path.join(tmp, 'wrong-fields.jsonl');
    fs.writeFileSync(data, '{"text": "good", "label": "pos"}\n{"text": "bad"}\n');
    const r = run(['train', path.join(TRAIN_FIXTURES, 'classifier.tfm'), '--data', data, '--out', 'wrong-fields']);
    expectClean(r, 1, /wrong-fields\.jsonl:2: "label" must be a class name like the other lines' \("pos"\), got no "label" field/);
  });

  it('a spec with errors prints its diagnostics and starts no training', () => {
    const r = run(['train', path.join(FIXTURES, 'bad.tfm'), '--data', CORPUS, '--out', 'bad-spec']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error\[TFM\d{4}\]/);
    expect(r.stderr).toContain('no training started');
    expectNoStackTrace(r);
    expect(fs.existsSync(path.join(tmp, 'bad-spec'))).toBe(false);
  });

  it('bad --patience and --schedule values, and --patience without validation data, are usage errors', () => {
    expectClean(run(['train', SPEC, '--data', CORPUS, '--patience', '0', '--out', 'p0']), 2, /option '--patience <n>' argument '0' is invalid\. expected a number of evaluations ≥ 1 \(e\.g\. 5\), or off/);
    expectClean(run(['train', SPEC, '--data', CORPUS, '--schedule', 'exp', '--out', 'sx']), 2, /option '--schedule <kind>' argument 'exp' is invalid\. Allowed choices are constant, linear, cosine/);
    expectClean(run(['train', SPEC, '--data', CORPUS, '--patience', '3', '--val-fraction', '0', '--out', 'pv']), 2, /--patience needs validation examples to watch, but --val-fraction 0 holds none back/);
    for (const d of ['p0', 'sx', 'pv']) expect(fs.existsSync(path.join(tmp, d))).toBe(false);
  });

  it('a vocabulary larger than the embedding says which --set fixes it', () => {
    const r = run(['train', SPEC, '--data', CORPUS, '--set', 'vocab=20', '--out', 'small-vocab']);
    expectClean(r, 1, /the char tokenizer has (\d+) tokens \(4 special tokens and \d+ distinct characters\), but input `ids` is read by `wte`, which has 20 rows \(config `vocab` = 20\); train with --set vocab=\1/);
    const bpe = run(['train', SPEC, '--data', CORPUS, '--tokenizer', 'bpe', '--out', 'bpe-vocab']);
    expectClean(bpe, 1, /the bpe tokenizer has 50257 tokens \(GPT-2's byte-level BPE vocabulary\), .* train with --set vocab=50257/);
  });

  it('a padding mask on an id the tokenizer does not pad with is refused before training', () => {
    // reverse.tfm masks `src` with pad: 0; GPT-2's BPE pads with 50256, and its id 0 is "!".
    const r = run(['train', path.join(EXAMPLES, 'reverse.tfm'), '--data', path.join(TRAIN_FIXTURES, 'pairs.jsonl'), '--tokenizer', 'bpe', '--set', 'vocab=50257', '--out', 'bpe-pad']);
    expectClean(r, 1, /the spec masks `src` with `padding\(src, pad: 0\)`, but the bpe tokenizer pads with id 50256 and id 0 is the token "!": real tokens would be masked and the padding would not\. Write `pad: 50256` in the spec/);
    expect(fs.existsSync(path.join(tmp, 'bpe-pad'))).toBe(false);
  });

  it('a run directory is never overwritten without --resume', () => {
    const out = path.join(tmp, 'learns'); // trained by the first test
    const before = fs.readFileSync(path.join(out, 'metrics.jsonl'));
    const r = run(['train', SPEC, '--data', CORPUS, '--out', out]);
    expectClean(r, 1, /already holds a training run; nothing was overwritten\. Add --resume/);
    expect(fs.readFileSync(path.join(out, 'metrics.jsonl')).equals(before)).toBe(true);
  });

  it('--resume with an incompatible spec says what differs and changes nothing', () => {
    const out = path.join(tmp, 'straight'); // trained by the resume test
    const files = ['run.json', 'metrics.jsonl', 'checkpoint/weights.bin'].map((f) => fs.readFileSync(path.join(out, f)));
    const r = run(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', '12', '--out', out, '--resume', '--set', 'd_model=32', '--batch', '8']);
    expectClean(r, 1, /cannot resume .*config `d_model` was 48, is 32.*--batch 8 differs from the run's 4.*Nothing was changed/);
    ['run.json', 'metrics.jsonl', 'checkpoint/weights.bin'].forEach((f, i) => expect(fs.readFileSync(path.join(out, f)).equals(files[i])).toBe(true));
  });

  it('a corrupt checkpoint is refused on --resume with the file that fails its checksum', () => {
    const out = path.join(tmp, 'corrupt');
    fs.cpSync(path.join(tmp, 'straight'), out, { recursive: true });
    const w = path.join(out, 'checkpoint', 'weights.bin');
    const bytes = fs.readFileSync(w);
    bytes[100] ^= 0xff;
    fs.writeFileSync(w, bytes);
    const r = run(['train', SPEC, '--data', CORPUS, ...SMALL, '--steps', '12', '--out', out, '--resume']);
    expectClean(r, 1, /weights\.bin is corrupt or was modified: its SHA-256 is/);
  });
});

describe('tfmc init', { timeout: 60_000 }, () => {
  it('creates a project whose spec checks clean and refuses to overwrite it', () => {
    const r = run(['init', 'proj']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('created proj/model.tfm, proj/data/corpus.txt, proj/README.md');
    const check = run(['check', 'proj/model.tfm']);
    expect(check.status).toBe(0);
    const readme = fs.readFileSync(path.join(tmp, 'proj', 'README.md'), 'utf8');
    expect(readme).toContain('tfmc train model.tfm --data data/corpus.txt');
    fs.writeFileSync(path.join(tmp, 'proj', 'model.tfm'), '// mine\n');
    const again = run(['init', 'proj']);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('tfmc init never overwrites files, so nothing was written');
    expect(fs.readFileSync(path.join(tmp, 'proj', 'model.tfm'), 'utf8')).toBe('// mine\n');
  });
});
