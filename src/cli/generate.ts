/**
 * `tfmc generate MODEL`: continue a prompt with a language model, or produce the target of a
 * source with an encoder-decoder, printing each token as it is chosen (`CompiledModel.generate`:
 * greedy, beam search or sampling, key/value cache). MODEL is a run directory of `tfmc train`
 * (which has a tokenizer), a checkpoint directory, or a spec with `--weights`
 * (`model-source.ts`); token ids in and out with `--ids`, which needs no tokenizer.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import type { GenerateOptions, GenerateResult } from '../backends/tfjs/generate/index.js';
import type { ModelIR } from '../ir/types.js';
import { type CliContext, notice, UsageError } from './context.js';
import type { SourceFlags } from './model-source.js';
import { addWeightsOptions, examples, integerAtLeast, parseIds } from './options.js';
import { addBackendOption } from './train.js';
import type { Tokenizer } from './train/tokenizer.js';

type OutputFormat = 'text' | 'ids' | 'json';

interface GenerateFlags extends SourceFlags {
  /** A Hugging Face tokenizer.json. */
  tokenizer?: string;
  prompt?: string[];
  source?: string[];
  ids?: number[][];
  maxNewTokens: number;
  strategy?: 'greedy' | 'beam' | 'sample';
  numBeams?: number;
  beams?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  startToken?: number;
  endToken?: number;
  format?: OutputFormat;
}

/** One thing to generate from: a text (`--prompt`/`--source`) or token ids (`--ids`). */
type Input = { text: string; flag: 'prompt' | 'source' } | { ids: number[] };

interface Result {
  prompt?: string;
  source?: string;
  ids?: number[];
  text?: string;
  tokens: number[];
  finished: 'end' | 'length';
  /** Which limit stopped a `length` row. */
  limit?: 'max-new-tokens' | 'max-length';
}

