/**
 * `tfmc summary FILE`: a Keras-style table of a model's modules, parameter counts, FLOPs and
 * activation memory.
 *
 * If the file does not check cleanly, the diagnostics are printed instead (exit 1): numbers from
 * an ill-typed model would be noise. Warnings are printed above the table.
 *
 * `--format json` prints, on stdout:
 * - one object `{"model", "file", "params", "flopsPerToken", "activationBytes", "batch", "seq",
 *   "rows", "diagnostics"}` when exactly one model is summarised (always the case with
 *   `--model NAME`);
 * - `{"models": [<object>...], "diagnostics": [...]}` otherwise;
 * - on errors, the `check --format json` report `{"diagnostics": [...]}`.
 * `rows` are `SummaryRow`s; all of them, unless `--depth` is given explicitly. `diagnostics`
 * (warnings) use the `check --format json` contract.
 */
import type { Command } from 'commander';
import pc from 'picocolors';
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.js';
import { renderHuman } from '../render/human.js';
import { type JsonDiagnostic, renderJson, toJsonReport } from '../render/json.js';
import { displayPath } from '../render/paths.js';
import type { ModelSummary, SummaryRow } from '../pipeline/check-spec.js';
import { type CliContext, requireReadableFile } from './context.js';
import {
  addFormatOption,
  addModelOption,
  addSetOption,
  type CommonOptions,
  examples,
  integerAtLeast,
} from './options.js';

export interface SummaryOptions extends CommonOptions {
  model?: string;
  batch: number;
  seq?: number;
  depth: number;
  /** True when `--depth` was given on the command line rather than defaulted. */
  depthGiven: boolean;
}

const DEFAULT_DEPTH = 2;

export function registerSummary(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('summary')
    .description('print a per-module table of parameters, output shapes, FLOPs and activation memory')
    .argument('<file>', '.tfm file to summarise');
  addModelOption(cmd);
  cmd
    .option('--batch <n>', 'batch size for activation memory', integerAtLeast(1), 1)
    .option('--seq <n>', "sequence length (default: the model's maximum)", integerAtLeast(1))
    .option('--depth <n>', 'levels of nested modules to show', integerAtLeast(0), DEFAULT_DEPTH);
  addFormatOption(cmd);
  addSetOption(cmd);
  cmd.addHelpText(
    'after',
    examples([
      ['tfmc summary specs/gpt2.tfm', 'every model in the file'],
      ['tfmc summary specs/gpt2.tfm --model gpt2_medium', 'one model'],
      ['tfmc summary gpt2.tfm --seq 2048 --batch 8', 'FLOPs and memory at this size'],
      ['tfmc summary gpt2.tfm --depth 1', 'top-level modules only'],
      ['tfmc summary gpt2.tfm --set layers=24 --format json', 'a variant, machine-readable'],
    ]) + '\nExit status: 0 ok, 1 the file has errors (they are printed instead of the table), 2 usage error.\n',
  );
  cmd.action(async (file: string, options: Omit<SummaryOptions, 'depthGiven'>, self: Command) => {
    const depthGiven = self.getOptionValueSource('depth') === 'cli';
    ctx.exitCode = await runSummary(ctx, file, { ...options, depthGiven });
  });
}

export async function runSummary(ctx: CliContext, file: string, options: SummaryOptions): Promise<number> {
  const abs = requireReadableFile(ctx, file);
  const { checkSpec } = await import('./check-spec.js');
  const { summarize } = await import('../ir/summary.js');
  const result = checkSpec(ctx, file, abs, options);
  const summaries = result.models.map((m) => summarize(m, { batch: options.batch, seq: options.seq }));
  const diagnostics = result.diagnostics;

  if (hasErrors(diagnostics)) {
    if (options.format === 'json') ctx.out(renderJson(diagnostics, { cwd: ctx.cwd }));
    else ctx.out(renderHuman(diagnostics, result.sources, { color: ctx.colorOut, cwd: ctx.cwd }));
    return 1;
  }

  if (options.format === 'json') {
    ctx.out(JSON.stringify(summaryJson(summaries, diagnostics, options, ctx.cwd), null, 2) + '\n');
    return 0;
  }

  if (diagnostics.length > 0) {
    ctx.out(renderHuman(diagnostics, result.sources, { color: ctx.colorOut, cwd: ctx.cwd }) + '\n');
  }
  if (summaries.length === 0) {
    ctx.out(`${displayPath(file, ctx.cwd)}: no models to summarise\n`);
    return 0;
  }
  ctx.out(
    summaries
      .map((s: ModelSummary) => renderSummaryTable(s, { depth: options.depth, color: ctx.colorOut, cwd: ctx.cwd }))
      .join('\n'),
  );
  return 0;
}

