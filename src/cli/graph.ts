/**
 * `tfmc graph FILE`: a picture of a model's graph, from its IR (src/backends/graph/): ops or
 * whole modules as boxes, modules opened to `--depth` levels, tensor shapes on the edges.
 *
 * Formats: `svg` and `png` (laid out by Graphviz compiled to WebAssembly; PNG rasterised from
 * the SVG), `dot` (Graphviz source) and `mermaid` (for Markdown). Text formats go to stdout
 * unless `-o FILE`; PNG needs `-o`. Without `--format`, the extension of `-o` decides (else svg).
 * Output files are written atomically and marked as tfmc's (`graph-mark.ts`); an existing file
 * without the mark is replaced only with `--force`, and the spec never (`output-guard.ts`). A spec with errors gets its diagnostics (on stderr, so a
 * redirected stdout never holds half a picture) and exit 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULT_DEPTH, GRAPH_FORMATS, type GraphFormat } from '../backends/graph/constants.js';
import { hasErrors } from '../diagnostics/diagnostic.js';
import { renderHuman } from '../render/human.js';
import { displayPath } from '../render/paths.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { type CliContext, notice, requireReadableFile, UsageError } from './context.js';
import { addModelOption, addSetOption, examples, integerAtLeast } from './options.js';
import { isMarkedPicture, markPicture } from './graph-mark.js';
import { guardOutput } from './output-guard.js';

export interface GraphCliOptions {
  model?: string;
  format?: GraphFormat;
  output?: string;
  depth: number;
  set?: Record<string, string>;
  force?: boolean;
}

const EXTENSIONS: Record<string, GraphFormat> = {
  '.svg': 'svg',
  '.png': 'png',
  '.dot': 'dot',
  '.gv': 'dot',
  '.mmd': 'mermaid',
  '.mermaid': 'mermaid',
};

export function registerGraph(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('graph')
    .description("draw a model's graph (boxes for ops and modules, tensor shapes on the edges)")
    .argument('<file>', '.tfm file with the model');
  addModelOption(cmd);
  cmd
    .addOption(new Option('--format <format>', 'picture format (default: from the -o extension, else svg)').choices(GRAPH_FORMATS))
    .option('-o, --output <file>', 'write the picture to this file (default: stdout; required for png)')
    .option('--depth <n>', 'levels of modules drawn open; deeper ones are one box', integerAtLeast(0), DEFAULT_DEPTH)
    .option('--force', 'replace an -o file that tfmc graph did not write (never the spec)');
  addSetOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc graph specs/gpt2.tfm -o gpt2.svg', 'an SVG of the first model in the file'],
      ['tfmc graph specs/gpt2.tfm --model Gpt2Tiny -o tiny.png', 'a PNG of one model'],
      ['tfmc graph specs/bert.tfm --depth 3 -o bert.svg', 'open modules three levels deep'],
      ['tfmc graph specs/t5.tfm --format mermaid > t5.mmd', 'Mermaid for a Markdown page'],
      ['tfmc graph specs/gpt2.tfm --format dot | dot -Tpdf > g.pdf', 'DOT for your own Graphviz'],
      ['tfmc graph specs/gpt2.tfm --set layers=4 -o g.svg', 'a variant'],
    ]) +
      '\nDepth 0 draws the top-level modules as boxes; each level more opens one level of modules\n' +
      '(a `repeat` stack shows its layers at depth 1). Exit status: 0 ok, 1 the spec has errors\n' +
      '(printed on stderr), 2 usage error.\n',
  );
  cmd.action(async (file: string, options: GraphCliOptions) => {
    ctx.exitCode = await runGraph(ctx, file, options);
  });
}

export async function runGraph(ctx: CliContext, file: string, options: GraphCliOptions): Promise<number> {
  const format = options.format ?? (options.output ? formatOf(options.output) : 'svg');
  if (format === 'png' && !options.output) throw new UsageError('--format png writes binary data: give an output file with -o FILE');
  const target = options.output;
  const output = target === undefined ? undefined : path.resolve(ctx.cwd, target);
  if (target !== undefined && output !== undefined) {
    const dir = path.dirname(output);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`cannot write '${target}': no folder '${path.dirname(target)}'`);
  }
  const abs = requireReadableFile(ctx, file);

  const { checkSpec } = await import('./check-spec.js');
  const result = checkSpec(ctx, file, abs, options);
  if (output !== undefined) {
    guardOutput({
      abs: output,
      flag: '-o',
      command: 'tfmc graph',
      kind: 'file',
      // The entry is named even when it does not parse: `graph spec.tfm -o spec.tfm` is refused either way.
      inputs: [abs, ...result.sources.keys()].map((f) => ({ abs: f, what: f === abs ? 'the spec' : 'a file the spec imports' })),
      force: options.force === true,
      isOurs: isMarkedPicture,
      cwd: ctx.cwd,
    });
  }
  const diagnostics = [...result.diagnostics];
  const model = options.model ? result.models.find((m) => m.name === options.model) : result.models[0];
  if (diagnostics.length > 0) ctx.err(renderHuman(diagnostics, result.sources, { color: ctx.colorErr, cwd: ctx.cwd }));
  if (hasErrors(diagnostics)) return 1;
  if (!model) {
    ctx.err(`${displayPath(abs, ctx.cwd)}: no model to draw\n`);
    return 1;
  }
  if (!options.model && result.models.length > 1) {
    const names = result.models.map((m) => m.name).join(', ');
    notice(ctx, `note: ${displayPath(abs, ctx.cwd)} has ${result.models.length} models (${names}); drawing ${model.name} (choose one with --model)\n`);
  }

  const { buildModelGraph, GraphRenderError, renderGraph } = await import('../backends/graph/index.js');
  const graph = buildModelGraph(model, { depth: options.depth });
  let picture: string | Uint8Array;
  try {
    picture = await renderGraph(graph, format, (message) => ctx.err(`warning: ${message}\n`));
  } catch (err) {
    if (!(err instanceof GraphRenderError)) throw err;
    ctx.err(`error: ${err.message}. Try a smaller --depth, or --format dot for another Graphviz.\n`);
    return 1;
  }
  if (output === undefined) {
    ctx.out(picture as string);
    return 0;
  }
  try {
    writeFileAtomic(output, markPicture(format, picture));
  } catch (err) {
    ctx.err(`error: cannot write '${options.output}': ${(err as Error).message}\n`);
    return 1;
  }
  ctx.out(`wrote ${displayPath(output, ctx.cwd)} (${model.name}, ${graph.nodes.length} boxes, depth ${options.depth})\n`);
  return 0;
}

function formatOf(file: string): GraphFormat {
  const ext = path.extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (!format) {
    throw new UsageError(`cannot tell the format from '${path.basename(file)}': use --format ${GRAPH_FORMATS.join('|')} or an extension .svg .png .dot .mmd`);
  }
  return format;
}
