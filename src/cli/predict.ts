/**
 * `tfmc predict MODEL --input TEXT`: run a classifier (or regression head) on texts and print the
 * label with its probability, or the predicted value; for a token classifier, a label per
 * whitespace-separated token (`predict-tags.ts`). MODEL is a run directory of `tfmc train`
 * (which has a tokenizer and class names), a checkpoint directory, or a spec with `--weights`
 * (`model-source.ts`). Texts come from `--input` (repeatable) or `--file` (one per line); token
 * ids from `--ids`, which needs no tokenizer.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import type { CompiledModel } from '../backends/tfjs/compiled-model.js';
import { type CliContext, requireReadableFile, UsageError } from './context.js';
import type { SourceFlags } from './model-source.js';
import { addFormatOption, addWeightsOptions, examples, type Format, parseIds } from './options.js';
import { addBackendOption } from './train.js';

interface PredictFlags extends SourceFlags {
  /** A Hugging Face tokenizer.json. */
  tokenizer?: string;
  input?: string[];
  file?: string;
  ids?: number[][];
  format: Format;
}

export function registerPredict(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('predict')
    .description('classify texts (or predict values, or label each token) with a classifier, regression or token-classification model: a tfmc train run, a checkpoint, or a spec with --weights')
    .argument('<model>', 'a tfmc train run directory, a checkpoint directory, or a .tfm spec with --weights')
    .option('--input <text>', 'a text to classify (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--file <file>', 'texts to classify, one per line')
    .option('--ids <ids>', 'token ids such as 5,8,9 instead of a text (repeatable; needs no tokenizer)', parseIds);
  cmd.option('--tokenizer <file>', 'a Hugging Face tokenizer.json to read and write text with (as `tfmc import hf` writes beside the spec)');
  addWeightsOptions(cmd);
  addFormatOption(cmd);
  addBackendOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc predict runs/sentiment --input "what a good day"', 'label and probability'],
      ['tfmc predict runs/sentiment --file reviews.txt --format json', 'one JSON object for many texts'],
      ['tfmc predict classifier.tfm --weights classifier.safetensors --ids 7,4,9', 'a spec with weights from elsewhere: token ids, class indices'],
      ['tfmc predict runs/ner --input "Ada lives in Paris"', 'token classifier: a label per token'],
    ]) + '\nExit status: 0 ok, 1 failed (not a classifier, damaged checkpoint, weights that do not fit), 2 usage error.\n',
  );
  cmd.action(async (arg: string, flags: PredictFlags) => {
    const texts = [...(flags.input ?? [])];
    if (flags.file !== undefined) {
      const abs = requireReadableFile(ctx, flags.file);
      texts.push(...fs.readFileSync(abs, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== ''));
    }
    if (texts.length === 0 && !flags.ids?.length) throw new UsageError('nothing to predict: give --input TEXT (repeatable), --file FILE, or token ids with --ids 5,8,9');
    if (texts.length > 0 && flags.ids?.length) throw new UsageError('give texts (--input/--file) or token ids (--ids), not both');
    const { reportRunFailure } = await import('./train/errors.js');
    try {
      ctx.exitCode = await runPredict(ctx, arg, texts, flags);
    } catch (e) {
      const code = reportRunFailure(ctx, e);
      if (code === undefined) throw e;
      ctx.exitCode = code;
    }
  });
}

interface Prediction {
  input?: string;
  ids?: number[];
  label?: string;
  probability?: number;
  probabilities?: Record<string, number>;
  value?: number | number[];
}

