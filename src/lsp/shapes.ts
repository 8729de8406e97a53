/**
 * What the IR knows about a piece of source text: the tensor an expression produced (shape,
 * dtype), the module it built (kind, output shape) and the parameters created there. The IR keeps
 * the span of the expression behind every value and module, so a lookup is a span comparison;
 * nothing is added to the IR for the editor.
 *
 * A block's body runs once per instance; its values are shown from the first instance the IR
 * holds (its path says which).
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';
import { paramCount, type ModelIR, type ModuleInfo, type TensorValue } from '../ir/types.js';

export interface ShapeFacts {
  model: ModelIR;
  tensor?: TensorValue;
  module?: ModuleInfo;
  /** Parameters of the modules built by the expression (tied weights count at their owner only). */
  params: number;
  /** The module path of the block instance the facts come from ('' at model level). */
  instance: string;
}

const sameSpan = (a: Span, b: Span) => a.start.offset === b.start.offset && a.end.offset === b.end.offset;
const within = (inner: Span, outer: Span) => outer.start.offset <= inner.start.offset && inner.end.offset <= outer.end.offset;

/** The models whose IR can describe `item`: the model itself, or every model (for a block). */
export function modelsFor(lowered: readonly ModelIR[], item: A.BlockDecl | A.ModelDecl, file: string): ModelIR[] {
  if (item.kind === 'ModelDecl') return lowered.filter((m) => m.name === item.name.name && m.file === file);
  return [...lowered];
}

/** Facts about the expression at `span` of `item`'s body, from the first model that evaluated it. */
export function factsAt(models: readonly ModelIR[], item: A.BlockDecl | A.ModelDecl, file: string, span: Span): ShapeFacts | undefined {
  for (const model of models) {
    // Model level: paths from the root. A block: its first instance (`blocks.0` of a repeat).
    const instance = item.kind === 'ModelDecl' ? '' : model.modules.find((m) => m.kind === item.name.name)?.path;
    if (instance === undefined) continue;
    const inInstance = (path: string) => instance === '' || path === instance || path.startsWith(instance + '.');
    const tensor = model.values.find((v) => v.source.file === file && sameSpan(v.source.span, span) && inInstance(v.producer >= 0 ? model.nodes[v.producer].module : ''));
    const module = model.modules.find((m) => m.source.file === file && sameSpan(m.source.span, span) && inInstance(m.path));
    if (!tensor && !module) continue;
    return { model, tensor, module, params: paramsBuilt(model, file, span, instance), instance };
  }
  return undefined;
}

/** Parameters owned by the modules that source `span` built, within one block instance. */
function paramsBuilt(model: ModelIR, file: string, span: Span, instance: string): number {
  const prefix = instance ? instance + '.' : '';
  const roots = model.modules
    .filter((m) => m.source.file === file && within(m.source.span, span) && m.path.startsWith(prefix))
    .map((m) => m.path)
    .sort();
  const top: string[] = [];
  for (const p of roots) if (!top.some((t) => p.startsWith(t + '.'))) top.push(p);
  let n = 0;
  for (const p of model.params) if (top.some((t) => p.name.startsWith(t + '.'))) n += paramCount(p);
  return n;
}

/** `1234567` → `1,234,567`. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
