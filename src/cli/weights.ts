/**
 * `tfmc weights export DIR -o FILE.safetensors` and `tfmc weights import DIR FILE.safetensors`:
 * move a model's parameters between a tfmc checkpoint (or the checkpoint of a `tfmc train` run
 * directory) and a safetensors file, the format of the generated PyTorch module
 * (`tfmc compile --target pytorch`), of PyTorch and of Hugging Face tools. Tensor names are the
 * spec's parameter names.
 *
 * Export reads the checkpoint (checksums verified) and writes the file atomically. Import checks
 * the file against the model first (every name, shape and dtype; all differences listed), then
 * rewrites the checkpoint with the new weights; Adam's moments are dropped (they belong to the old
 * weights), the step count is kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import pc from 'picocolors';
import { type CliContext, UsageError } from './context.js';
import { examples } from './options.js';
import { addBackendOption } from './train.js';

interface ExportFlags {
  out: string;
}

interface ImportFlags {
  backend?: 'node' | 'wasm' | 'cpu';
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
    ]) + '\nExit status: 0 ok, 1 failed (damaged checkpoint, weights that do not fit), 2 usage error.\n',
  );

  weights
    .command('export')
    .description('write the weights of a checkpoint (or of a tfmc train run directory) to a safetensors file')
    .argument('<dir>', 'a checkpoint directory, or a run directory of tfmc train')
    .requiredOption('-o, --out <file>', 'the safetensors file to write')
    .addHelpText('after', examples([['tfmc weights export runs/lm -o lm.safetensors', 'float32, tensors named as the spec\'s parameters']]))
    .action(async (dir: string, flags: ExportFlags) => {
      ctx.exitCode = await guarded(ctx, () => runExport(ctx, dir, flags));
    });

  const imp = weights
    .command('import')
    .description('load a safetensors file into a checkpoint (or the checkpoint of a tfmc train run directory)')
    .argument('<dir>', 'a checkpoint directory, or a run directory of tfmc train')
    .argument('<file>', 'the safetensors file to read');
  addBackendOption(imp);
  imp.addHelpText('after', examples([['tfmc weights import runs/lm trained.safetensors', 'into the run\'s checkpoint (Adam\'s state is cleared)']]));
  imp.action(async (dir: string, file: string, flags: ImportFlags) => {
    ctx.exitCode = await guarded(ctx, () => runImport(ctx, dir, file, flags));
  });
}

async function guarded(ctx: CliContext, run: () => Promise<number>): Promise<number> {
  const { reportRunFailure } = await import('./train/errors.js');
  try {
    return await run();
  } catch (e) {
    const code = reportRunFailure(ctx, e);
    if (code === undefined) throw e;
    return code;
  }
}

/** The checkpoint directory: `dir` itself, or `dir/checkpoint` of a run directory. */
function checkpointDir(ctx: CliContext, dir: string): string {
  const abs = path.resolve(ctx.cwd, dir);
  if (!fs.existsSync(abs)) throw new UsageError(`cannot read '${dir}': no such directory`);
  if (!fs.statSync(abs).isDirectory()) throw new UsageError(`'${dir}' is not a directory (give a checkpoint or a run directory)`);
  if (!fs.existsSync(path.join(abs, 'manifest.json')) && fs.existsSync(path.join(abs, 'checkpoint', 'manifest.json'))) return path.join(abs, 'checkpoint');
  return abs;
}

async function runExport(ctx: CliContext, dir: string, flags: ExportFlags): Promise<number> {
  const ckpt = checkpointDir(ctx, dir);
  const out = path.resolve(ctx.cwd, flags.out);
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw new UsageError(`the output '${flags.out}' is a directory; give a file name such as model.safetensors`);
  const { readCheckpoint } = await import('../backends/tfjs/checkpoint.js');
  const { writeSafetensors } = await import('../weights/exchange.js');
  const contents = await readCheckpoint(ckpt);
  const tensors = contents.manifest.weights.tensors.map((t) => {
    const w = contents.weights.get(t.name)!;
    return [w.name, { shape: w.shape, data: w.data }] as [string, { shape: number[]; data: Float32Array }];
  });
  await writeSafetensors(out, tensors, { format: 'pt', producer: 'tfmc', model: contents.manifest.model, step: String(contents.manifest.step ?? 0) });
  const count = tensors.reduce((a, [, t]) => a + t.data.length, 0);
  ctx.out(`${green(ctx, '✓')} ${contents.manifest.model}: ${tensors.length} tensors (${count.toLocaleString('en-US')} parameters) → ${flags.out}\n`);
  return 0;
}

async function runImport(ctx: CliContext, dir: string, file: string, flags: ImportFlags): Promise<number> {
  const ckpt = checkpointDir(ctx, dir);
  const source = path.resolve(ctx.cwd, file);
  const { readSafetensors, requireFit } = await import('../weights/exchange.js');
  const { readCheckpoint } = await import('../backends/tfjs/checkpoint.js');
  // Check the file against the checkpoint before loading any model: a mismatch costs no backend start.
  const contents = await readCheckpoint(ckpt);
  const weights = await readSafetensors(source, file);
  requireFit(file, contents.manifest.model, contents.manifest.weights.tensors, weights);
  const { loadModel } = await import('../api/compile.js');
  const { importSafetensors } = await import('../weights/exchange.js');
  const model = await loadModel(ckpt, { backend: flags.backend, optimizer: false });
  try {
    await importSafetensors(model, source);
    await model.save(ckpt);
  } finally {
    model.dispose();
  }
  ctx.out(`${green(ctx, '✓')} ${contents.manifest.model}: ${weights.tensors.size} tensors from ${file} → ${dir} (optimizer state cleared, step ${contents.manifest.step ?? 0} kept)\n`);
  return 0;
}

function green(ctx: CliContext, s: string): string {
  return ctx.colorOut ? pc.green(s) : s;
}
