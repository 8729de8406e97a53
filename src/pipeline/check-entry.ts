/**
 * The pipeline's middle for one entry file: load and parse it (with its imports), lower every
 * model in it (or the one asked for), then run the whole-file rules of `check/`. Returns the IR of
 * each model that lowered without errors, and everything an editor needs besides.
 */
import { hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { dropAllowedWarnings } from './allowed-warnings.js';
import { unusedBindings } from '../check/rules/unused-bindings.js';
import { unresolvedNamesInBlock } from '../check/rules/uninstantiated-blocks.js';
import type { Override } from '../ir/lower/lowering.js';
import { lowerModel } from '../ir/lower/model.js';
import { Reporter } from '../ir/lower/reporter.js';
import { UseTracker } from '../ir/lower/scope.js';
import type { ModelIR } from '../ir/types.js';
import { Workspace, type WorkspaceOptions } from '../ir/workspace.js';

export interface FileCheck {
  diagnostics: Diagnostic[];
  models: ModelIR[];
  /** Every model that lowered, with errors or not: editors still show the shapes of the parts that worked. */
  lowered: ModelIR[];
  workspace: Workspace;
  /** Whether the entry file could be read at all. */
  found: boolean;
  /** The models the entry file declares, in order (whether or not they were lowered). */
  declared: string[];
}

/** `only`: lower just this model of the file (and the models it extends), as `tfmc check --model`. */
export function checkEntry(path: string, overrides: Override[], options: WorkspaceOptions = {}, text?: string, only?: string): FileCheck {
  const steps = checkEntrySteps(path, overrides, options, text, only);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `checkEntry` in steps: it pauses after loading and parsing, and after each model, so a caller
 * (the language server) can give way to other work in between, and stop a check whose text is
 * already outdated instead of running it to the end.
 */
export function* checkEntrySteps(path: string, overrides: Override[], options: WorkspaceOptions = {}, text?: string, only?: string): Generator<void, FileCheck, void> {
  const ws = new Workspace(options, path);
  const file = ws.load(path, text);
  if (!file) return { diagnostics: [], models: [], lowered: [], workspace: ws, found: false, declared: [] };
  const declared = [...new Set(file.ast.items.flatMap((i) => (i.kind === 'ModelDecl' && i.name.name ? [i.name.name] : [])))];
  const reporter = new Reporter((f) => ws.isLibrary(f));
  const uses = new UseTracker();
  const models: ModelIR[] = [];
  const loweredModels: ModelIR[] = [];
  ws.globals(file.path); // reports duplicate blocks and models even when nothing is lowered
  // Syntax errors stop here (lowering a half-parsed file only adds noise); import errors do not.
  const parseFailed = hasErrors(ws.diagnostics.filter((d) => d.code.startsWith('TFM1') && (d.primary.file === file.path || ws.isLibrary(d.primary.file))));
  const lowered = new Set<string>();
  yield;
  if (!parseFailed) {
    for (const item of file.ast.items) {
      if (item.kind !== 'ModelDecl' || !item.name.name || lowered.has(item.name.name)) continue; // a duplicate is reported by globals()
      if (only !== undefined && item.name.name !== only) continue;
      lowered.add(item.name.name);
      const before = reporter.diagnostics.filter((d) => d.severity === 'error').length;
      const ir = lowerModel(ws, item, file.path, overrides, reporter, uses);
      const after = reporter.diagnostics.filter((d) => d.severity === 'error').length;
      if (ir) loweredModels.push(ir);
      if (ir && after === before) models.push(ir);
      yield;
    }
  }
  const blockChecks: Diagnostic[] = [];
  if (!parseFailed) {
    const globals = ws.globals(file.path);
    for (const item of file.ast.items) {
      if (item.kind === 'BlockDecl' && !reporter.instantiated.has(item)) blockChecks.push(...unresolvedNamesInBlock(item, file.path, globals));
    }
  }
  const diagnostics = [...ws.diagnostics, ...reporter.diagnostics, ...blockChecks, ...(parseFailed ? [] : unusedBindings(uses.all()))];
  const kept = dropAllowedWarnings(dedupe(diagnostics), (f) => ws.files.get(f)?.text);
  return { diagnostics: sortDiagnostics(kept), models, lowered: loweredModels, workspace: ws, found: true, declared };
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.code}|${d.primary.file}|${d.primary.span.start.offset}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