async function runPredict(ctx: CliContext, arg: string, texts: string[], flags: PredictFlags): Promise<number> {
  const { planSource, loadSource, noTokenizerReason, noticeUnknown, withTokenizerFlag } = await import('./model-source.js');
  const { RunError } = await import('./train/errors.js');
  const plan0 = planSource(ctx, arg, flags, { command: 'tfmc predict' });
  const plan = await withTokenizerFlag(ctx, plan0, flags.tokenizer);
  const { shown } = plan;
  const tokenizer = plan.tokenizer && plan.tokenizer.kind !== 'ids' ? plan.tokenizer : undefined;
  if (texts.length > 0 && !tokenizer) throw new UsageError(`${noTokenizerReason(plan)}, so it cannot read text: give token ids with --ids 5,8,9`);
  const runTask = plan.run?.task;
  if (runTask === 'lm' || runTask === 'seq2seq') {
    throw new RunError(`${shown} holds a ${runTask === 'lm' ? 'language model' : 'sequence-to-sequence model'}; tfmc predict is for classifiers and regression heads (use tfmc generate ${shown} ${plan.tokenizer?.kind === 'ids' ? '--ids 1,2,3' : runTask === 'lm' ? '--prompt "..."' : '--source "..."'} instead)`);
  }
  const { tf } = await import('../backends/tfjs/index.js');
  const model = await loadSource(ctx, plan, flags);
  try {
    const { input, output, regression, perToken } = plan.run
      ? { input: plan.run.inputs.tokens, output: predictionOutput(model.ir), regression: runTask === 'regression', perToken: runTask === 'tag' }
      : await headOf(model, shown);
    if (perToken) {
      const { predictTags, tagRowOf, writeTags } = await import('./predict-tags.js');
      const rows = texts.length
        ? texts.map((text) => {
            const row = tagRowOf(tokenizer!, text, shown);
            noticeUnknown(ctx, tokenizer!, text, 'the input');
            return row;
          })
        : flags.ids!.map((ids) => ({ ids }));
      writeTags(ctx, predictTags(model, { input, output, classNames: plan.run?.classNames }, rows), flags.format);
      return 0;
    }
    const rows: { text?: string; ids: number[] }[] = texts.length
      ? texts.map((text) => {
          noticeUnknown(ctx, tokenizer!, text, 'the input');
          return { text, ids: tokenizer!.encode(text) };
        })
      : flags.ids!.map((ids) => ({ ids }));
    const predictions: Prediction[] = [];
    for (const { text, ids } of rows) {
      if (ids.length === 0) throw new RunError(`cannot predict on an empty text: input \`${input}\` needs at least one token`);
      const out = model.predict({ [input]: [ids] }, { outputs: [output] })[output];
      const row = Array.from(tf.tidy(() => (regression ? out : tf.softmax(out))).dataSync());
      out.dispose();
      const what = text !== undefined ? { input: text } : { ids };
      if (regression) {
        predictions.push({ ...what, value: row.length === 1 ? row[0] : row });
        continue;
      }
      const names = row.map((_, i) => plan.run?.classNames?.[i] ?? String(i));
      const best = row.indexOf(Math.max(...row));
      predictions.push({ ...what, label: names[best], probability: row[best], probabilities: Object.fromEntries(names.map((n, i) => [n, row[i]])) });
    }
    if (flags.format === 'json') {
      ctx.out(JSON.stringify({ predictions }, null, 2) + '\n');
    } else {
      for (const p of predictions) {
        const first = p.input !== undefined ? JSON.stringify(p.input) : p.ids!.join(',');
        if (p.value !== undefined) ctx.out(`${first}\t${Array.isArray(p.value) ? p.value.map(fmt).join(' ') : fmt(p.value)}\n`);
        else {
          const others = Object.entries(p.probabilities!).filter(([n]) => n !== p.label).sort((a, b) => b[1] - a[1]).slice(0, 3);
          ctx.out(`${first}\t${p.label} (${pct(p.probability!)})${others.length ? `\t${others.map(([n, v]) => `${n} ${pct(v)}`).join(', ')}` : ''}\n`);
        }
      }
    }
    return 0;
  } finally {
    model.dispose();
  }
}

/**
 * Without a run directory: the token input, the output and whether it is a regression head, from
 * the model's losses when it has them (as tfmc train reads them), else from its one token input
 * and its first output.
 */
async function headOf(model: CompiledModel, shown: string): Promise<{ input: string; output: string; regression: boolean; perToken: boolean }> {
  const { RunError } = await import('./train/errors.js');
  const { analyzeTask } = await import('./train/task.js');
  const ir = model.ir;
  let task: ReturnType<typeof analyzeTask> | undefined;
  try {
    task = analyzeTask(ir);
  } catch {
    task = undefined;
  }
  if (task?.kind === 'tag') return { input: task.tokens.name, output: predictionOutput(ir), regression: false, perToken: true };
  if (task && task.kind !== 'classify') {
    throw new RunError(`${shown} holds a ${task.kind === 'lm' ? 'language model' : 'sequence-to-sequence model'}; tfmc predict is for classifiers and regression heads (use tfmc generate ${shown} --ids 1,2,3 instead)`);
  }
  if (task) return { input: task.tokens.name, output: predictionOutput(ir), regression: task.regression, perToken: false };
  const tokens = ir.inputs.filter((i) => ir.values[i.value].dtype === 'int32' && ir.values[i.value].shape.length === 2);
  if (tokens.length !== 1) {
    throw new RunError(`model \`${ir.name}\` has ${tokens.length} int32 [batch, seq] inputs (${ir.inputs.map((i) => `\`${i.name}\``).join(', ')}); tfmc predict fills exactly one with the token ids`);
  }
  const out = ir.values[ir.outputs[0].value];
  const { constValue, resolve } = await import('../ir/dims.js');
  const last = out.shape.at(-1);
  const regression = out.shape.length === 1 || (last !== undefined && constValue(resolve(last)) === 1);
  return { input: tokens[0].name, output: ir.outputs[0].name, regression, perToken: false };
}

/** The output a loss compares with the labels (the logits of a classifier), else the first output. */
function predictionOutput(ir: import('../ir/types.js').ModelIR): string {
  for (const loss of ir.losses) {
    const node = ir.nodes.find((n) => n.id === ir.values[loss.value].producer);
    if (node && (node.op === 'cross_entropy' || node.op === 'mse')) {
      const out = ir.outputs.find((o) => o.value === node.inputs[0]);
      if (out) return out.name;
    }
  }
  return ir.outputs[0].name;
}

const pct = (p: number) => `${(p * 100).toFixed(1)}%`;
const fmt = (x: number) => Number(x.toPrecision(6)).toString();
