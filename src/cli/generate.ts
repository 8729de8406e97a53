/**
 * `tfmc generate RUN_DIR --prompt TEXT`: continue a text with a language model trained by
 * `tfmc train` (or, for an encoder-decoder run, `--source TEXT` → its target), using the run's
 * tokenizer and `CompiledModel.generate` (greedy, beam search or sampling, key/value cache).
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './context.js';
import { UsageError } from './context.js';
import { addFormatOption, examples, type Format, integerAtLeast } from './options.js';
import { addBackendOption } from './train.js';

interface GenerateFlags {
  prompt?: string[];
  source?: string[];
  maxNewTokens: number;
  strategy?: 'greedy' | 'beam' | 'sample';
  beams?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  format: Format;
  backend?: 'node' | 'wasm' | 'cpu';
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerGenerate(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('generate')
    .description('generate text with a language model (or encoder-decoder) trained by tfmc train')
    .argument('<run-dir>', 'a run directory of tfmc train')
    .option('--prompt <text>', 'text to continue (repeatable: one output per prompt)', collect)
    .option('--source <text>', 'encoder-decoder runs: the source text to translate (repeatable)', collect)
    .option('--max-new-tokens <n>', 'tokens to generate at most (default 64)', integerAtLeast(1), 64)
    .addOption(new Option('--strategy <name>', 'decoding (default greedy; sample when --temperature/--top-k/--top-p is given)').choices(['greedy', 'beam', 'sample']))
    .option('--beams <n>', 'beam search: beams per prompt (default 4)', integerAtLeast(1))
    .option('--temperature <t>', 'sampling: divide the logits by t (default 1)', positive)
    .option('--top-k <k>', 'sampling: only the k most likely tokens', integerAtLeast(1))
    .option('--top-p <p>', 'sampling: only the most likely tokens whose probabilities add up to p', probability)
    .option('--seed <n>', 'sampling: seed of the random choices (default 0)', integerAtLeast(0));
  addFormatOption(cmd);
  addBackendOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc generate runs/tiny-lm --prompt "The keeper"', 'greedy continuation'],
      ['tfmc generate runs/tiny-lm --prompt "The sea" --temperature 0.8 --top-k 10 --seed 3', 'sampling'],
      ['tfmc generate runs/tiny-lm --prompt "In winter" --strategy beam --beams 4', 'beam search'],
      ['tfmc generate runs/reverse --source "12345"', 'an encoder-decoder run'],
    ]) + '\nThe text goes to stdout (one line per prompt); --format json adds the token ids.\n',
  );
  cmd.action(async (dir: string, flags: GenerateFlags) => {
    if (!flags.prompt?.length && !flags.source?.length) throw new UsageError('nothing to generate from: give --prompt TEXT (or --source TEXT for an encoder-decoder run)');
    const { reportRunFailure } = await import('./train/errors.js');
    try {
      ctx.exitCode = await runGenerate(ctx, dir, flags);
    } catch (e) {
      const code = reportRunFailure(ctx, e);
      if (code === undefined) throw e;
      ctx.exitCode = code;
    }
  });
}

async function runGenerate(ctx: CliContext, dir: string, flags: GenerateFlags): Promise<number> {
  const { openRun } = await import('./train/load-run.js');
  const { RunError } = await import('./train/errors.js');
  const { info, tokenizer, model } = await openRun(ctx, dir, flags.backend);
  try {
    const options = {
      maxNewTokens: flags.maxNewTokens,
      strategy: flags.strategy,
      numBeams: flags.beams,
      temperature: flags.temperature,
      topK: flags.topK,
      topP: flags.topP,
      seed: flags.seed,
      endToken: tokenizer.eos,
    };
    const results: { prompt?: string; source?: string; text: string; tokens: number[]; finished: string }[] = [];
    if (info.task === 'lm') {
      if (flags.source?.length) throw new RunError(`${dir} holds a decoder-only language model: give --prompt, not --source`);
      for (const prompt of flags.prompt!) {
        const ids = tokenizer.encode(prompt);
        if (ids.length === 0) throw new RunError('the prompt is empty: a language model needs at least one token to continue');
        const r = await model.generate({ prompt: [ids] }, options);
        results.push({ prompt, text: tokenizer.decode(r.newTokens[0]), tokens: r.newTokens[0], finished: r.finished[0] });
      }
    } else if (info.task === 'seq2seq') {
      if (!flags.source?.length) throw new RunError(`${dir} holds an encoder-decoder: give the text to transform with --source`);
      for (const source of flags.source) {
        const r = await model.generate({ source: { [info.inputs.source]: [tokenizer.encode(source)] } }, { ...options, startToken: tokenizer.bos });
        results.push({ source, text: tokenizer.decode(r.newTokens[0]), tokens: r.newTokens[0], finished: r.finished[0] });
      }
    } else {
      throw new RunError(`${dir} holds a ${info.task === 'regression' ? 'regression model' : 'classifier'}, which does not generate text; use tfmc predict ${dir} --input "..."`);
    }
    if (flags.format === 'json') ctx.out(JSON.stringify({ results }, null, 2) + '\n');
    else for (const r of results) ctx.out(`${r.prompt ?? ''}${r.text}\n`);
    return 0;
  } finally {
    model.dispose();
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || value.trim() === '') throw new InvalidArgumentError('expected a positive number, e.g. 0.8');
  return n;
}

function probability(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1 || value.trim() === '') throw new InvalidArgumentError('expected a probability 0 < p ≤ 1, e.g. 0.9');
  return n;
}
