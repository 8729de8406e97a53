/**
 * Hover: what a name or expression is. For a value, its inferred shape and dtype and the
 * parameters the expression creates; for a module, its kind, output shape and parameters; for a
 * config key, its value; for a block or primitive, its signature and documentation.
 */
import type * as A from '../syntax/ast.js';
import type { Span } from '../diagnostics/spans.js';
import { renderShape, type Dim } from '../ir/dims.js';
import { exprText } from '../ir/lower/expr-text.js';
import { totalParams, type ModelIR } from '../ir/types.js';
import type { Analysis } from './analysis.js';
import { argumentsOf, blockSignature, opSignature, resolveCallee, tensorTypeText, typeText } from './callees.js';
import { exprPathAt, itemAt, occurrenceAt, reachingDecl, reachingDecls, touches, type DeclNode, type Occurrence } from './names.js';
import { baseConfig } from './inheritance.js';
import { factsAt, groupDigits, modelsFor, type ShapeFacts } from './shapes.js';

export interface HoverResult {
  markdown: string;
  span: Span;
}

type Item = A.BlockDecl | A.ModelDecl;
type Decl = Extract<Occurrence, { role: 'decl' }>;

const code = (text: string) => '```tfm\n' + text + '\n```';

/**
 * `importers`: the models of other open documents that import this one. A block of a library
 * file is instantiated only there, so that is where its values have shapes.
 */
export function hoverAt(a: Analysis, offset: number, importers: () => ModelIR[] = () => []): HoverResult | undefined {
  const item = itemAt(a.ast, offset);
  if (!item) return undefined;
  const own = modelsFor(a.check.lowered, item, a.path);
  const models = item.kind === 'BlockDecl' && !own.some((m) => m.modules.some((x) => x.kind === item.name.name)) ? [...own, ...importers()] : own;
  const occ = occurrenceAt(a.ast, offset);
  if (occ) {
    const text = describeOccurrence(a, item, occ, models, offset);
    if (text) return { markdown: text, span: occ.span };
  }
  // Any other expression: the innermost one the IR has a value for.
  const path = exprPathAt(item, offset);
  for (let i = path.length - 1; i >= 0; i--) {
    const text = describeExpr(a, item, path[i], models);
    if (text) return { markdown: `${code(exprText(path[i]))}\n\n${text}`, span: path[i].span };
  }
  return undefined;
}

function describeOccurrence(a: Analysis, item: Item, occ: Occurrence, models: ModelIR[], offset: number): string | undefined {
  const globals = a.check.workspace.globals(a.path);
  switch (occ.role) {
    case 'item':
      return occ.item.kind === 'ModelDecl' ? describeModel(occ.item, models) : code(blockSignature(occ.item));
    case 'base': {
      const base = a.check.workspace.models(a.path).get(occ.name);
      return base ? code(`model ${occ.name}`) + `\n\nthe model this one extends (its config values can be overridden here)` : undefined;
    }
    case 'decl':
      return describeDecl(a, item, occ, models);
    case 'ref': {
      // The latest binding that the checker evaluated (one inside an `if` not taken has no value).
      const candidates = reachingDecls(item, occ.name, offset);
      const evaluated = candidates.find((d) => 'value' in d.stmt && d.stmt.kind !== 'ConfigEntry' && factsFor(a, item, d.stmt.value, models));
      const decl = evaluated ?? candidates[0] ?? reachingDecl(item, occ.name, offset);
      if (decl) return describeDecl(a, item, decl, models);
      const inherited = baseConfig(a, item, occ.name);
      if (inherited) return code(`config ${occ.name} = ${exprText(inherited.entry.value)}`) + `\n\nset in the base model \`${inherited.model}\`` + configValue(models, occ.name);
      const g = globals.lookup(occ.name)?.value;
      if (g?.kind === 'block') return code(blockSignature(g.block.decl));
      if (g?.kind === 'op') return `${code(opSignature(g.op))}\n\n${g.op.doc}`;
      return undefined;
    }
    case 'arg': {
      const callee = resolveCallee(occ.call.callee, item, globals);
      const arg = callee ? argumentsOf(callee).find((x) => x.name === occ.name) : undefined;
      if (!arg) return undefined;
      const head = `${arg.name}: ${arg.type}${arg.default !== undefined ? ` = ${arg.default}` : arg.optional ? ' (optional)' : ''}`;
      return code(head) + (arg.doc ? `\n\n${arg.doc}` : '');
    }
    case 'member':
      return describeExpr(a, item, occ.expr, models);
    case 'type':
      return undefined;
  }
}