const DEFAULT_MAX_NEW_TOKENS = 64;
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerGenerate(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('generate')
    .description('generate with a language model or an encoder-decoder: a tfmc train run, a checkpoint, or a spec with --weights')
    .argument('<model>', 'a tfmc train run directory, a checkpoint directory, or a .tfm spec with --weights')
    .option('--prompt <text>', 'text to continue (repeatable: one output per prompt)', collect)
    .option('--source <text>', 'encoder-decoders: the source text to transform (repeatable)', collect)
    .option('--ids <ids>', 'token ids such as 5,8,9 instead of text: the prompt of a language model, the source of an encoder-decoder (repeatable; needs no tokenizer)', parseIds);
  cmd.option('--tokenizer <file>', 'a Hugging Face tokenizer.json to read and write text with (as `tfmc import hf` writes beside the spec)');
  addWeightsOptions(cmd);
  cmd
    .option('--max-new-tokens <n>', 'tokens to generate at most', integerAtLeast(1), DEFAULT_MAX_NEW_TOKENS)
    .addOption(new Option('--strategy <name>', 'decoding (default greedy; sample with --temperature/--top-k/--top-p, beam with --num-beams)').choices(['greedy', 'beam', 'sample']))
    .option('--num-beams <n>', 'beam search: beams per input (default 4; implies --strategy beam)', integerAtLeast(1))
    .addOption(new Option('--beams <n>').argParser(integerAtLeast(1)).hideHelp())
    .option('--temperature <t>', 'sampling: divide the logits by t (default 1; 0 always takes the most likely token, as greedy)', nonNegative)
    .option('--top-k <k>', 'sampling: only the k most likely tokens', integerAtLeast(1))
    .option('--top-p <p>', 'sampling: only the most likely tokens whose probabilities add up to p', probability)
    .option('--seed <n>', 'sampling: seed of the random choices (default 0)', integerAtLeast(0))
    .option('--start-token <id>', "encoder-decoders: the token the output starts from (default: the tokenizer's start token)", integerAtLeast(0))
    .option('--end-token <id>', "stop when this token is produced (default: the tokenizer's end token)", integerAtLeast(0))
    .addOption(new Option('--format <format>', 'output: text (the default with a tokenizer), ids (the new token ids; the default with --ids or without a tokenizer) or json').choices(['text', 'ids', 'json']));
  addBackendOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc generate runs/tiny-lm --prompt "The keeper"', 'greedy continuation'],
      ['tfmc generate runs/tiny-lm --prompt "The sea" --temperature 0.8 --top-k 10 --seed 3', 'sampling'],
      ['tfmc generate runs/tiny-lm --prompt "In winter" --num-beams 4', 'beam search'],
      ['tfmc generate runs/reverse --source "12345"', 'an encoder-decoder run'],
      ['tfmc generate runs/lecture --ids 5,8,9', 'token ids in, token ids out'],
      ['tfmc generate model.tfm --weights model.safetensors --ids 5,8,9', 'a spec with weights from elsewhere'],
      ['tfmc generate runs/lecture/checkpoint --ids 5,8,9 --start-token 10 --end-token 10', 'a checkpoint directory (no tokenizer)'],
    ]) +
      '\nTokens are printed as they are chosen (beam search prints when the search ends), one line per input;\n' +
      '--format json prints one object at the end. Notes on stderr (silenced by --quiet) say when a length\n' +
      'limit stopped the output and which prompt characters the tokenizer does not know.\n' +
      'Exit status: 0 ok, 1 failed (no weights, weights that do not fit, bad ids), 2 usage error.\n',
  );
  cmd.action(async (arg: string, flags: GenerateFlags) => {
    const inputs: Input[] = [
      ...(flags.prompt ?? []).map((text): Input => ({ text, flag: 'prompt' })),
      ...(flags.source ?? []).map((text): Input => ({ text, flag: 'source' })),
      ...(flags.ids ?? []).map((ids): Input => ({ ids })),
    ];
    if (inputs.length === 0) throw new UsageError('nothing to generate from: give --prompt TEXT (--source TEXT for an encoder-decoder), or token ids with --ids 5,8,9');
    if (flags.ids?.length && (flags.prompt?.length || flags.source?.length)) throw new UsageError('give text (--prompt/--source) or token ids (--ids), not both');
    const { reportRunFailure } = await import('./train/errors.js');
    try {
      ctx.exitCode = await runGenerate(ctx, arg, flags, inputs);
    } catch (e) {
      const code = reportRunFailure(ctx, e);
      if (code === undefined) throw e;
      ctx.exitCode = code;
    }
  });
}

