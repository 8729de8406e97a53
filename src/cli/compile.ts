/**
 * `tfmc compile SPEC --target tfjs|ts [-o DIR]`: compile one model of a spec into a directory.
 * - `tfjs`: a loadable model directory (the checkpoint format of `CompiledModel.save`, freshly
 *   initialised weights; `loadModel(dir)` reloads it).
 * - `ts`: a small TypeScript project whose module builds, trains and runs the model
 *   (`src/backends/ts/`, docs/codegen.md); `--standalone` inlines the runtime functions it uses.
 *
 * Every target writes into a fresh staging directory that then replaces `DIR` in one rename, so a
 * failed run leaves no half-written output. A non-empty `DIR` is replaced only when it is an
 * earlier output of the same target, or with `--force`, and never when it holds the spec or the
 * working directory (`output-guard.ts`).
 *
 * Adding a target: write a {@link TargetWriter} and add it to {@link TARGETS}.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import pc from 'picocolors';
import { renderHuman } from '../render/human.js';
import { displayPath } from '../render/paths.js';
import { kebabName, moduleFileName } from '../backends/ts/file-names.js';
import { onnxTarget } from './compile-onnx.js';
import { pytorchTarget } from './compile-pytorch.js';
import type { TargetJob, TargetWriter } from './compile-target.js';
import { type CliContext, requireReadableFile, UsageError } from './context.js';
import { guardOutput } from './output-guard.js';
import { addModelOption, addSetOption, examples, integerAtLeast } from './options.js';
import { packageVersion } from '../util/package-version.js';

/** The marker file of a tfjs model directory written by `compile` (not listed in the manifest, so a rewrite of the checkpoint drops it). */
const COMPILE_MARK = '.tfmc-compile.json';

const tfjsTarget: TargetWriter = {
  describe: 'a TensorFlow.js model directory (loadModel(dir) reloads it)',
  defaultDir: (ir) => `${kebabName(ir.name)}-tfjs`,
  // A checkpoint written by `compile` carries a marker; a trained or imported checkpoint (written by
  // `train`, `weights import` or `save`) does not, so compile never replaces one without --force.
  isEarlierOutput: (dir) => existsSync(join(dir, COMPILE_MARK)),
  async write(job, staging) {
    const { compile } = await import('../api/compile.js');
    const model = await compile(job.spec, { model: job.ir.name, overrides: job.overrides, seed: job.seed, maxMemory: job.maxMemory });
    try {
      await model.save(staging);
    } finally {
      model.dispose();
    }
    const files = listFiles(staging);
    await writeFile(join(staging, COMPILE_MARK), JSON.stringify({ by: 'tfmc compile', target: 'tfjs' }) + '\n');
    return files;
  },
};

const tsTarget: TargetWriter = {
  describe: 'TypeScript source of the model (docs/codegen.md)',
  defaultDir: (ir) => `${kebabName(ir.name)}-ts`,
  // What the target writes, and what `npm install` and `npm run build` leave beside it.
  isEarlierOutput: (dir, job) => {
    const ours = new Set(['package.json', 'tsconfig.json', moduleFileName(job.ir), 'tfmc-runtime', 'node_modules', 'dist', 'package-lock.json']);
    return readdirSync(dir).every((f) => ours.has(f));
  },
  async write(job, staging) {
    const { generateTsProject } = await import('../backends/ts/generate.js');
    const files = await generateTsProject(job.ir, { standalone: job.standalone, tfmcVersion: packageVersion() });
    for (const [name, text] of Object.entries(files)) {
      await mkdir(dirname(join(staging, name)), { recursive: true });
      await writeFile(join(staging, name), text);
    }
    return Object.keys(files);
  },
};

/** The targets of `--target`, by name. */
export const TARGETS: Readonly<Record<string, TargetWriter>> = {
  tfjs: tfjsTarget,
  ts: tsTarget,
  pytorch: pytorchTarget,
  onnx: onnxTarget,
};

export interface CompileFlags {
  target: string;
  out?: string;
  model?: string;
  set?: Record<string, string>;
  seed?: number;
  standalone?: boolean;
  force?: boolean;
  maxMemory?: string;
}