function describeDecl(a: Analysis, item: Item, d: Decl, models: ModelIR[]): string | undefined {
  const s: DeclNode = d.stmt;
  switch (s.kind) {
    case 'ConfigEntry':
      return code(`config ${d.name}${s.type ? `: ${typeText(s.type)}` : ''} = ${exprText(s.value)}`) + configValue(models, d.name);
    case 'ParamDecl':
      return code(`${d.name}${s.type ? `: ${typeText(s.type)}` : ''}${s.default ? ` = ${exprText(s.default)}` : ''}`) + `\n\nparameter of block \`${item.name.name}\``;
    case 'InputDecl': {
      if (s.keyword === 'in') return code(`in ${d.name}: ${tensorTypeText(s.type)}${s.optional ? '?' : ''}`) + `\n\ninput port of block \`${item.name.name}\``;
      const input = models[0]?.inputs.find((i) => i.name === d.name);
      const t = input ? models[0].values[input.value] : undefined;
      return code(`input ${d.name}: ${t ? `${t.dtype}${renderShape(t.shape)}` : tensorTypeText(s.type)}`);
    }
    default: {
      const keyword = d.declKind === 'assign' ? '' : d.declKind === 'output' ? 'output ' : `${d.declKind} `;
      const facts = describeExpr(a, item, s.value, models, `${keyword}${d.name}`);
      return facts ?? code(`${keyword}${d.name} = ${exprText(s.value)}`) + '\n\nno shape: the value could not be computed (an error here or in what it reads), or it is in an `if` branch that was not taken';
    }
  }
}

type Facts = ShapeFacts & { applied?: { dtype: string; shape: Dim[] } };

/**
 * What the IR says about an expression. Most expressions produced their value themselves (the IR
 * records their span); two kinds do not: a name (`let y = x` is `x`'s value) and the application
 * of a block or stack (`stack(x)`: its tensors come from inside the block), whose result is the
 * output the applied module recorded.
 */
function factsFor(a: Analysis, item: Item, e: A.Expr, models: ModelIR[], depth = 0): Facts | undefined {
  const f = factsAt(models, item, a.path, e.span);
  if (f || depth > 16) return f;
  if (e.kind === 'NameExpr') {
    for (const d of reachingDecls(item, e.name, e.span.start.offset)) {
      if (!('value' in d.stmt) || d.stmt.kind === 'ConfigEntry' || touches(d.stmt.span, e.span.start.offset)) return undefined;
      const f = factsFor(a, item, d.stmt.value, models, depth + 1);
      if (f) return f;
    }
    return undefined;
  }
  if (e.kind === 'CallExpr') {
    const callee = factsFor(a, item, e.callee, models, depth + 1);
    const m = callee?.module;
    if (callee && m?.outputShape) return { model: callee.model, instance: callee.instance, params: 0, applied: { dtype: m.outputDType ?? 'float32', shape: m.outputShape } };
  }
  return undefined;
}

/** Shape, dtype and parameters of an expression's value, as a hover paragraph. */
function describeExpr(a: Analysis, item: Item, e: A.Expr, models: ModelIR[], label?: string): string | undefined {
  const f = factsFor(a, item, e, models);
  if (!f) return undefined;
  const lines: string[] = [];
  if (f.applied) {
    lines.push(code(`${label ? `${label}: ` : ''}${f.applied.dtype}${renderShape(f.applied.shape)}`));
  } else if (f.tensor) {
    const t = f.tensor;
    lines.push(code(`${label ? `${label}: ` : ''}${t.dtype}${renderShape(t.shape)}`));
  } else if (f.module) {
    const m = f.module;
    const out = m.outputShape ? ` → ${m.outputDType ?? 'float32'}${renderShape(m.outputShape)}` : ' (not applied)';
    lines.push(code(`${label ? `${label}: ` : ''}${m.kind}${out}`));
  }
  lines.push(`parameters: ${groupDigits(f.params)}`);
  const where = f.instance ? ` (instance \`${f.instance}\`)` : '';
  lines.push(`in model \`${f.model.name}\`${where}`);
  return lines.join('\n\n');
}

function describeModel(decl: A.ModelDecl, models: ModelIR[]): string {
  const m = models[0];
  const head = code(`model ${decl.name.name}${decl.base ? ` extends ${decl.base.name}` : ''}`);
  if (!m) return `${head}\n\nnot checked: see its errors`;
  const io = (list: { name: string; value: number }[], word: string) =>
    list.map((i) => `- ${word} \`${i.name.replace(/^loss:/, '')}\`: \`${m.values[i.value].dtype}${renderShape(m.values[i.value].shape)}\``);
  return [head, `parameters: ${groupDigits(totalParams(m))}`, [...io(m.inputs, 'input'), ...io(m.outputs, 'output')].join('\n')].filter(Boolean).join('\n\n');
}

function configValue(models: ModelIR[], name: string): string {
  const c = models[0]?.config.find((e) => e.name === name);
  return c ? `\n\nvalue: \`${c.value}\` (${c.type})` : '';
}
