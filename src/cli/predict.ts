/**
 * `tfmc predict RUN_DIR --input TEXT`: run a classifier (or regression head) trained by
 * `tfmc train` on texts and print the label with its probability, or the predicted value.
 * Texts come from `--input` (repeatable) or `--file` (one per line).
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { type CliContext, requireReadableFile, UsageError } from './context.js';
import { addFormatOption, examples, type Format } from './options.js';
import { addBackendOption } from './train.js';

interface PredictFlags {
  input?: string[];
  file?: string;
  format: Format;
  backend?: 'node' | 'wasm' | 'cpu';
}

export function registerPredict(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('predict')
    .description('classify texts (or predict values) with a classifier or regression model trained by tfmc train')
    .argument('<run-dir>', 'a run directory of tfmc train')
    .option('--input <text>', 'a text to classify (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--file <file>', 'texts to classify, one per line');
  addFormatOption(cmd);
  addBackendOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc predict runs/sentiment --input "what a good day"', 'label and probability'],
      ['tfmc predict runs/sentiment --file reviews.txt --format json', 'one JSON object for many texts'],
    ]) + '\nExit status: 0 ok, 1 failed (not a classifier run, damaged checkpoint), 2 usage error.\n',
  );
  cmd.action(async (dir: string, flags: PredictFlags) => {
    const texts = [...(flags.input ?? [])];
    if (flags.file !== undefined) {
      const abs = requireReadableFile(ctx, flags.file);
      texts.push(...fs.readFileSync(abs, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== ''));
    }
    if (texts.length === 0) throw new UsageError('nothing to predict: give --input TEXT (repeatable) or --file FILE');
    const { reportRunFailure } = await import('./train/errors.js');
    try {
      ctx.exitCode = await runPredict(ctx, dir, texts, flags);
    } catch (e) {
      const code = reportRunFailure(ctx, e);
      if (code === undefined) throw e;
      ctx.exitCode = code;
    }
  });
}

interface Prediction {
  input: string;
  label?: string;
  probability?: number;
  probabilities?: Record<string, number>;
  value?: number | number[];
}

async function runPredict(ctx: CliContext, dir: string, texts: string[], flags: PredictFlags): Promise<number> {
  const { openRun } = await import('./train/load-run.js');
  const { RunError } = await import('./train/errors.js');
  const { tf } = await import('../backends/tfjs/index.js');
  const { info, tokenizer, model } = await openRun(ctx, dir, flags.backend);
  try {
    if (info.task !== 'classify' && info.task !== 'regression') {
      throw new RunError(`${dir} holds a ${info.task === 'lm' ? 'language model' : 'sequence-to-sequence model'}; tfmc predict is for classifiers and regression heads (use tfmc generate ${dir} ${info.task === 'lm' ? '--prompt' : '--source'} "..." instead)`);
    }
    const input = info.inputs.tokens;
    const output = predictionOutput(model.ir);
    const predictions: Prediction[] = [];
    for (const text of texts) {
      const ids = tokenizer.encode(text);
      if (ids.length === 0) throw new RunError(`cannot predict on an empty text: input \`${input}\` needs at least one token`);
      const out = model.predict({ [input]: [ids] }, { outputs: [output] })[output];
      const row = Array.from(tf.tidy(() => (info.task === 'classify' ? tf.softmax(out) : out)).dataSync());
      out.dispose();
      if (info.task === 'regression') {
        predictions.push({ input: text, value: row.length === 1 ? row[0] : row });
        continue;
      }
      const names = row.map((_, i) => info.classNames?.[i] ?? String(i));
      const best = row.indexOf(Math.max(...row));
      predictions.push({ input: text, label: names[best], probability: row[best], probabilities: Object.fromEntries(names.map((n, i) => [n, row[i]])) });
    }
    if (flags.format === 'json') {
      ctx.out(JSON.stringify({ predictions }, null, 2) + '\n');
    } else {
      for (const p of predictions) {
        if (p.value !== undefined) ctx.out(`${JSON.stringify(p.input)}\t${Array.isArray(p.value) ? p.value.map(fmt).join(' ') : fmt(p.value)}\n`);
        else {
          const others = Object.entries(p.probabilities!).filter(([n]) => n !== p.label).sort((a, b) => b[1] - a[1]).slice(0, 3);
          ctx.out(`${JSON.stringify(p.input)}\t${p.label} (${pct(p.probability!)})${others.length ? `\t${others.map(([n, v]) => `${n} ${pct(v)}`).join(', ')}` : ''}\n`);
        }
      }
    }
    return 0;
  } finally {
    model.dispose();
  }
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
