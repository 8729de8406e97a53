/**
 * `tfmc train SPEC --data FILE`: train a model of a spec on a text or JSONL file into a run
 * directory (metrics, loss plot, tokenizer, checkpoints). The flags are defined here; the work is
 * in `src/cli/train/run.ts`, imported when the command runs so other commands never load
 * TensorFlow.js. Documented in docs/cli.md.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type CliContext, requireReadableFile, UsageError } from './context.js';
import { addModelOption, addSetOption, examples, integerAtLeast } from './options.js';
import type { ScheduleKind } from '../backends/tfjs/schedule.js';
import type { TrainFlags } from './train/flags.js';

export function registerTrain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('train')
    .description('train a model of a spec on a text or JSONL file, with checkpoints you can resume')
    .argument('<spec>', 'the .tfm file')
    .requiredOption('--data <file>', 'training data: plain text (language model) or .jsonl ({"source","target"}, {"source_ids","target_ids"}, {"text","label"} or {"tokens","labels"})');
  addModelOption(cmd);
  addSetOption(cmd);
  addBackendOption(cmd);
  cmd
    .option('--out <dir>', 'run directory (default: runs/<model-name>)')
    .option('--steps <n>', 'optimizer steps in all (default: one epoch; 0: only the run directory with the initial weights)', integerAtLeast(0))
    .option('--epochs <n>', 'passes over the training data (instead of --steps)', integerAtLeast(1))
    .option('--batch <n>', 'examples per step (default 16)', integerAtLeast(1))
    .option('--seq <n>', 'tokens per language-model window (default: the spec\'s bound, at most 128)', integerAtLeast(1))
    .option('--lr <rate>', 'peak learning rate of Adam (default 1e-3)', positiveNumber)
    .option('--warmup <n>', 'steps of linear learning-rate warm-up (default: a tenth of the steps, at most 100)', integerAtLeast(0))
    .addOption(
      new Option('--schedule <kind>', 'learning rate after the warm-up: constant (default), or a linear or cosine decay to 0 at the last step').choices(['constant', 'linear', 'cosine'] satisfies ScheduleKind[]),
    )
    .option('--clip-norm <x>', 'clip gradients to this global norm, 0 for none (default 1)', nonNegativeNumber)
    .option('--eval-every <n>', 'evaluate on the validation set every n steps (default: 10 times a run)', integerAtLeast(1))
    .option('--save-every <n>', 'save a checkpoint every n steps (default: 10 times a run, at least every 200)', integerAtLeast(1))
    .option('--val-fraction <f>', 'fraction of the data held out for validation (default 0.1)', fraction)
    .option('--patience <n>', 'stop early after n evaluations without a lower validation loss (default off; "off" turns it off on --resume)', patience)
    .option('--seed <n>', 'seed of the initial weights, the data order and the dropout masks (default 0)', integerAtLeast(0))
    .option('--resume', 'continue the run in --out from its last checkpoint (same optimizer state and step)')
    .option('--tokenizer <kind>', "char (default): the data's characters; bpe: GPT-2's byte-level BPE (50,257 tokens); or a Hugging Face tokenizer.json file", tokenizerFlag);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc train examples/tiny-lm.tfm --data examples/corpus.txt --steps 300', 'a character-level language model'],
      ['tfmc train lm.tfm --data book.txt --set layers=4 --out runs/big --epochs 3', 'a variant, three epochs'],
      ['tfmc train lm.tfm --data book.txt --out runs/big --resume', 'continue after Ctrl-C or a crash'],
      ['tfmc train lm.tfm --data book.txt --schedule cosine --eval-every 50 --patience 5', 'cosine decay; stop when validation stalls'],
      ['tfmc train seq2seq.tfm --data pairs.jsonl', 'encoder-decoder on {"source","target"} lines'],
      ['tfmc train examples/lecture/lecture.tfm --data examples/lecture/pairs.jsonl', 'encoder-decoder on token ids: {"source_ids": [5, 8, 9], "target_ids": [0, 6, 3]}'],
      ['tfmc train lm.tfm --data book.txt --steps 0 --out runs/init', 'only the run directory: initial weights and tokenizer'],
      ['tfmc train classifier.tfm --data reviews.jsonl', 'classifier on {"text","label"} lines'],
      ['tfmc train examples/ner/ner.tfm --data examples/ner/train.jsonl', 'token classifier on {"tokens","labels"} lines'],
    ]) +
      '\nThe run directory keeps the latest checkpoint (checkpoint/) and the one with the lowest validation\n' +
      'loss (best/), which tfmc generate and predict use. Ctrl-C stops after the current step and saves a\n' +
      'checkpoint (exit status 130); --resume continues exactly where it stopped. Progress goes to stderr.\n' +
      'Exit status: 0 trained (or stopped early), 1 failed (bad data, spec errors, incompatible checkpoint),\n' +
      '2 usage error, 130 interrupted.\n',
  );
  cmd.action(async (spec: string, options: TrainFlags) => {
    const specAbs = requireReadableFile(ctx, spec);
    const dataAbs = requireReadableFile(ctx, options.data);
    if (options.steps !== undefined && options.epochs !== undefined) {
      throw new UsageError('give --steps or --epochs, not both');
    }
    const { runTrain } = await import('./train/run.js');
    const { reportRunFailure } = await import('./train/errors.js');
    try {
      ctx.exitCode = await runTrain(ctx, spec, specAbs, dataAbs, options);
    } catch (e) {
      const code = reportRunFailure(ctx, e);
      if (code === undefined) throw e;
      ctx.exitCode = code;
    }
  });
}

/** `--backend`, shared by the commands that run a model (the names of `src/backends/tfjs/backend.ts`). */
export function addBackendOption(cmd: Command): Command {
  return cmd.addOption(new Option('--backend <name>', 'tfjs backend (default: node if installed, else wasm, else cpu; native: wasm with BLAS matmuls, see npm run build:native)').choices(['node', 'native', 'wasm', 'cpu']));
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, e.g. 3e-4');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

/** `--patience N` (N ≥ 1), or `off` (0: no early stopping, e.g. to lift it on --resume). */
function patience(value: string): number {
  if (value.trim().toLowerCase() === 'off') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || value.trim() === '') throw new InvalidArgumentError('expected a number of evaluations ≥ 1 (e.g. 5), or off');
  return n;
}

function fraction(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n >= 1 || value.trim() === '') throw new InvalidArgumentError('expected a fraction 0 ≤ f < 1, e.g. 0.1');
  return n;
}

/** `--tokenizer`: char, bpe, or a Hugging Face tokenizer.json file. */
function tokenizerFlag(value: string): string {
  if (value === 'char' || value === 'bpe' || value.endsWith('.json')) return value;
  throw new InvalidArgumentError('expected char, bpe, or a Hugging Face tokenizer.json file');
}
