/** What the pipeline hands its callers: the options of a check and its result. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpecHost } from '../ir/spec-host.js';
import type { ModelIR } from '../ir/types.js';

export interface CheckOptions {
  /** `--set key=value` overrides, applied to every model checked (unknown keys are errors). */
  overrides?: Record<string, string>;
  /** Imports may not escape this folder. Defaults to the nearest folder holding package.json or .git, else the file's folder. */
  workspaceRoot?: string;
  /** In-memory documents (editor buffers) by absolute path, read before the disk. */
  overlay?: Map<string, string>;
  /** Check only this model of the file (the models it extends are read for it). */
  model?: string;
  /** Where files and the standard library are read from (default: the disk; the browser playground gives embedded text). */
  host?: SpecHost;
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
