/**
 * `tfmc weights export MODEL -o FILE.safetensors` and `tfmc weights import MODEL FILE.safetensors`:
 * move a model's parameters between tfmc and a safetensors file, the format of the generated
 * PyTorch module (`tfmc compile --target pytorch`), of PyTorch and of Hugging Face tools. Tensor
 * names are the spec's parameter names. MODEL is a checkpoint directory, a `tfmc train` run
 * directory (its checkpoint), or a spec (`model-source.ts`).
 *
 * Export reads the checkpoint (checksums verified) and writes the file atomically; a spec exports
 * the weights given with `--weights`, or its initial weights (`--seed`). Import checks the file
 * against the model first (every name, shape and dtype; all differences listed), then rewrites the
 * checkpoint with the new weights; Adam's moments are dropped (they belong to the old weights), the
 * step count is kept. Importing into a spec writes a new checkpoint directory (`--out`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { displayPath } from '../render/paths.js';
import { type CliContext, UsageError } from './context.js';
import { guarded } from './guarded.js';
import type { SourceFlags, SourcePlan } from './model-source.js';
import { guardOutput, type ProtectedPath } from './output-guard.js';
import { addWeightsOptions, examples, integerAtLeast } from './options.js';
import { addBackendOption } from './train.js';

interface ExportFlags extends SourceFlags {
  out: string;
  force?: boolean;
}

interface ImportFlags extends SourceFlags {
  out?: string;
  force?: boolean;
}

export function registerWeights(program: Command, ctx: CliContext): void {
  const weights = program
    .command('weights')
    .description('export or import model weights as safetensors (PyTorch, the generated PyTorch module)');
  weights.addHelpText(
    'after',
    examples([
      ['tfmc weights export runs/lm -o lm.safetensors', 'a run directory or a checkpoint → safetensors'],
      ['tfmc weights import runs/lm/checkpoint trained.safetensors', 'weights trained in PyTorch → the checkpoint'],
      ['tfmc weights import model.tfm trained.safetensors -o ckpt', 'a spec and weights from elsewhere → a new checkpoint'],
    ]) + '\nExit status: 0 ok, 1 failed (damaged checkpoint, weights that do not fit), 2 usage error.\n',
  );

  const exp = weights
    .command('export')
    .description('write the weights of a checkpoint, a tfmc train run directory or a spec to a safetensors file')
    .argument('<model>', 'a checkpoint directory, a tfmc train run directory, or a .tfm spec (with --weights, or its initial weights)')
    .requiredOption('-o, --out <file>', 'the safetensors file to write')
    .option('--force', 'replace an -o file that tfmc did not write (never the checkpoint or spec being read)');
  addWeightsOptions(exp);
  exp.option('--seed <n>', 'a spec without --weights: seed of its initial weights (default 0)', integerAtLeast(0));
  addBackendOption(exp);
  exp
    .addHelpText(
      'after',
      examples([
        ['tfmc weights export runs/lm -o lm.safetensors', "float32, tensors named as the spec's parameters"],
        ['tfmc weights export model.tfm --seed 1 -o init.safetensors', "a spec's initial weights"],
      ]),
    )
    .action(async (arg: string, flags: ExportFlags) => {
      ctx.exitCode = await guarded(ctx, () => runExport(ctx, arg, flags));
    });

  const imp = weights
    .command('import')
    .description('load a safetensors file into a checkpoint (or a run directory\'s), or make a new checkpoint from a spec and the file')
    .argument('<model>', 'a checkpoint directory, a tfmc train run directory, or a .tfm spec (with --out)')
    .argument('<file>', 'the safetensors file to read')
    .option('-o, --out <dir>', 'with a spec: the checkpoint directory to create')
    .option('--force', 'with --out: replace a non-empty directory (never the spec or the file being read)');
  addWeightsOptions(imp);
  addBackendOption(imp);
  imp.addHelpText(
    'after',
    examples([
      ['tfmc weights import runs/lm trained.safetensors', "into the run's checkpoint (Adam's state is cleared)"],
      ['tfmc weights import model.tfm trained.safetensors -o ckpt', 'a new checkpoint: tfmc generate ckpt --ids 1,2,3 runs it'],
    ]),
  );
  imp.action(async (arg: string, file: string, flags: ImportFlags) => {
    ctx.exitCode = await guarded(ctx, () => runImport(ctx, arg, file, flags));
  });
}

async function runExport(ctx: CliContext, arg: string, flags: ExportFlags): Promise<number> {
  const out = path.resolve(ctx.cwd, flags.out);
  const { planSource, loadSource } = await import('./model-source.js');
  const plan = planSource(ctx, arg, flags, { command: 'tfmc weights export', initialWeights: true });
  const { writeSafetensors, exportSafetensors, safetensorsMetadata } = await import('../weights/exchange.js');
  guardOutput({
    abs: out,
    flag: '-o',
    command: 'tfmc weights export',
    kind: 'file',
    inputs: sourceInputs(plan, path.resolve(ctx.cwd, arg)),
    force: flags.force === true,
    isOurs: (file) => safetensorsMetadata(file)?.producer === 'tfmc',
    cwd: ctx.cwd,
  });
  if (plan.kind !== 'spec') {
    // A checkpoint is exported as it is stored: no model is built, no backend loaded.
    const { readCheckpoint } = await import('../backends/tfjs/checkpoint.js');
    const contents = await readCheckpoint(plan.checkpoint!);
    const tensors = contents.manifest.weights.tensors.map((t) => {
      const w = contents.weights.get(t.name)!;
      return [w.name, { shape: w.shape, data: w.data }] as [string, { shape: number[]; data: Float32Array }];
    });
    await writeSafetensors(out, tensors, { format: 'pt', producer: 'tfmc', model: contents.manifest.model, step: String(contents.manifest.step ?? 0) });
    const count = tensors.reduce((a, [, t]) => a + t.data.length, 0);
    ctx.out(`${green(ctx, '✓')} ${contents.manifest.model}: ${tensors.length} tensors (${count.toLocaleString('en-US')} parameters) → ${flags.out}\n`);
    return 0;
  }
  const model = await loadSource(ctx, plan, flags);
  try {
    await exportSafetensors(model, out);
    const what = plan.initial ? `initial weights (seed ${flags.seed ?? 0}), ` : '';
    ctx.out(`${green(ctx, '✓')} ${model.name}: ${what}${model.ir.params.length} tensors (${model.parameterCount.toLocaleString('en-US')} parameters) → ${flags.out}\n`);
  } finally {
    model.dispose();
  }
  return 0;
}

async function runImport(ctx: CliContext, arg: string, file: string, flags: ImportFlags): Promise<number> {
  const source = path.resolve(ctx.cwd, file);
  const shownFile = displayPath(source, ctx.cwd);
  const { planSource, loadSource } = await import('./model-source.js');
  if (flags.weights !== undefined) throw new UsageError(`tfmc weights import reads the weights from ${file}; --weights is not used here`);
  const plan = planSource(ctx, arg, flags, { command: 'tfmc weights import', initialWeights: true });
  const { readSafetensors, requireFit, importSafetensors } = await import('../weights/exchange.js');
  if (plan.kind === 'spec') {
    if (flags.out === undefined) throw new UsageError(`importing into a spec makes a new checkpoint: say where with --out DIR (e.g. tfmc weights import ${arg} ${file} --out ckpt)`);
    const outDir = path.resolve(ctx.cwd, flags.out);
    guardOutput({
      abs: outDir,
      flag: '--out',
      command: 'tfmc weights import',
      kind: 'directory',
      inputs: [...sourceInputs(plan, path.resolve(ctx.cwd, arg)), { abs: source, what: 'the weights file' }, { abs: ctx.cwd, what: 'the working directory', outputsInside: true }],
      force: flags.force === true,
      isOurs: () => false,
      cwd: ctx.cwd,
    });
    const ir = plan.spec!.ir;
    // Check the file against the spec's model before any backend starts.
    requireFit(shownFile, ir.name, ir.params, await readSafetensors(source, shownFile));
    const model = await loadSource(ctx, { ...plan, initial: false, safetensors: { abs: source, shown: shownFile } }, flags);
    try {
      await model.save(outDir);
    } finally {
      model.dispose();
    }
    ctx.out(`${green(ctx, '✓')} ${ir.name}: ${ir.params.length} tensors from ${file} → ${flags.out} (a new checkpoint with the spec)\n`);
    return 0;
  }
  if (flags.out !== undefined) throw new UsageError(`--out goes with a spec; ${plan.shown} is a ${plan.kind} directory, whose checkpoint is rewritten in place`);
  const ckpt = plan.checkpoint!;
  const { readCheckpoint } = await import('../backends/tfjs/checkpoint.js');
  // Check the file against the checkpoint before loading any model: a mismatch costs no backend start.
  const contents = await readCheckpoint(ckpt);
  const weights = await readSafetensors(source, shownFile);
  requireFit(shownFile, contents.manifest.model, contents.manifest.weights.tensors, weights);
  const { loadModel } = await import('../api/compile.js');
  const model = await loadModel(ckpt, { backend: flags.backend, optimizer: false });
  try {
    await importSafetensors(model, source, shownFile);
    await model.save(ckpt);
  } finally {
    model.dispose();
  }
  ctx.out(`${green(ctx, '✓')} ${contents.manifest.model}: ${weights.tensors.size} tensors from ${file} → ${arg} (optimizer state cleared, step ${contents.manifest.step ?? 0} kept)\n`);
  return 0;
}

/** What a model source reads (the argument itself: a whole run directory, a checkpoint, a spec): never an output. */
function sourceInputs(plan: SourcePlan, arg: string): ProtectedPath[] {
  const inputs: ProtectedPath[] = [{ abs: arg, what: plan.kind === 'run' ? 'the run directory' : plan.kind === 'checkpoint' ? 'the checkpoint' : 'the spec' }];
  if (plan.checkpoint) inputs.push({ abs: plan.checkpoint, what: 'the checkpoint' });
  if (plan.spec) inputs.push({ abs: plan.spec.abs, what: 'the spec' });
  if (plan.safetensors) inputs.push({ abs: plan.safetensors.abs, what: 'the weights file' });
  return inputs;
}

function green(ctx: CliContext, s: string): string {
  return ctx.colorOut ? pc.green(s) : s;
}
