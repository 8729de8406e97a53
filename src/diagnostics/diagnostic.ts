/**
 * Diagnostics are data: a stable code, a severity, a message that states the problem, a primary
 * labelled span, secondary labelled spans (the other side of every mismatch), notes and help.
 * They are rendered three ways (human, JSON, LSP) from this one shape.
 */
import type { Span } from './spans.js';

export type Severity = 'error' | 'warning' | 'info';
export type Code = `TFM${number}`;

export interface Label {
  file: string;
  span: Span;
  message?: string;
}

/** A machine-applicable change: replace `span` of `file` with `text` (an empty span inserts). */
export interface Edit {
  file: string;
  span: Span;
  text: string;
}

/**
 * How to fix it. `edits`, when present, are the fix itself: applying all of them (they never
 * overlap) turns this mistake into a spec without it — tested for the mistake corpus, offered as
 * an editor quick fix and by `tfmc check --fix`.
 */
export interface Help {
  message: string;
  edits?: Edit[];
}

export interface Diagnostic {
  code: Code;
  severity: Severity;
  /** States the problem, e.g. "cannot add `[batch, seq, 512]` and `[batch, seq, 768]`". */
  message: string;
  primary: Label;
  /** The other side of a mismatch, "declared here", "`d_model` = 512 set here", ... */
  secondary: Label[];
  /** Extra facts, e.g. a shape trace or a per-block parameter breakdown. */
  notes: string[];
  /** Only `help` suggests a fix. */
  help?: Help;
}

