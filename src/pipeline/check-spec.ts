/**
 * The pipeline: load → parse → lower → check, for a spec file or editor text. Front doors (the CLI,
 * the language server, the library API) call it and hand the checked IR to a backend; backends
 * never parse or check themselves.
 */
import { resolve } from 'node:path';
import { diagnostic } from '../check/diagnostics.js';
import type { Diagnostic } from '../check/diagnostics.js';
import { summarize } from '../ir/summary.js';
import type { ModelIR } from '../ir/types.js';
import { checkEntry } from './check-entry.js';
import { toOverrides } from './overrides.js';
import { unknownModel } from './select-model.js';

export interface CheckOptions {
  /** `--set key=value` overrides, applied to every model checked (unknown keys are errors). */
  overrides?: Record<string, string>;
  /** Imports may not escape this folder. Defaults to the nearest folder holding package.json or .git, else the file's folder. */
  workspaceRoot?: string;
  /** In-memory documents (editor buffers) by absolute path, read before the disk. */
  overlay?: Map<string, string>;
  /** Check only this model of the file (the models it extends are read for it). */
  model?: string;
}

export interface CheckResult {
  /** Sorted by file, line, column. */
  diagnostics: Diagnostic[];
  /** Every file read (absolute path → text), so renderers can show source excerpts. */
  sources: Map<string, string>;
  /** The IR of every model in the file that checked without errors. */
  models: ModelIR[];
  /** False when the file itself could not be read. */
  found: boolean;
  /** The names of the models the file declares, checked or not. */
  declared: string[];
}

/** One row of `tfmc summary`: a module (block instance or layer) of the model. */
export interface SummaryRow {
  /** Hierarchical PyTorch-style path, e.g. `decoder.layers.3.self_attn`. */
  path: string;
  /** The block or primitive it instantiates, e.g. `MultiHeadAttention`, `Linear`. */
  block: string;
  /** Nesting depth (0 = a direct child of the model). */
  depth: number;
  /** Rendered output shape, e.g. `[batch, seq, 768]`. */
  outputShape: string;
  /** Parameters owned by this module and its children (tied weights are counted once, at their owner). */
  params: number;
}

export interface ModelSummary {
  model: string;
  file: string;
  params: number;
  rows: SummaryRow[];
  /** Forward FLOPs per token at the given sequence length (multiply-add = 2 FLOPs); per example for fixed-size inputs. */
  flopsPerToken: number;
  /** Estimated forward activation memory in bytes for the given batch and sequence length. */
  activationBytes: number;
  batch: number;
  seq: number;
}

/** Checks a spec file and everything it imports. */
export function checkFile(path: string, options: CheckOptions = {}): CheckResult {
  return check(resolve(path), undefined, options);
}

/** Checks spec text as if it were the file `path` (editor buffers, tests). */
export function checkSource(text: string, path = 'untitled.tfm', options: CheckOptions = {}): CheckResult {
  return check(resolve(path), text, options);
}

function check(path: string, text: string | undefined, options: CheckOptions): CheckResult {
  const { overrides, errors } = toOverrides(path, options.overrides);
  const r = checkEntry(path, overrides, { root: options.workspaceRoot, overlay: options.overlay }, text, options.model);
  const sources = new Map<string, string>();
  for (const [p, f] of r.workspace.files) sources.set(p, f.text);
  if (errors.length) {
    // A malformed `--set` value is shown at the model it would have configured.
    const model = r.workspace.files.get(path)?.ast.items.find((i) => i.kind === 'ModelDecl');
    if (model) for (const e of errors) e.primary = { file: path, span: model.name.span, message: 'set for this model' };
    return { diagnostics: [...errors, ...r.diagnostics], sources, models: [], found: r.found, declared: r.declared };
  }
  return { diagnostics: r.diagnostics, sources, models: r.models, found: r.found, declared: r.declared };
}

/** Checks a file, then summarises its models (all, or the one named `model`). */
export function summarizeFile(
  path: string,
  options: CheckOptions & { batch?: number; seq?: number } = {},
): { result: CheckResult; summaries: ModelSummary[] } {
  const result = checkFile(path, options);
  const models = result.models;
  const unknown = options.model !== undefined ? unknownModel(result, options.model, path) : undefined;
  if (unknown) {
    const pos = { offset: 0, line: 1, column: 1 };
    result.diagnostics.push(diagnostic('TFM2019', unknown, { file: resolve(path), span: { start: pos, end: pos } }));
  }
  return { result, summaries: models.map((m) => summarize(m, { batch: options.batch, seq: options.seq })) };
}
