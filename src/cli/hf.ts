/**
 * `tfmc import hf DIR -o OUT` and `tfmc export hf MODEL -o OUT`: Hugging Face checkpoints in and
 * out (`src/api/hf.ts`, docs/huggingface.md). Import writes a spec that extends the matching
 * shipped model, its weights under the spec's parameter names, and the checkpoint's tokenizer;
 * export writes `config.json` and `model.safetensors` in Hugging Face's names and layouts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { displayPath } from '../render/paths.js';
import { type CliContext, UsageError } from './context.js';
import { guarded } from './guarded.js';
import type { SourceFlags } from './model-source.js';
import { examples } from './options.js';
import { guardOutput } from './output-guard.js';
import { addWeightsOptions } from './options.js';
import { addBackendOption } from './train.js';

interface OutFlags {
  out: string;
  force?: boolean;
}

interface ExportFlags extends SourceFlags, OutFlags {
  family?: string;
}

/** What a directory written by `tfmc import hf` holds (so a second import may replace it). */
const IMPORT_FILES = ['model.tfm', 'model.safetensors'];

export function registerHf(program: Command, ctx: CliContext): void {
  const imp = program.command('import').description('read a model from another format (hf: a Hugging Face checkpoint directory)');
  imp
    .command('hf')
    .description('a Hugging Face checkpoint (config.json, model.safetensors, tokenizer.json) → a spec extending the shipped model, its weights and tokenizer')
    .argument('<dir>', 'the checkpoint directory: config.json and model.safetensors (or model.safetensors.index.json and its shards)')
    .requiredOption('-o, --out <dir>', 'the directory to write: model.tfm, the shipped spec it imports, model.safetensors, tokenizer.json')
    .option('--force', 'replace a non-empty --out directory that tfmc import hf did not write')
    .addHelpText(
      'after',
      examples([
        ['tfmc import hf ./gpt2 -o gpt2-tfmc', 'GPT-2, BERT, Llama/Mistral, T5 or ViT'],
        ['tfmc generate gpt2-tfmc/model.tfm --weights gpt2-tfmc/model.safetensors --tokenizer gpt2-tfmc/tokenizer.json --prompt "Hello"', 'run it'],
      ]) + '\nExit status: 0 ok, 1 a checkpoint tfmc cannot read or that does not fit the spec (nothing written), 2 usage error.\n',
    )
    .action(async (dir: string, flags: OutFlags) => {
      ctx.exitCode = await guarded(ctx, () => runImport(ctx, dir, flags));
    });

  const exp = program.command('export').description('write a model in another format (hf: a Hugging Face checkpoint directory)');
  const hf = exp
    .command('hf')
    .description('a model of a shipped GPT-2, BERT, Llama, T5 or ViT spec → config.json and model.safetensors in Hugging Face layout')
    .argument('<model>', 'a .tfm spec with --weights, a checkpoint directory or a tfmc train run directory')
    .requiredOption('-o, --out <dir>', 'the directory to write: config.json, model.safetensors (and tokenizer.json when the model has a Hugging Face tokenizer)')
    .option('--family <family>', 'the Hugging Face family when the model does not extend a shipped one directly: gpt2, bert, llama, t5, vit')
    .option('--tokenizer <file>', 'a Hugging Face tokenizer.json to write beside the weights')
    .option('--force', 'replace a non-empty --out directory that tfmc export hf did not write');
  addWeightsOptions(hf);
  addBackendOption(hf);
  hf.addHelpText('after', examples([['tfmc export hf gpt2-tfmc/model.tfm --weights gpt2-tfmc/model.safetensors -o gpt2-hf', 'back to Hugging Face']]));
  hf.action(async (arg: string, flags: ExportFlags & { tokenizer?: string }) => {
    ctx.exitCode = await guarded(ctx, () => runExport(ctx, arg, flags));
  });
}

async function runImport(ctx: CliContext, dir: string, flags: OutFlags): Promise<number> {
  const abs = path.resolve(ctx.cwd, dir);
  const out = path.resolve(ctx.cwd, flags.out);
  if (!fs.existsSync(abs)) throw new UsageError(`cannot read '${dir}': no such directory`);
  guardOutput({
    abs: out,
    flag: '-o',
    command: 'tfmc import hf',
    kind: 'directory',
    inputs: [{ abs, what: 'the checkpoint directory' }, { abs: ctx.cwd, what: 'the working directory', outputsInside: true }],
    force: flags.force === true,
    isOurs: (d) => IMPORT_FILES.every((f) => fs.existsSync(path.join(d, f))),
    cwd: ctx.cwd,
  });
  const { importHf } = await import('../api/hf.js');
  const r = await importHf(abs, out, { shown: displayPath(abs, ctx.cwd) });
  const o = (f: string) => displayPath(f, ctx.cwd);
  ctx.out(
    `${green(ctx, '✓')} ${r.family}: ${r.tensors} tensors (${r.parameters.toLocaleString('en-US')} parameters) → ${o(r.spec)} (model ${r.model}), ${o(r.weights)}` +
      (r.tokenizer ? `, ${o(r.tokenizer)}` : '') + '\n',
  );
  return 0;
}

async function runExport(ctx: CliContext, arg: string, flags: ExportFlags & { tokenizer?: string }): Promise<number> {
  const out = path.resolve(ctx.cwd, flags.out);
  const { planSource, loadSource } = await import('./model-source.js');
  const plan = planSource(ctx, arg, flags, { command: 'tfmc export hf' });
  const tokenizerFile = flags.tokenizer !== undefined ? path.resolve(ctx.cwd, flags.tokenizer) : undefined;
  if (tokenizerFile && !fs.existsSync(tokenizerFile)) throw new UsageError(`cannot read --tokenizer '${flags.tokenizer}': no such file`);
  guardOutput({
    abs: out,
    flag: '-o',
    command: 'tfmc export hf',
    kind: 'directory',
    inputs: [
      { abs: path.resolve(ctx.cwd, arg), what: 'the model' },
      ...(plan.safetensors ? [{ abs: plan.safetensors.abs, what: 'the weights file' }] : []),
      ...(plan.checkpoint ? [{ abs: plan.checkpoint, what: 'the checkpoint' }] : []),
      { abs: ctx.cwd, what: 'the working directory', outputsInside: true },
    ],
    force: flags.force === true,
    isOurs: (d) => ['config.json', 'model.safetensors'].every((f) => fs.existsSync(path.join(d, f))),
    cwd: ctx.cwd,
  });
  const { exportHf, exportFamily } = await import('../api/hf.js');
  // A spec's family is known before any weight is read.
  if (plan.spec) exportFamily(plan.spec.ir, flags.family);
  const model = await loadSource(ctx, plan, flags);
  try {
    const r = await exportHf(model, out, flags.family);
    if (tokenizerFile) fs.copyFileSync(tokenizerFile, path.join(out, 'tokenizer.json'));
    ctx.out(`${green(ctx, '✓')} ${model.name} (${r.family}): ${r.tensors} tensors → ${displayPath(path.join(out, r.config), ctx.cwd)}, ${displayPath(r.weights, ctx.cwd)}${tokenizerFile ? `, ${displayPath(path.join(out, 'tokenizer.json'), ctx.cwd)}` : ''}\n`);
  } finally {
    model.dispose();
  }
  return 0;
}

function green(ctx: CliContext, s: string): string {
  return ctx.colorOut ? pc.green(s) : s;
}