interface ModelJson {
  model: string;
  file: string;
  params: number;
  flopsPerToken: number;
  activationBytes: number;
  batch: number;
  seq: number;
  rows: SummaryRow[];
}

function summaryJson(
  summaries: ModelSummary[],
  diagnostics: Diagnostic[],
  options: SummaryOptions,
  cwd: string,
): (ModelJson | { models: ModelJson[] }) & { diagnostics: JsonDiagnostic[] } {
  const models = summaries.map(
    (s): ModelJson => ({
      model: s.model,
      file: displayPath(s.file, cwd),
      params: s.params,
      flopsPerToken: s.flopsPerToken,
      activationBytes: s.activationBytes,
      batch: s.batch,
      seq: s.seq,
      rows: options.depthGiven ? s.rows.filter((r) => r.depth < options.depth) : s.rows,
    }),
  );
  const warnings = toJsonReport(diagnostics, { cwd }).diagnostics;
  return models.length === 1 ? { ...models[0], diagnostics: warnings } : { models, diagnostics: warnings };
}

// ---------------------------------------------------------------------------------------------
// The table.

export interface TableOptions {
  /** Rows nested `depth` levels or deeper are hidden (0 hides all rows). */
  depth: number;
  color: boolean;
  cwd?: string;
}

const HEADERS = ['Layer (path)', 'Block', 'Output shape', 'Params'] as const;
const GAP = '  ';

/**
 * ```text
 * Model gpt2 (specs/gpt2.tfm)
 *
 * Layer (path)        Block             Output shape            Params
 * ────────────────────────────────────────────────────────────────────
 * wte                 Embedding         [batch, seq, 768]   38,597,376
 * h.0                 GPT2Block         [batch, seq, 768]    7,087,872
 *   h.0.attn          CausalSelfAttn    [batch, seq, 768]    2,362,368
 * ────────────────────────────────────────────────────────────────────
 * Total params: 124,439,808 (474.7 MiB fp32)
 * FLOPs/token (seq=1024): 1.1 GFLOP
 * Activation memory (batch=1, seq=1024): 123.4 MiB
 * ```
 */
export function renderSummaryTable(s: ModelSummary, options: TableOptions): string {
  const c = pc.createColors(options.color);
  const shown = s.rows.filter((r) => r.depth < options.depth);
  const cells = shown.map((r) => ['  '.repeat(r.depth) + r.path, r.block, r.outputShape, formatCount(r.params)]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: readonly string[]) =>
    row.map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join(GAP).trimEnd();
  const rule = c.dim('─'.repeat(widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1)));

  const out = [`${c.bold(`Model ${s.model}`)} (${displayPath(s.file, options.cwd)})`, ''];
  out.push(c.bold(line(HEADERS)), rule);
  for (const row of cells) out.push(line(row));
  if (shown.length > 0) out.push(rule);
  const hidden = s.rows.length - shown.length;
  if (hidden > 0) {
    out.push(c.dim(`(${formatCount(hidden)} nested module${hidden === 1 ? '' : 's'} not shown: use --depth ${options.depth + 1} or more)`));
  }
  out.push(
    `${c.bold('Total params:')} ${formatCount(s.params)} (${formatBytes(s.params * 4)} fp32)`,
    `${c.bold(`FLOPs/token (seq=${s.seq}):`)} ${formatFlops(s.flopsPerToken)}`,
    `${c.bold(`Activation memory (batch=${s.batch}, seq=${s.seq}):`)} ${formatBytes(s.activationBytes)}`,
  );
  return out.join('\n') + '\n';
}

/** `124439808` → `124,439,808`. */
export function formatCount(n: number): string {
  const [int, frac] = String(Math.round(n * 1e6) / 1e6).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Binary units, because memory is sized in them: `474.7 MiB`. */
export function formatBytes(bytes: number): string {
  return scaled(bytes, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB']);
}

/** Decimal units, as FLOP counts are usually quoted: `1.1 GFLOP`. */
export function formatFlops(flops: number): string {
  return scaled(flops, 1000, ['FLOP', 'kFLOP', 'MFLOP', 'GFLOP', 'TFLOP', 'PFLOP', 'EFLOP']);
}

function scaled(value: number, base: number, units: string[]): string {
  let i = 0;
  let v = value;
  while (Math.abs(v) >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  if (i === 0) return `${formatCount(Math.round(v))} ${units[0]}`;
  // 1023.96 KiB would print as "1024.0 KiB": move up a unit instead.
  if (Math.abs(Number(v.toFixed(1))) >= base && i < units.length - 1) return `${(v / base).toFixed(1)} ${units[i + 1]}`;
  return `${v.toFixed(1)} ${units[i]}`;
}