async function runGenerate(ctx: CliContext, arg: string, flags: GenerateFlags, inputs: Input[]): Promise<number> {
  const { planSource, loadSource, noTokenizerReason, noticeUnknown, withTokenizerFlag } = await import('./model-source.js');
  const { RunError } = await import('./train/errors.js');
  const plan0 = planSource(ctx, arg, flags, { command: 'tfmc generate' });
  const plan = await withTokenizerFlag(ctx, plan0, flags.tokenizer);
  const { shown } = plan;
  const tokenizer = plan.tokenizer;
  const textTokenizer = tokenizer && tokenizer.kind !== 'ids' ? tokenizer : undefined;
  const byIds = flags.ids !== undefined;
  if (!byIds && !textTokenizer) {
    if (tokenizer?.kind === 'ids') throw new UsageError(`${shown} was trained on token ids ("source_ids"/"target_ids" data): give the input as token ids, e.g. --ids 5,8,9`);
    throw new UsageError(`${noTokenizerReason(plan)}, so it cannot read text: give token ids with --ids 5,8,9 instead of --${(inputs[0] as { flag: string }).flag}`);
  }
  const format: OutputFormat = flags.format ?? (byIds || !textTokenizer ? 'ids' : 'text');
  if (format === 'text' && !textTokenizer) {
    throw new UsageError(`--format text needs a tokenizer to turn ids into text, and ${tokenizer?.kind === 'ids' ? `${shown} was trained on token ids` : noTokenizerReason(plan)}: use --format ids or json`);
  }
  const task = plan.run?.task;
  if (task === 'classify' || task === 'regression' || task === 'tag') {
    throw new RunError(`${shown} holds a ${task === 'regression' ? 'regression model' : task === 'tag' ? 'token classifier' : 'classifier'}, which does not generate text; use tfmc predict ${shown} --input "..."`);
  }
  if (task !== undefined) {
    const wrong = inputs.find((i) => 'flag' in i && i.flag !== (task === 'lm' ? 'prompt' : 'source'));
    if (wrong) throw new RunError(task === 'lm' ? `${shown} holds a decoder-only language model: give --prompt, not --source` : `${shown} holds an encoder-decoder: give the text to transform with --source`);
  }
  const options = decodingOptions(flags);

  const model = await loadSource(ctx, plan, { ...flags, seed: undefined });
  try {
    const { decodingRoles } = await import('../backends/tfjs/generate/index.js');
    const roles = decodingRoles(model.executor);
    if (roles.sourceInputs.length > 1) {
      throw new RunError(`\`${roles.output.name}\` of model \`${model.name}\` needs ${roles.sourceInputs.map((n) => `\`${n}\``).join(', ')} besides \`${roles.timeInput}\`; tfmc generate fills one source input (use the library's generate for more)`);
    }
    const sourceInput = roles.sourceInputs[0];
    for (const input of inputs) {
      if (!('flag' in input)) continue;
      if (sourceInput === undefined && input.flag === 'source') throw new RunError(`${shown} holds a decoder-only language model: give --prompt, not --source`);
      if (sourceInput !== undefined && input.flag === 'prompt') throw new RunError(`${shown} holds an encoder-decoder: give the text to transform with --source`);
    }
    const startToken = sourceInput !== undefined ? (flags.startToken ?? tokenizer?.bos) : flags.startToken;
    if (sourceInput !== undefined && startToken === undefined) {
      throw new UsageError(`\`${model.name}\` is an encoder-decoder, whose output starts from a start token, and ${noTokenizerReason(plan)}: give it with --start-token ID`);
    }
    const endToken = flags.endToken ?? tokenizer?.eos;
    const results: Result[] = [];
    for (const [i, input] of inputs.entries()) {
      const label = inputs.length > 1 ? `input ${i + 1}: ` : '';
      let ids: number[];
      if ('ids' in input) ids = input.ids;
      else {
        noticeUnknown(ctx, textTokenizer!, input.text, input.flag === 'prompt' ? 'the prompt' : 'the source');
        ids = textTokenizer!.encode(input.text);
        if (ids.length === 0) throw new RunError(`the ${input.flag} is empty: ${sourceInput === undefined ? 'a language model needs at least one token to continue' : 'the encoder needs at least one token'}`);
      }
      // A language model's text output starts with its prompt.
      const prefix = format === 'text' && sourceInput === undefined ? ('flag' in input ? input.text : textTokenizer!.decode(ids)) : '';
      const printer = format === 'json' ? undefined : streamPrinter(ctx, format, textTokenizer, prefix);
      const request = sourceInput === undefined ? { prompt: [ids] } : { source: { [sourceInput]: [ids] } };
      const r = await model.generate(request, { ...options, startToken, endToken, onToken: printer?.token });
      printer?.end(r.newTokens[0]);
      results.push(resultOf(input, r, textTokenizer));
      const start = sourceInput !== undefined ? 'starts with the start token' : `starts with the prompt's ${ids.length + (startToken !== undefined ? 1 : 0)} tokens`;
      noticeLimit(ctx, label, r, flags, { model, timeInput: roles.timeInput, start, endToken });
    }
    if (format === 'json') ctx.out(JSON.stringify({ results }, null, 2) + '\n');
    return 0;
  } finally {
    model.dispose();
  }
}

/** The library's options from the flags: `--num-beams` implies beam search, `--temperature 0` alone is greedy decoding. */
function decodingOptions(flags: GenerateFlags): GenerateOptions {
  const numBeams = flags.numBeams ?? flags.beams;
  const greedyByTemperature = flags.temperature === 0 && flags.topK === undefined && flags.topP === undefined && (flags.strategy === undefined || flags.strategy === 'greedy');
  return {
    maxNewTokens: flags.maxNewTokens,
    strategy: flags.strategy ?? (numBeams !== undefined ? 'beam' : greedyByTemperature ? 'greedy' : undefined),
    numBeams,
    temperature: greedyByTemperature ? undefined : flags.temperature,
    topK: flags.topK,
    topP: flags.topP,
    seed: flags.seed,
  };
}

