/**
 * The pipeline: load → parse → lower → check, for a spec file or editor text. Front doors (the CLI,
 * the language server, the library API) call it and hand the checked IR to a backend; backends
 * never parse or check themselves.
 */
import { resolve } from 'node:path';
import { diagnostic } from '../diagnostics/diagnostic.js';
import { summarize } from '../ir/summary.js';
import type { CheckOptions, CheckResult, ModelSummary } from './check-result.js';
import { checkEntry } from './check-entry.js';
import { toOverrides } from './overrides.js';
import { unknownModel } from './select-model.js';

export type { CheckOptions, CheckResult, ModelSummary, SummaryRow } from './check-result.js';

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
  const r = checkEntry(path, overrides, { root: options.workspaceRoot, overlay: options.overlay, host: options.host }, text, options.model);
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