export function registerCompile(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('compile')
    .description('compile a model of a spec into a directory: a TensorFlow.js model, TypeScript source, a PyTorch module, or an ONNX model')
    .argument('<spec>', 'the .tfm file');
  cmd.addOption(
    new Option('--target <target>', `what to write: ${Object.entries(TARGETS).map(([k, t]) => `${k}, ${t.describe}`).join('; ')}`)
      .choices(Object.keys(TARGETS))
      .makeOptionMandatory(),
  );
  cmd.option('-o, --out <dir>', 'output directory (default: <model-name>-<target>)');
  addModelOption(cmd);
  addSetOption(cmd);
  cmd
    .option('--seed <n>', 'seed of the initial weights (--target tfjs, onnx)', integerAtLeast(0))
    .option('--max-memory <size>', 'tfjs and onnx targets: memory the model may need, e.g. 64GB or none (default: TFMC_MAX_MEMORY, else the backend\'s: 4 GiB on wasm, else the machine\'s memory)')
    .option('--standalone', 'ts target: copy the runtime functions used into the module (depends on @tensorflow/tfjs only)')
    .option('--force', 'replace a non-empty output directory that is not an earlier output of this target (never one holding the spec)');
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc compile specs/gpt2.tfm --model Gpt2Tiny --target ts -o out/', 'readable TypeScript'],
      ['tfmc compile specs/gpt2.tfm --model Gpt2Tiny --target ts --standalone', 'no tfmc dependency'],
      ['tfmc compile specs/vit.tfm --model VitTiny --target tfjs --seed 1', 'a model directory to load'],
      ['tfmc compile specs/gpt2.tfm --model Gpt2Tiny --target pytorch -o out/', 'model.py + train.py (torchrun)'],
      ['tfmc compile specs/gpt2.tfm --model Gpt2Tiny --target onnx --seed 1', 'model.onnx for onnxruntime'],
    ]) + '\nExit status: 0 written, 1 the spec has errors or writing failed, 2 usage error.\n',
  );
  cmd.action(async (spec: string, flags: CompileFlags) => {
    ctx.exitCode = await runCompile(ctx, spec, flags);
  });
}

export async function runCompile(ctx: CliContext, spec: string, flags: CompileFlags): Promise<number> {
  const abs = requireReadableFile(ctx, spec);
  const target = TARGETS[flags.target];
  if (!target) throw new UsageError(`unknown target \`${flags.target}\` (targets: ${Object.keys(TARGETS).join(', ')})`);
  if (flags.standalone && flags.target !== 'ts') throw new UsageError('--standalone applies to --target ts only');
  if (flags.seed !== undefined && flags.target === 'ts') throw new UsageError('--seed does not apply to --target ts: the generated createParams(seed) takes the seed when the model is built');
  let maxMemory: number | undefined;
  if (flags.maxMemory !== undefined) {
    if (flags.target !== 'tfjs' && flags.target !== 'onnx') throw new UsageError('--max-memory applies to --target tfjs and onnx only');
    const { parseByteSize } = await import('../api/memory-check.js');
    maxMemory = parseByteSize(flags.maxMemory);
    if (maxMemory === undefined) throw new UsageError(`--max-memory: cannot read \`${flags.maxMemory}\` as a size (e.g. 16GB, 512MiB, 2e9, none)`);
  }
  const overrides = flags.set ?? {};
  const { checkSpec } = await import('./check-spec.js');
  const { selectModel } = await import('../pipeline/select-model.js');
  const result = checkSpec(ctx, spec, abs, { model: flags.model, set: overrides });
  const choice = selectModel(result, flags.model, displayPath(spec, ctx.cwd));
  if (!choice.ok) {
    if (choice.reason !== 'spec-errors') throw new UsageError(choice.message);
    ctx.err(renderHuman(result.diagnostics.filter((d) => d.severity === 'error'), result.sources, { color: ctx.colorErr, cwd: ctx.cwd, summary: true }));
    ctx.err('nothing written: fix the errors above\n');
    return 1;
  }
  const ir = choice.ir;
  const job: TargetJob = { ir, spec: abs, overrides, sources: result.sources, seed: flags.seed, standalone: flags.standalone === true, maxMemory };
  const outArg = flags.out ?? target.defaultDir(ir);
  const out = resolve(ctx.cwd, outArg);
  guardOutput({
    abs: out,
    flag: '-o',
    command: `tfmc compile --target ${flags.target}`,
    kind: 'directory',
    inputs: [
      ...[...result.sources.keys()].map((file) => ({ abs: file, what: file === abs ? 'the spec' : 'a file the spec imports' })),
      { abs: ctx.cwd, what: 'the working directory', outputsInside: true },
    ],
    force: flags.force === true,
    isOurs: (dir) => target.isEarlierOutput(dir, job),
    cwd: ctx.cwd,
  });

  await mkdir(dirname(out), { recursive: true });
  const { randomBytes } = await import('node:crypto');
  const staging = join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const files = await target.write(job, staging);
    const { swapInto } = await import('../backends/tfjs/checkpoint.js');
    await swapInto(staging, out);
    const green = (s: string) => (ctx.colorOut ? pc.green(s) : s);
    ctx.out(`${green('✓')} ${ir.name} → ${displayPath(outArg, ctx.cwd).replace(/[\\/]+$/, '')}/ (${files.sort().join(', ')})\n`);
    return 0;
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    const { EmitError } = await import('../backends/ts/emit.js');
    const { TfmcCompileError } = await import('../api/compile-error.js');
    if (e instanceof TfmcCompileError && e.errorDiagnostics.length > 0) {
      ctx.err(renderHuman(e.errorDiagnostics, e.sources, { color: ctx.colorErr, cwd: ctx.cwd, summary: false }));
      ctx.err('nothing written: fix the errors above\n');
      return 1;
    }
    if (e instanceof EmitError || e instanceof TfmcCompileError) {
      ctx.err(`${ctx.colorErr ? pc.bold(pc.red('error:')) : 'error:'} ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      ctx.err(`${ctx.colorErr ? pc.bold(pc.red('error:')) : 'error:'} could not write ${displayPath(outArg, ctx.cwd)}: ${(e as Error).message}\n`);
      return 1;
    }
    throw e;
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]));
}