/** Every diagnostic code tfmc emits, with its default severity and a short title (docs, LSP). */
export const CODES = {
  // 1xxx: syntax
  TFM1001: { severity: 'error', title: 'unexpected character' },
  TFM1002: { severity: 'error', title: 'unterminated string literal' },
  TFM1003: { severity: 'error', title: 'unterminated block comment' },
  TFM1004: { severity: 'error', title: 'syntax error' },
  TFM1005: { severity: 'error', title: 'malformed number literal' },
  TFM1006: { severity: 'error', title: 'statement not allowed here' },
  TFM1007: { severity: 'error', title: 'invalid string escape' },
  TFM1008: { severity: 'error', title: 'number literal out of range' },
  TFM1009: { severity: 'error', title: 'bidirectional control character' },
  TFM1010: { severity: 'error', title: 'invalid UTF-8' },
  TFM1011: { severity: 'error', title: 'source file too large' },
  TFM1012: { severity: 'error', title: 'not a regular file' },
  // 2xxx: names, structure, modules
  TFM2001: { severity: 'error', title: 'unknown name' },
  TFM2002: { severity: 'error', title: 'duplicate definition' },
  TFM2003: { severity: 'error', title: 'used before its definition' },
  TFM2004: { severity: 'error', title: 'cyclic definition' },
  TFM2005: { severity: 'error', title: 'unknown argument' },
  TFM2006: { severity: 'error', title: 'missing argument' },
  TFM2007: { severity: 'error', title: 'duplicate argument' },
  TFM2008: { severity: 'error', title: 'too many positional arguments' },
  TFM2009: { severity: 'warning', title: 'unused value' },
  TFM2010: { severity: 'warning', title: 'unused input' },
  TFM2011: { severity: 'error', title: 'import cycle' },
  TFM2012: { severity: 'error', title: 'import outside the workspace' },
  TFM2013: { severity: 'error', title: 'imported file not found' },
  TFM2014: { severity: 'error', title: 'unknown config key' },
  TFM2016: { severity: 'error', title: 'declared mask never used' },
  TFM2017: { severity: 'error', title: 'declared memory never used' },
  TFM2018: { severity: 'error', title: 'wrong kind of value' },
  TFM2019: { severity: 'error', title: 'no such model' },
  TFM2020: { severity: 'error', title: 'import path not allowed' },
  // 3xxx: shapes and dtypes
  TFM3001: { severity: 'error', title: 'shape mismatch' },
  TFM3002: { severity: 'error', title: 'matmul inner dimensions differ' },
  TFM3003: { severity: 'error', title: 'features not divisible by heads' },
  TFM3004: { severity: 'error', title: 'argument shape does not match port' },
  TFM3005: { severity: 'error', title: 'mask shape incompatible with attention' },
  TFM3006: { severity: 'error', title: 'tied weights have different shapes' },
  TFM3007: { severity: 'error', title: 'sequence may exceed positional table' },
  TFM3008: { severity: 'error', title: 'wrong rank' },
  TFM3009: { severity: 'error', title: 'wrong dtype' },
  TFM3010: { severity: 'error', title: 'non-positive size' },
  TFM3011: { severity: 'error', title: 'dimension is not an integer' },
  TFM3012: { severity: 'error', title: 'layer input width mismatch' },
  TFM3013: { severity: 'error', title: 'axis does not split evenly' },
  TFM3014: { severity: 'error', title: 'reshape changes the element count' },
  TFM3015: { severity: 'error', title: 'size not on any axis of the input' },
  TFM3016: { severity: 'error', title: 'declared values exceed the table or classes they index' },
  // 4xxx: config values, expectations, models
  TFM4001: { severity: 'error', title: 'type mismatch' },
  TFM4002: { severity: 'error', title: 'unknown enum value' },
  TFM4003: { severity: 'error', title: 'expectation failed' },
  TFM4004: { severity: 'error', title: 'division by zero' },
  TFM4005: { severity: 'error', title: 'invalid override' },
  TFM4006: { severity: 'error', title: 'model has no output' },
  TFM4007: { severity: 'warning', title: 'mask can leave a row empty' },

  TFM4008: { severity: 'error', title: 'value out of range' },
  TFM4009: { severity: 'info', title: 'expectation skipped under --set' },
  TFM4010: { severity: 'error', title: 'model too large' },
  TFM4011: { severity: 'error', title: 'model does not fit in memory' },
  // 5xxx: lints, shape-correct specs that are likely wrong (silenced by `// tfmc: allow TFM5xxx`)
  TFM5001: { severity: 'warning', title: 'softmax over the query axis of attention scores' },
  TFM5002: { severity: 'warning', title: 'next-token loss without a causal mask' },
  TFM5003: { severity: 'warning', title: 'sequence loss whose target is the unshifted input' },
  TFM5004: { severity: 'warning', title: 'targets are ids the logits have no class for' },
  // 6xxx: files and data (what the commands read and write besides specs)
  TFM6001: { severity: 'error', title: 'output exists and was not written by this command' },
  TFM6002: { severity: 'error', title: 'output would replace an input' },
  TFM6003: { severity: 'error', title: 'file cannot be written' },
  TFM6004: { severity: 'error', title: 'checkpoint file missing or fails its checksum' },
  TFM6005: { severity: 'error', title: 'malformed weight file' },
  TFM6006: { severity: 'error', title: 'weight is not finite' },
  TFM6007: { severity: 'error', title: 'run directory in use' },
  TFM6008: { severity: 'error', title: 'training step does not fit in memory' },
  // 61xx: Hugging Face checkpoints (`tfmc import hf`, `tfmc export hf`)
  TFM6101: { severity: 'error', title: 'not a Hugging Face checkpoint tfmc reads' },
  TFM6102: { severity: 'error', title: 'checkpoint config the shipped spec cannot express' },
  TFM6103: { severity: 'error', title: 'checkpoint tensors do not fit the spec' },
  TFM6104: { severity: 'error', title: 'tokenizer.json cannot be read' },
  // 7xxx: compile targets (what a target cannot express)
  TFM7001: { severity: 'error', title: 'op has no ONNX form' },
} as const satisfies Record<string, { severity: Severity; title: string }>;

export type KnownCode = keyof typeof CODES;

export function diagnostic(
  code: KnownCode,
  message: string,
  primary: Label,
  extra: Partial<Pick<Diagnostic, 'secondary' | 'notes' | 'help' | 'severity'>> = {},
): Diagnostic {
  return {
    code,
    severity: extra.severity ?? CODES[code].severity,
    message,
    primary,
    secondary: extra.secondary ?? [],
    notes: extra.notes ?? [],
    help: extra.help,
  };
}

/** Sorted by file, line, column, so one mistake's reports read top to bottom. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      a.primary.file.localeCompare(b.primary.file) ||
      a.primary.span.start.offset - b.primary.span.start.offset ||
      a.code.localeCompare(b.code),
  );
}

export function hasErrors(ds: readonly Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}
