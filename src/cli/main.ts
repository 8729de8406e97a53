/**
 * The `tfmc` program: commander setup and the one place where failures become exit codes.
 *
 * Exit codes: 0 ok; 1 diagnostics with errors, or a run that failed (including an internal
 * error); 2 usage errors (unknown command or flag, malformed value, unreadable input file).
 *
 * A user's mistake is reported in one line, never with a stack trace. Anything else is a bug in
 * tfmc: it is reported as "internal error: ..." with a request to report it, and the stack trace
 * is shown only with `TFMC_DEBUG=1`, so users are not scared and maintainers can still dig.
 *
 * `bin/tfmc.js` calls `main`; nothing runs on import, so tests can build the program themselves.
 */
import { type Argument, Command, CommanderError, Help, type Option } from 'commander';
import pc from 'picocolors';
import { registerCheck } from './check.js';
import { registerCompile } from './compile.js';
import { type CliContext, processContext, UsageError } from './context.js';
import { registerFmt } from './fmt.js';
import { registerGraph } from './graph.js';
import { registerGenerate } from './generate.js';
import { registerHf } from './hf.js';
import { registerInit } from './init.js';
import { registerLsp } from './lsp.js';
import { registerPredict } from './predict.js';
import { registerSummary } from './summary.js';
import { registerTrain } from './train.js';
import { registerWeights } from './weights.js';
import { packageVersion } from '../util/package-version.js';
import { TfmcFileError } from '../diagnostics/file-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** Runs tfmc with `args` (without `node` and the script) and resolves to the exit code. */
export async function main(args: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    return reportFailure(err, ctx);
  }
}

export function createProgram(ctx: CliContext): Command {
  const red = (s: string) => (ctx.colorErr ? pc.bold(pc.red(s)) : s);
  const program = new Command('tfmc')
    .description('Check, train, run and compile .tfm Transformer specs (TensorFlow.js, TypeScript, PyTorch)')
    .version(packageVersion(), '-V, --version', 'print the tfmc version')
    .helpOption('-h, --help', 'show help')
    .option('-q, --quiet', 'only results and errors: no progress, notes, warnings or success lines')
    // Throw instead of exiting, so `main` decides the exit code (usage errors are 2, not 1).
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      outputError: (s, write) => write(s.replace(/^error:/, red('error:'))),
    })
    .showHelpAfterError('(run with --help for usage)');
  // `--quiet` is accepted before or after the command name (commander's default for program options).
  program.hook('preAction', () => {
    if (program.opts().quiet === true) ctx.quiet = true;
  });
  program.configureHelp({ showGlobalOptions: true, optionDescription, argumentDescription });
  // Subcommands made with .command() inherit exitOverride and the output configuration.
  registerCheck(program, ctx);
  registerSummary(program, ctx);
  registerCompile(program, ctx);
  registerLsp(program, ctx);
  registerFmt(program, ctx);
  registerGraph(program, ctx);
  registerTrain(program, ctx);
  registerPredict(program, ctx);
  registerGenerate(program, ctx);
  registerInit(program, ctx);
  registerWeights(program, ctx);
  registerHf(program, ctx);
  program.addHelpText(
    'after',
    '\nExamples:\n' +
      '  $ tfmc check specs/gpt2.tfm                  # report errors and warnings\n' +
      '  $ tfmc summary specs/gpt2.tfm --seq 1024     # parameter and FLOP table\n' +
      '  $ tfmc graph specs/gpt2.tfm -o gpt2.svg      # a picture of the model, shapes on the edges\n' +
      '  $ tfmc fmt --check specs                     # is every spec in the canonical layout?\n' +
      '  $ tfmc train examples/tiny-lm.tfm --data examples/corpus.txt --out runs/tiny\n' +
      '  $ tfmc generate runs/tiny --prompt "The " --top-k 8   # text from the trained model\n' +
      '  $ tfmc compile specs/gpt2.tfm --model Gpt2Tiny --target ts -o out/   # readable TypeScript\n' +
      '  $ tfmc help check                            # help for one command\n' +
      '\nColour: on for terminals; NO_COLOR=1 turns it off, FORCE_COLOR=1 forces it on.\n' +
      'Exit status: 0 ok, 1 errors found or run failed, 2 usage error.\n',
  );
  return program;
}

/**
 * Commander appends "(default: 64)" to a flag with a default value; a description that already
 * says its default ("tokens to generate at most (default 64)") keeps its own wording alone.
 */
function optionDescription(this: Help, option: Option): string {
  return Help.prototype.optionDescription.call(this, statesDefault(option) ? withoutDefault(option) : option);
}

function argumentDescription(this: Help, argument: Argument): string {
  return Help.prototype.argumentDescription.call(this, statesDefault(argument) ? withoutDefault(argument) : argument);
}

function statesDefault(item: Option | Argument): boolean {
  return item.defaultValue !== undefined && /\(default\b/.test(item.description);
}

/** The same option or argument for the help text, without the default value commander would print. */
function withoutDefault<T extends Option | Argument>(item: T): T {
  return Object.assign(Object.create(item) as T, { defaultValue: undefined });
}

function reportFailure(err: unknown, ctx: CliContext): number {
  const red = (s: string) => (ctx.colorErr ? pc.bold(pc.red(s)) : s);
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help / version it was asked for).
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  if (err instanceof UsageError) {
    ctx.err(`${red('error:')} ${err.message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof TfmcFileError) {
    ctx.err(`${red(`error[${err.code}]:`)} ${err.message}\n`);
    return EXIT_FAILED;
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.err(`${red('internal error:')} ${message}\n`);
  ctx.err('This is a bug in tfmc, not in your spec. Please report it with the command and the .tfm file that triggered it.\n');
  const debug = ctx.env.TFMC_DEBUG;
  if (debug === '1' || debug === 'true') {
    if (err instanceof Error && err.stack) ctx.err(`${err.stack}\n`);
  } else {
    ctx.err('(run with TFMC_DEBUG=1 to see the stack trace)\n');
  }
  return EXIT_FAILED;
}