/**
 * Prints one output line while it is produced: the new ids separated by spaces, or the text
 * decoded so far (held back while it ends in a partial character, as a byte-level BPE can).
 */
function streamPrinter(ctx: CliContext, format: 'text' | 'ids', tokenizer: Tokenizer | undefined, prefix: string) {
  const tokens: number[] = [];
  let printed = '';
  let started = false;
  const begin = () => {
    // Printed with the first token, so an input the model refuses leaves no half line.
    if (!started && prefix) ctx.out(prefix);
    started = true;
  };
  const flush = (final: boolean) => {
    const text = tokenizer!.decode(tokens);
    if (!final && text.endsWith('\uFFFD')) return;
    if (text.startsWith(printed) && text.length > printed.length) ctx.out(text.slice(printed.length));
    printed = text;
  };
  return {
    token: (token: number) => {
      begin();
      tokens.push(token);
      if (format === 'ids') ctx.out(`${tokens.length > 1 ? ' ' : ''}${token}`);
      else flush(false);
    },
    end: (all: number[]) => {
      // Every token has been reported through `token`; this only finishes the line.
      if (all.length !== tokens.length) throw new Error(`generate reported ${tokens.length} of ${all.length} tokens`);
      begin();
      if (format === 'text') flush(true);
      ctx.out('\n');
    },
  };
}

function resultOf(input: Input, r: GenerateResult, tokenizer: Tokenizer | undefined): Result {
  const tokens = r.newTokens[0];
  const limit = r.lengthLimit[0];
  return {
    ...('flag' in input ? { [input.flag]: input.text } : { ids: input.ids }),
    ...(tokenizer ? { text: tokenizer.decode(tokens) } : {}),
    tokens,
    finished: r.finished[0],
    ...(limit ? { limit: limit === 'maxNewTokens' ? 'max-new-tokens' : 'max-length' } : {}),
  } as Result;
}

/** Says which length limit stopped the output, and how to raise it. */
function noticeLimit(ctx: CliContext, label: string, r: GenerateResult, flags: GenerateFlags, at: { model: CompiledModel; timeInput: string; start: string; endToken?: number }): void {
  const limit = r.lengthLimit[0];
  if (!limit) return;
  const n = r.newTokens[0].length;
  const tokens = `${n} new token${n === 1 ? '' : 's'}`;
  const noEnd = at.endToken === undefined ? ' (there is no end token to stop at: --end-token ID sets one)' : ' before the end token';
  if (limit === 'maxNewTokens') {
    const given = flags.maxNewTokens === DEFAULT_MAX_NEW_TOKENS ? `--max-new-tokens (default ${DEFAULT_MAX_NEW_TOKENS})` : `--max-new-tokens ${flags.maxNewTokens}`;
    notice(ctx, `note: ${label}stopped after ${tokens}, the limit of ${given},${noEnd}; raise it with --max-new-tokens N\n`);
    return;
  }
  const max = r.maxLength!;
  const key = configKeyOf(at.model.ir, max);
  notice(
    ctx,
    `note: ${label}stopped after ${tokens} at the model's maximum length: \`${at.timeInput}\` holds at most ${max} tokens${key ? ` (config \`${key}\` = ${max})` : ''} ` +
      `and ${at.start}; a longer output needs a model built with a larger ${key ? `\`${key}\`` : 'limit'}\n`,
  );
}

/** The config entry whose value is `value` (the bound's likely source), for messages. */
function configKeyOf(ir: ModelIR, value: number): string | undefined {
  const hits = ir.config.filter((c) => c.type === 'int' && c.value === value);
  return (hits.find((c) => /len|ctx|seq|pos/i.test(c.name)) ?? hits[0])?.name;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || value.trim() === '') throw new InvalidArgumentError('expected a number ≥ 0, e.g. 0.8 (0: always the most likely token)');
  return n;
}

function probability(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1 || value.trim() === '') throw new InvalidArgumentError('expected a probability 0 < p ≤ 1, e.g. 0.9');
  return n;
}
